#pragma once
// Guesses a CSV file's dialect from its first bytes (decoded to UTF-8, BOM already skipped).
// Options the user set explicitly are taken as given; only the rest is sniffed.
#include <string_view>

#include "formats/csv/csv_dialect.h"
#include "formats/csv/csv_options.h"

namespace sluice {

struct SniffResult {
  CsvDialect dialect;
  // The delimiter produced a consistent field count > 1 (or was set by the user). When false
  // the file looks like a single column and the delimiter is only a default.
  bool delimiter_confident = false;
};

// `complete` says the sample is the whole file (otherwise its last, possibly cut, record is
// ignored).
SniffResult SniffCsvDialect(std::string_view sample, bool complete, const CsvOptions& options);

// Skips a UTF-8 byte order mark: returns 3 if `data` starts with one, else 0.
size_t Utf8BomLength(std::string_view data);

}  // namespace sluice
