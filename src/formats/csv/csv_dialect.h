#pragma once
// The concrete dialect a CSV file is read with: sniffed options merged with user settings.
#include <string>

namespace sluice {

enum class LineTerminator { kLf, kCrLf, kCr };

struct CsvDialect {
  char delimiter = ',';
  char quote = '"';
  // == quote: "" inside a quoted field is one quote; '\\': backslash escapes the next byte
  // inside a quoted field. Outside quotes both characters are ordinary bytes.
  char escape = '"';
  bool header = true;
  // The first line break of the sample. Only kCr changes behaviour: chunks are then cut at lone
  // CRs (in every mode the tokenizer accepts LF, CRLF and CR as record ends).
  LineTerminator terminator = LineTerminator::kLf;
  // Set for files with one column: an empty line is then a record with one empty field (NULL),
  // not nothing. With two or more columns an empty line cannot be a record and is skipped.
  bool blank_lines_are_records = false;

  bool backslash_escape() const { return escape == '\\'; }
  // E.g. "delimiter=',' quote='\"' escape='\"' header=true newline=LF" for `sluice sniff`.
  std::string Describe() const;
  bool operator==(const CsvDialect&) const = default;
};

}  // namespace sluice
