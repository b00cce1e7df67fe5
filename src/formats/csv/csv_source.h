#pragma once
// The CSV source: bind (open the first file, sniff the dialect, read the header), read (cut
// chunks at record boundaries on one thread) and parse (CsvChunkParser on worker threads).
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "formats/csv/csv_chunk_parser.h"
#include "formats/csv/csv_dialect.h"
#include "formats/csv/csv_options.h"
#include "formats/csv/record_boundary.h"
#include "io/input_stream.h"
#include "normalize/schema_tracker.h"
#include "sources/source.h"

namespace sluice {

class CsvSource final : public Source {
 public:
  using Opener = std::function<std::unique_ptr<InputStream>(const InputFile&)>;
  // Binds: validates options and reads the first file's sample and header (throws on failure).
  CsvSource(std::vector<InputFile> files, CsvOptions options, Opener opener);

  const std::vector<InputFile>& files() const override { return files_; }
  const std::string& table() const override { return options_.table; }
  bool ReadChunk(RawChunk* chunk) override;
  ParsedChunk ParseChunk(RawChunk chunk) override;
  void HintColumnType(const std::string& table, const std::string& column,
                      InferredType type) override {
    tracker_.Observe(table, column, type);
  }

  // The dialect of the first file (later files must match it), for `sluice sniff` and logs.
  CsvDialect Dialect() const { return dialect_; }
  // Normalized column names of the first file.
  const std::vector<std::string>& ColumnNames() const { return layouts_[0]->names; }

 private:
  void OpenFile(size_t index);
  // Reads until the buffer holds `target` bytes or the file ends.
  void Fill(size_t target);
  // Chunk buffers are recycled: fresh multi-megabyte allocations cost a page fault per 4 KiB.
  std::string TakeBuffer(size_t capacity);
  void ReturnBuffer(std::string buffer);

  std::vector<InputFile> files_;
  CsvOptions options_;
  Opener opener_;
  CsvDialect dialect_;
  SchemaTracker tracker_;
  CsvChunkParser parser_;
  // One entry per file, written by the reader thread before the file's first chunk is handed
  // out and never changed afterwards.
  std::vector<std::unique_ptr<const CsvFileLayout>> layouts_;

  // Reader state (ReadChunk thread only).
  std::unique_ptr<InputStream> in_;
  size_t current_file_ = 0;
  size_t next_file_ = 0;
  std::string buf_;          // decoded bytes from a record boundary on
  uint64_t buf_offset_ = 0;  // decoded file offset of buf_[0]
  bool eof_ = false;
  bool first_chunk_pending_ = false;
  uint64_t stored_reported_ = 0;
  uint64_t sequence_ = 0;
  uint64_t lines_read_ = 0;  // line breaks of the current file before buf_ (ragged=error only)
  std::unique_ptr<RecordBoundaryScanner> scanner_;

  // Absolute start lines of chunks in flight, for load-ending errors (ragged=error only).
  std::mutex lines_mu_;
  std::map<uint64_t, uint64_t> lines_before_;

  std::mutex pool_mu_;
  std::vector<std::string> pool_;
};

std::unique_ptr<Source> MakeCsvSource(std::vector<InputFile> files, CsvOptions options);
// The same with the concrete type, for tooling that wants Dialect().
std::unique_ptr<CsvSource> OpenCsvSource(std::vector<InputFile> files, CsvOptions options);
// Reads `content` as if it were a file named `name` (tests and fuzzing). Compression and
// encoding options apply as for files.
std::unique_ptr<CsvSource> MakeCsvSourceFromString(std::string content, CsvOptions options,
                                                   std::string name = "<memory>");

}  // namespace sluice
