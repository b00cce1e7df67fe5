#pragma once
// Where a JSON text first goes wrong. simdjson's DOM parser says what is wrong but not where;
// an API page that fails to parse is reported with the byte offset, line and column this finds
// (only on that failure path, so its speed does not matter).
#include <cstddef>
#include <string>
#include <string_view>

namespace sluice {

struct JsonSyntaxError {
  size_t offset = 0;  // bytes from the start
  size_t line = 1, column = 1;
  std::string what;
};

// False with *error filled if `text` is not exactly one well-formed JSON value.
bool CheckJsonSyntax(std::string_view text, JsonSyntaxError* error);

}  // namespace sluice
