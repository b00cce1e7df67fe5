#pragma once
// Options of the JSON reader (docs/json.md).
#include <cstddef>
#include <string>
#include <vector>

#include "io/input_stream.h"

namespace sluice {

struct JsonOptions {
  // Root table the documents load into; child tables are named `<table>__<field>`. Required;
  // normalized with NormalizeIdentifier.
  std::string table;

  enum class Layout {
    kAuto,   // per file: first non-whitespace byte '[' -> kArray, otherwise kLines
    kLines,  // NDJSON / JSON Lines: one document per line, blank lines skipped
    kArray,  // top-level array(s) of documents (top-level objects outside arrays also load)
  };
  // How documents are laid out in a file.
  Layout layout = Layout::kAuto;

  // Levels of nested objects/arrays below a document's root that are expanded into columns and
  // child tables; deeper values are stored as compact JSON text. 0..64.
  int max_nesting = 5;

  // Decompression; kAuto chooses by extension (.gz, .zst) or magic bytes.
  Compression compression = Compression::kAuto;
  // JSON is UTF-8 by RFC 8259; Latin-1 / Windows-1252 exports are decoded to UTF-8 first.
  TextEncoding encoding = TextEncoding::kUtf8;

  // Target size of a chunk of decoded input handed to one parse worker. A chunk grows beyond
  // this only when a single document is larger.
  size_t chunk_bytes = size_t{2} << 20;

  // Root columns (as sluice names them, e.g. "id" or "user__id") whose values determine the
  // root `_sluice_id`, so re-loaded records keep their ids. Empty: the id is derived from the
  // file path and the document's byte offset.
  std::vector<std::string> primary_key;

  // Throws a usage error (sluice::Error) if an option is out of range.
  void Validate() const;
};

}  // namespace sluice
