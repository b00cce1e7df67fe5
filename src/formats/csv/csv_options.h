#pragma once
// User-facing options of the CSV reader. Zero / kAuto values mean "sniff from the data"; an
// explicitly set value always wins over what the sniffer would choose.
#include <cstddef>
#include <string>
#include <vector>

#include "io/input_stream.h"

namespace sluice {

struct CsvOptions {
  // Target table name; set by the caller (usually derived from the file name).
  std::string table;
  // Field separator. 0 = sniff among ',' ';' '\t' '|'.
  char delimiter = 0;
  // Quote character. 0 = sniff ('"' usually, '\'' when that fits the data clearly better).
  char quote = 0;
  // How a quote is written inside a quoted field: the quote character itself means doubled
  // quotes (""), '\\' means backslash escapes (\" and \\). 0 = sniff.
  char escape = 0;
  enum class HeaderMode { kAuto, kYes, kNo };
  HeaderMode header = HeaderMode::kAuto;
  // An UNQUOTED field equal to one of these is NULL. A quoted field ("" or "NULL") is always a
  // string, so quoting is how a file says "this really is the text NULL / an empty string".
  std::vector<std::string> null_tokens = {"", "NULL", "null", "\\N"};
  TextEncoding encoding = TextEncoding::kUtf8;
  Compression compression = Compression::kAuto;
  // Rows with fewer fields than the header: kError ends the load (naming file and line), kPad
  // fills the missing fields with NULL, kReject sends the row to the dead-letter store. Rows with
  // MORE fields are never truncated: kError ends the load, kPad and kReject reject the row.
  enum class RaggedPolicy { kError, kPad, kReject };
  RaggedPolicy ragged = RaggedPolicy::kReject;
  // Target size of the decoded chunks handed to parse workers (cut at record boundaries).
  size_t chunk_bytes = size_t{2} << 20;
  // Decoded bytes read from the start of each file to sniff the dialect and header.
  size_t sample_bytes = size_t{256} << 10;

  // Throws sluice::UsageError explaining the first invalid setting.
  void Validate() const;
};

}  // namespace sluice
