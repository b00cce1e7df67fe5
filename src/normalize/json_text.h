#pragma once
// Small JSON text helpers used when values are stored as JSON text.
#include <string>
#include <string_view>

#include "core/json_string.h"

namespace sluice {

// Appends `json` without the whitespace outside strings. Assumes well-formed JSON.
void AppendCompactJson(std::string_view json, std::string* out);
// True if `token` is a JSON number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
bool IsJsonNumber(std::string_view token);

}  // namespace sluice
