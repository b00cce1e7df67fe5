#pragma once
// Turns one chunk of CSV text into a typed batch plus rejected records (the parse phase of
// CsvSource; thread-safe, per-thread scratch buffers are reused across chunks).
#include <string>
#include <vector>

#include "formats/csv/csv_dialect.h"
#include "formats/csv/csv_options.h"
#include "normalize/schema_tracker.h"
#include "sources/source.h"

namespace sluice {

// What the parser needs to know about the file a chunk comes from.
struct CsvFileLayout {
  std::string path;
  CsvDialect dialect;              // the file's own header flag and line terminator
  std::vector<std::string> names;  // normalized column names of this file
  uint64_t header_lines = 0;       // physical lines before the file's first data chunk
};

class CsvChunkParser {
 public:
  // `tracker` must outlive the parser.
  CsvChunkParser(const CsvOptions& options, SchemaTracker* tracker);

  // Parses `chunk` (its data is modified: fields are unescaped in place; the caller may reuse
  // the buffer afterwards). `lines_before` is the
  // number of physical lines of the file before the chunk's data (header included), used only
  // for error messages that end the load.
  ParsedChunk Parse(RawChunk& chunk, const CsvFileLayout& file, uint64_t lines_before) const;

 private:
  bool IsNullToken(std::string_view v) const;

  const CsvOptions& options_;
  SchemaTracker* tracker_;
  uint64_t null_lengths_ = 0;  // bit n set: some NULL token has length n (n < 64)
};

// Offset of the first byte that breaks UTF-8 in `s` (s.size() if none).
size_t FirstInvalidUtf8(std::string_view s);

}  // namespace sluice
