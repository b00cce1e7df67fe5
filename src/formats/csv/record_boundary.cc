#include "formats/csv/record_boundary.h"

#include <cstring>

namespace sluice {

RecordBoundaryScanner::RecordBoundaryScanner(const CsvDialect& d)
    : delimiter_(d.delimiter),
      quote_(d.quote),
      backslash_(d.backslash_escape()),
      line_break_(d.terminator == LineTerminator::kCr ? '\r' : '\n') {}

size_t RecordBoundaryScanner::Scan(std::string_view buf, bool eof) {
  const char* const b = buf.data();
  const size_t n = buf.size();
  // Keep one byte of lookahead ("" and \r\n decisions) unless the input has ended.
  const size_t limit = eof ? n : (n > 0 ? n - 1 : 0);
  size_t i = pos_;
  while (i < limit) {
    const char* q = static_cast<const char*>(std::memchr(b + i, quote_, limit - i));
    const size_t stop = q ? size_t(q - b) : limit;
    if (!in_quotes_) {
      if (const void* r = memrchr(b + i, line_break_, stop - i)) {
        size_t k = size_t(static_cast<const char*>(r) - b) + 1;
        if (line_break_ == '\r' && k < n && b[k] == '\n') ++k;
        last_boundary_ = k;
      }
      if (!q) {
        i = limit;
        break;
      }
      i = stop + 1;
      // Like the tokenizer: a quote opens a quoted field only at the start of a field, after
      // optional spaces or tabs ("a, \"b, c\"").
      size_t k = stop;
      while (k > 0 && (b[k - 1] == ' ' || b[k - 1] == '\t') && b[k - 1] != delimiter_) --k;
      const char prev = k == 0 ? '\n' : b[k - 1];
      if (prev == delimiter_ || prev == '\n' || prev == '\r') in_quotes_ = true;
    } else {
      if (backslash_) {
        if (const void* e = std::memchr(b + i, '\\', stop - i)) {
          i = size_t(static_cast<const char*>(e) - b) + 2;
          continue;
        }
      }
      if (!q) {
        i = limit;
        break;
      }
      if (!backslash_ && stop + 1 < n && b[stop + 1] == quote_) {
        i = stop + 2;  // doubled quote stays inside the field
        continue;
      }
      in_quotes_ = false;
      i = stop + 1;
    }
  }
  pos_ = i;
  if (eof) last_boundary_ = n;
  return last_boundary_;
}

void RecordBoundaryScanner::Consume(size_t n) {
  pos_ = pos_ > n ? pos_ - n : 0;
  last_boundary_ = 0;
}

}  // namespace sluice
