#include "formats/csv/csv_tokenizer.h"

#include <cassert>

namespace sluice {
namespace {

// Character classes; 0 is an ordinary byte that the inner loops skip.
enum : uint8_t { kOrdinary = 0, kDelimiter, kLineFeed, kCarriageReturn, kQuote, kEscape };

struct ClassTables {
  uint8_t unquoted[256] = {};  // bytes that end an unquoted field
  uint8_t quoted[256] = {};    // bytes that matter inside a quoted field

  explicit ClassTables(const CsvDialect& d) {
    unquoted[uint8_t(d.delimiter)] = kDelimiter;
    unquoted[uint8_t('\n')] = kLineFeed;
    unquoted[uint8_t('\r')] = kCarriageReturn;
    quoted[uint8_t('\n')] = kLineFeed;
    quoted[uint8_t('\r')] = kCarriageReturn;
    if (d.backslash_escape()) quoted[uint8_t('\\')] = kEscape;
    quoted[uint8_t(d.quote)] = kQuote;
  }
};

}  // namespace

void TokenizeCsv(std::string_view data, const CsvDialect& dialect, CsvTokens* out) {
  assert(data.data()[data.size()] == '\n');
  out->Clear();
  const ClassTables t(dialect);
  const uint8_t quote = uint8_t(dialect.quote);
  const uint8_t delimiter = uint8_t(dialect.delimiter);
  const bool backslash = dialect.backslash_escape();
  const uint8_t* const base = reinterpret_cast<const uint8_t*>(data.data());
  const uint8_t* const end = base + data.size();
  const uint8_t* p = base;
  std::vector<CsvField>& fields = out->fields;
  std::vector<CsvRow>& rows = out->rows;
  uint64_t lines = 0;

  while (p < end) {
    if (*p == '\n' || *p == '\r') {  // blank line
      if (dialect.blank_lines_are_records) {
        CsvRow row;
        row.first_field = uint32_t(fields.size());
        row.begin = row.end = uint32_t(p - base);
        row.line = lines + 1;
        row.num_fields = 1;
        fields.push_back({uint32_t(p - base), 0, 0});
        rows.push_back(row);
      }
      ++lines;
      if (*p++ == '\r' && p < end && *p == '\n') ++p;
      continue;
    }
    CsvRow row;
    row.first_field = uint32_t(fields.size());
    row.begin = uint32_t(p - base);
    row.line = lines + 1;
    for (;;) {  // one field per iteration; the sentinel stops every inner loop at `end`
      // Spaces or tabs before an opening quote belong to no field: `a, "b, c"`.
      if ((*p == ' ' || *p == '\t') && *p != delimiter) {
        const uint8_t* q = p;
        while ((*q == ' ' || *q == '\t') && *q != delimiter) ++q;
        if (*q == quote && q < end) p = q;
      }
      const uint8_t* const start = p;
      CsvField f;
      if (*p == quote) {
        uint8_t flags = CsvField::kQuoted;
        const uint8_t* const content = ++p;
        for (;;) {
          while (t.quoted[*p] == kOrdinary) ++p;
          if (p >= end) {
            row.unterminated = true;
            break;
          }
          const uint8_t c = t.quoted[*p];
          if (c == kQuote) {
            if (!backslash && p + 1 < end && p[1] == quote) {
              flags |= CsvField::kNeedsUnescape;
              p += 2;
              continue;
            }
            break;
          }
          if (c == kLineFeed) {
            ++lines, ++p;
          } else if (c == kCarriageReturn) {
            ++lines, ++p;
            if (p < end && *p == '\n') ++p;
          } else {  // backslash: the next byte is literal, whatever it is
            flags |= CsvField::kNeedsUnescape;
            if (p + 1 >= end) {
              p = end;
              row.unterminated = true;
              break;
            }
            if (p[1] == '\n') {
              ++lines;
            } else if (p[1] == '\r') {
              ++lines;
              if (p + 2 < end && p[2] == '\n') ++p;  // CRLF is one line break
            }
            p += 2;
          }
        }
        if (row.unterminated) {
          fields.push_back({uint32_t(content - base), uint32_t(end - content), flags});
          p = end;
          break;
        }
        const uint8_t* const content_end = p++;
        if (t.unquoted[*p] == kOrdinary) {  // stray text after the closing quote: keep it
          flags |= CsvField::kNeedsUnescape;
          while (t.unquoted[*p] == kOrdinary) ++p;
        }
        if (flags & CsvField::kNeedsUnescape) {
          f = {uint32_t(start - base), uint32_t(p - start), flags};
        } else {
          f = {uint32_t(content - base), uint32_t(content_end - content), flags};
        }
      } else {
        while (t.unquoted[*p] == kOrdinary) ++p;
        f = {uint32_t(start - base), uint32_t(p - start), 0};
      }
      fields.push_back(f);
      if (p >= end) break;
      if (*p == delimiter) {
        ++p;
        continue;
      }
      // A line break ends the record.
      row.end = uint32_t(p - base);
      ++lines;
      if (*p++ == '\r' && p < end && *p == '\n') ++p;
      goto row_done;
    }
    row.end = uint32_t(end - base);
  row_done:
    row.num_fields = uint32_t(fields.size() - row.first_field);
    rows.push_back(row);
  }
  out->lines = lines;
}

size_t UnescapeCsvField(char* s, size_t n, const CsvDialect& d) {
  const char quote = d.quote;
  const bool backslash = d.backslash_escape();
  size_t i = 0, o = 0;
  bool in_quotes = false;
  if (n > 0 && s[0] == quote) in_quotes = true, i = 1;
  while (i < n) {
    const char c = s[i];
    if (in_quotes) {
      if (c == quote) {
        if (!backslash && i + 1 < n && s[i + 1] == quote) {
          s[o++] = quote;
          i += 2;
          continue;
        }
        in_quotes = false;  // later quotes are ordinary bytes
        ++i;
        continue;
      }
      if (backslash && c == '\\' && i + 1 < n) {
        s[o++] = s[i + 1];
        i += 2;
        continue;
      }
    }
    s[o++] = c;
    ++i;
  }
  return o;
}

}  // namespace sluice
