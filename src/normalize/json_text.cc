#include "normalize/json_text.h"

namespace sluice {
namespace {
inline bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}
}  // namespace

void AppendCompactJson(std::string_view json, std::string* out) {
  bool in_string = false;
  bool escape = false;
  size_t run = 0;  // start of the pending run of bytes to copy
  for (size_t i = 0; i < json.size(); i++) {
    const char c = json[i];
    if (in_string) {
      if (escape) {
        escape = false;
      } else if (c == '\\') {
        escape = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
      out->append(json.data() + run, i - run);
      run = i + 1;
    }
  }
  out->append(json.data() + run, json.size() - run);
}

bool IsJsonNumber(std::string_view t) {
  size_t i = 0;
  const size_t n = t.size();
  if (i < n && t[i] == '-') i++;
  if (i >= n) return false;
  if (t[i] == '0') {
    i++;
  } else if (IsDigit(t[i])) {
    while (i < n && IsDigit(t[i])) i++;
  } else {
    return false;
  }
  if (i < n && t[i] == '.') {
    i++;
    if (i >= n || !IsDigit(t[i])) return false;
    while (i < n && IsDigit(t[i])) i++;
  }
  if (i < n && (t[i] == 'e' || t[i] == 'E')) {
    i++;
    if (i < n && (t[i] == '+' || t[i] == '-')) i++;
    if (i >= n || !IsDigit(t[i])) return false;
    while (i < n && IsDigit(t[i])) i++;
  }
  return i == n;
}

}  // namespace sluice
