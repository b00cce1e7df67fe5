#pragma once
// Quoting text as a JSON string literal, for reports and for values stored as json.
#include <string>
#include <string_view>

namespace sluice {

// Appends `s` as a quoted JSON string literal (control characters escaped).
void AppendJsonString(std::string_view s, std::string* out);

}  // namespace sluice
