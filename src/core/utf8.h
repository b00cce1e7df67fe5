#pragma once
// UTF-8 checks for text that must reach a database verbatim (DuckDB rejects invalid UTF-8).
#include <cstddef>
#include <string>
#include <string_view>

namespace sluice {

bool IsValidUtf8(std::string_view s);
// Length of the valid UTF-8 sequence starting at s[0] (1-4), or 0 if it is not one.
size_t Utf8SequenceLength(std::string_view s);
// `s` with every byte that is not part of a valid UTF-8 sequence written as "\xNN", so
// diagnostics (rejected raw text, names) can be stored and still show what was there.
std::string EscapeInvalidUtf8(std::string_view s);

}  // namespace sluice
