#pragma once
// The interface every source implements. Like a DuckDB table function it has phases:
// - bind: the factory (e.g. MakeCsvSource) validates options, lists files, sniffs the format
//   and a first schema; afterwards the source's configuration is immutable;
// - read: ReadChunk() is called from ONE thread and cuts the input into chunks at record
//   boundaries (cheap: no parsing beyond what finding a boundary needs);
// - parse: ParseChunk() is called from any number of worker threads at once and turns a chunk
//   into typed column batches (one per table) and rejected records.
// The runner (pipeline/runner.h) connects these phases through bounded queues and hands the
// results to the destination in chunk order.
#include <cstdint>
#include <string>
#include <vector>

#include "core/batch.h"
#include "core/rejected_record.h"

namespace sluice {

struct InputFile {
  std::string path;   // a local path or a storage URI (s3://..., https://...)
  int64_t size = -1;  // bytes on storage (compressed size for .gz / .zst); -1 if unknown
  std::string etag;   // the object's entity tag on object stores and HTTP; empty locally
  int64_t mtime_ns = 0;
};

// A piece of one input file, cut at a record boundary, already decompressed and decoded to
// UTF-8. `data` has at least kChunkPadding readable bytes after data.size() (for SIMD parsers).
struct RawChunk {
  uint64_t sequence = 0;  // position in the whole input, from 0
  size_t file_index = 0;  // into Source::files()
  bool first_in_file = false;
  uint64_t byte_offset = 0;   // offset of data[0] in the decoded file
  uint64_t stored_bytes = 0;  // storage bytes consumed for this chunk (progress)
  std::string data;
};
constexpr size_t kChunkPadding = 64;

struct ParsedChunk {
  uint64_t sequence = 0;
  size_t file_index = 0;
  bool first_in_file = false;
  uint64_t lines = 0;  // physical line breaks in the chunk, to number later chunks' lines
  uint64_t stored_bytes = 0;
  std::vector<Batch> batches;  // at most one per table
  // Rejected records; their `line` is relative to the chunk (1 = the chunk's first line). The
  // runner adds the lines of the file's earlier chunks.
  std::vector<RejectedRecord> rejects;
};

class Source {
 public:
  virtual ~Source() = default;
  virtual const std::vector<InputFile>& files() const = 0;
  // The table the source's records go to (child tables are derived from it).
  virtual const std::string& table() const = 0;
  // Cuts the next chunk; false when the input is exhausted. Called from one thread only.
  virtual bool ReadChunk(RawChunk* chunk) = 0;
  // Thread-safe. Throws sluice::Error only for failures that must end the load.
  virtual ParsedChunk ParseChunk(RawChunk chunk) = 0;
  // Called before reading with the types the destination already holds, so parsing starts
  // from them: a text column keeps later "y" or "007" as the text they are.
  virtual void HintColumnType(const std::string& table, const std::string& column,
                              InferredType type) = 0;
};

}  // namespace sluice
