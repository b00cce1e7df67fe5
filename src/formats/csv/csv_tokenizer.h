#pragma once
// Splits a chunk of CSV text (starting at a record boundary) into rows of field slices. No
// copying: fields are offsets into the chunk. Rules (docs/csv.md):
// - a quote opens a quoted field only at the start of a field; elsewhere it is an ordinary byte;
// - after a closing quote, bytes up to the next delimiter / line break are kept literally;
// - LF, CRLF and lone CR end a record and each count as one physical line; blank lines are
//   skipped (but counted);
// - a quoted field still open at the end of the data marks the row `unterminated`.
// record_boundary.cc follows the same quote rules, so chunk cuts agree with this tokenizer.
#include <cstdint>
#include <string_view>
#include <vector>

#include "formats/csv/csv_dialect.h"

namespace sluice {

struct CsvField {
  enum Flags : uint8_t { kQuoted = 1, kNeedsUnescape = 2 };
  uint32_t offset = 0;  // quoted fields without kNeedsUnescape: the bytes between the quotes
  uint32_t length = 0;  // kNeedsUnescape: the raw field text, see UnescapeCsvField()
  uint8_t flags = 0;
};

struct CsvRow {
  uint32_t first_field = 0;  // index into CsvTokens::fields
  uint32_t num_fields = 0;
  uint32_t begin = 0;  // record text [begin, end) in the chunk, without its line break
  uint32_t end = 0;
  uint64_t line = 0;  // 1-based physical line of the record's first byte, relative to the chunk
  bool unterminated = false;
};

struct CsvTokens {
  std::vector<CsvField> fields;
  std::vector<CsvRow> rows;
  uint64_t lines = 0;  // physical line breaks in the data

  void Clear() {
    fields.clear();
    rows.clear();
    lines = 0;
  }
};

// Tokenizes `data`. Precondition: data.data()[data.size()] is readable and equals '\n' (a
// sentinel that lets the inner loops skip bounds checks); data.size() < 4 GiB.
void TokenizeCsv(std::string_view data, const CsvDialect& dialect, CsvTokens* out);

// Decodes a kNeedsUnescape field in place (the result is never longer than the raw text) and
// returns the decoded length.
size_t UnescapeCsvField(char* field, size_t length, const CsvDialect& dialect);

}  // namespace sluice
