#include "formats/csv/csv_options.h"

#include "core/error.h"

namespace sluice {
namespace {

std::string Show(char c) {
  switch (c) {
    case '\t':
      return "'\\t'";
    case '\n':
      return "'\\n'";
    case '\r':
      return "'\\r'";
    default:
      return std::string("'") + c + "'";
  }
}

}  // namespace

void CsvOptions::Validate() const {
  if (table.empty()) throw UsageError("csv: no target table name given");
  if (delimiter == '\n' || delimiter == '\r') {
    throw UsageError("csv: the delimiter cannot be a line break");
  }
  if (quote == '\n' || quote == '\r') throw UsageError("csv: the quote cannot be a line break");
  if (delimiter != 0 && delimiter == quote) {
    throw UsageError("csv: delimiter and quote are both " + Show(delimiter));
  }
  if (escape != 0 && escape != '\\' && escape != (quote ? quote : escape)) {
    throw UsageError("csv: escape must be the quote character (doubled quotes) or '\\\\', not " +
                     Show(escape));
  }
  if (escape != 0 && escape != '\\' && quote == 0 && escape != '"' && escape != '\'') {
    throw UsageError("csv: escape " + Show(escape) + " is neither a quote character nor '\\\\'");
  }
  if (escape != 0 && escape == delimiter) {
    throw UsageError("csv: delimiter and escape are both " + Show(delimiter));
  }
  for (const std::string& token : null_tokens) {
    if (token.find_first_of("\r\n") != std::string::npos) {
      throw UsageError("csv: a NULL token cannot contain a line break");
    }
  }
  if (chunk_bytes == 0 || chunk_bytes > (size_t{1} << 30)) {
    throw UsageError("csv: chunk size must be between 1 byte and 1 GiB");
  }
  if (sample_bytes == 0) throw UsageError("csv: the sniffing sample size must be positive");
}

}  // namespace sluice
