#pragma once
// Finds record boundaries in a growing buffer of decoded CSV text, for cutting chunks on the
// reader thread. It follows the tokenizer's quote rules (csv_tokenizer.h) but only looks at
// quote, escape and line-break bytes, using memchr/memrchr so that runs of ordinary text are
// skipped at memory speed. State carries across calls, so every byte is scanned once.
#include <cstddef>
#include <string_view>

#include "formats/csv/csv_dialect.h"

namespace sluice {

class RecordBoundaryScanner {
 public:
  explicit RecordBoundaryScanner(const CsvDialect& dialect);

  // `buf` starts at a record boundary and extends the buffer of the previous call (minus what
  // Consume() removed). Returns the end of the last complete record in `buf`, 0 if none yet.
  // At `eof` the whole buffer counts as complete (an unterminated quote included).
  size_t Scan(std::string_view buf, bool eof);
  // The caller dropped the first `n` bytes of the buffer; `n` is the value Scan() returned.
  void Consume(size_t n);
  // True if the scan so far ended inside a quoted field.
  bool in_quotes() const { return in_quotes_; }

 private:
  char delimiter_;
  char quote_;
  bool backslash_;
  char line_break_;  // '\n', or '\r' for files with CR line ends
  size_t pos_ = 0;   // next byte to scan
  size_t last_boundary_ = 0;
  bool in_quotes_ = false;
};

}  // namespace sluice
