#include "formats/csv/csv_dialect.h"

namespace sluice {
namespace {

std::string Quoted(char c) {
  if (c == '\t') return "'\\t'";
  if (c == '\\') return "'\\\\'";
  return std::string("'") + c + "'";
}

}  // namespace

std::string CsvDialect::Describe() const {
  const char* newline = terminator == LineTerminator::kLf     ? "LF"
                        : terminator == LineTerminator::kCrLf ? "CRLF"
                                                              : "CR";
  return "delimiter=" + Quoted(delimiter) + " quote=" + Quoted(quote) +
         " escape=" + (backslash_escape() ? std::string("backslash") : std::string("doubled")) +
         " header=" + (header ? "true" : "false") + " newline=" + newline;
}

}  // namespace sluice
