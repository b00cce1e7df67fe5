#include "formats/xlsx/number_format.h"

#include <cctype>

namespace sluice {

NumberFormatKind BuiltinNumberFormatKind(uint32_t id) {
  if ((id >= 14 && id <= 17) || (id >= 27 && id <= 36) || (id >= 50 && id <= 58)) {
    return NumberFormatKind::kDate;
  }
  if ((id >= 18 && id <= 21) || id == 45 || id == 47) return NumberFormatKind::kTime;
  if (id == 22) return NumberFormatKind::kDateTime;
  if (id == 46) return NumberFormatKind::kElapsed;
  return NumberFormatKind::kNumber;
}

NumberFormatKind ClassifyNumberFormat(std::string_view code) {
  bool date = false, time = false, elapsed = false;
  char last_token = 0;  // the previous date/time letter, for telling minutes from months
  for (size_t i = 0; i < code.size(); i++) {
    const char c = code[i];
    if (c == ';') break;  // later sections are for negatives, zero and text
    if (c == '"') {
      const size_t close = code.find('"', i + 1);
      if (close == std::string_view::npos) break;
      i = close;
      continue;
    }
    if (c == '\\' || c == '_' || c == '*') {
      i++;  // the next character is a literal, a space width or a fill
      continue;
    }
    if (c == '[') {
      const size_t close = code.find(']', i + 1);
      if (close == std::string_view::npos) break;
      const std::string_view inner = code.substr(i + 1, close - i - 1);
      if (!inner.empty()) {
        const char k = char(std::tolower(static_cast<unsigned char>(inner[0])));
        bool all_same = true;
        for (char x : inner) {
          all_same &= char(std::tolower(static_cast<unsigned char>(x))) == k;
        }
        if (all_same && (k == 'h' || k == 'm' || k == 's')) elapsed = true;
      }
      i = close;
      continue;
    }
    switch (std::tolower(static_cast<unsigned char>(c))) {
      case 'y':
      case 'd':
        date = true;
        last_token = 'd';
        break;
      case 'h':
      case 's':
        time = true;
        last_token = char(std::tolower(static_cast<unsigned char>(c)));
        break;
      case 'm': {
        // Minutes right after hours or right before seconds ("h:mm", "mm:ss"); else a month.
        size_t j = i;
        while (j < code.size() && (code[j] == 'm' || code[j] == 'M')) j++;
        size_t k = j;
        while (k < code.size() && !std::isalpha(static_cast<unsigned char>(code[k])) &&
               code[k] != ';' && code[k] != '"' && code[k] != '[') {
          k++;
        }
        const bool seconds_next = k < code.size() && (code[k] == 's' || code[k] == 'S');
        if (last_token == 'h' || seconds_next) {
          time = true;
        } else {
          date = true;
        }
        last_token = 'm';
        i = j - 1;
        break;
      }
      case 'a':
        if (code.substr(i, 5) == "AM/PM" || code.substr(i, 5) == "am/pm") {
          time = true;
          i += 4;  // its M is not a month
        } else if (code.substr(i, 3) == "A/P" || code.substr(i, 3) == "a/p") {
          time = true;
          i += 2;
        }
        break;
      case 'g':
        // "General" is a number; the Japanese era tokens g/gg/ggg are dates.
        if (code.substr(i, 7) == "General" || code.substr(i, 7) == "general") {
          i += 6;
        } else {
          date = true;
        }
        break;
      default:
        break;
    }
  }
  if (elapsed) return NumberFormatKind::kElapsed;
  if (date && time) return NumberFormatKind::kDateTime;
  if (date) return NumberFormatKind::kDate;
  if (time) return NumberFormatKind::kTime;
  return NumberFormatKind::kNumber;
}

}  // namespace sluice
