#include "formats/json/json_options.h"

#include "core/error.h"
#include "core/identifiers.h"

namespace sluice {

void JsonOptions::Validate() const {
  if (NormalizeIdentifier(table).empty()) {
    throw UsageError("json: a table name is required (got '" + table + "')");
  }
  // The flattener recurses once per level, so the limit also bounds its stack use.
  if (max_nesting < 0 || max_nesting > 64) {
    throw UsageError("json: max nesting must be between 0 and 64, got " +
                     std::to_string(max_nesting));
  }
  if (chunk_bytes == 0) throw UsageError("json: chunk size must be at least 1 byte");
  for (const std::string& key : primary_key) {
    if (NormalizeIdentifier(key).empty()) {
      throw UsageError("json: invalid primary key column '" + key + "'");
    }
  }
}

}  // namespace sluice
