#include "core/value_parse.h"

#include <fast_float/fast_float.h>

#include <charconv>
#include <cmath>
#include <cstring>

namespace sluice {
namespace {

inline bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}
inline char Lower(char c) {
  return (c >= 'A' && c <= 'Z') ? char(c + 32) : c;
}

bool EqualsIgnoreCase(std::string_view s, std::string_view lower) {
  if (s.size() != lower.size()) return false;
  for (size_t i = 0; i < s.size(); i++) {
    if (Lower(s[i]) != lower[i]) return false;
  }
  return true;
}

// Parses exactly `n` digits at s[pos..].
bool Digits(std::string_view s, size_t pos, size_t n, unsigned* out) {
  if (pos + n > s.size()) return false;
  unsigned v = 0;
  for (size_t i = 0; i < n; i++) {
    char c = s[pos + i];
    if (!IsDigit(c)) return false;
    v = v * 10 + unsigned(c - '0');
  }
  *out = v;
  return true;
}

bool IsLeap(unsigned y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}
unsigned DaysInMonth(unsigned y, unsigned m) {
  static const unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

bool ParseDateAt(std::string_view s, int32_t* days) {
  unsigned y, m, d;
  if (s.size() < 10 || !Digits(s, 0, 4, &y) || s[4] != '-' || !Digits(s, 5, 2, &m) || s[7] != '-' ||
      !Digits(s, 8, 2, &d)) {
    return false;
  }
  if (m < 1 || m > 12 || d < 1 || d > DaysInMonth(y, m)) return false;
  *days = DaysFromCivil(y, m, d);
  return true;
}

}  // namespace

int32_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  // Howard Hinnant's days_from_civil.
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<int32_t>(era * 146097 + static_cast<int64_t>(doe) - 719468);
}

bool ParseBoolean(std::string_view s, bool* out) {
  switch (s.size()) {
    case 1: {
      char c = Lower(s[0]);
      if (c == 't') return *out = true, true;
      if (c == 'f') return *out = false, true;
      return false;
    }
    case 2:
      return EqualsIgnoreCase(s, "no") ? (*out = false, true) : false;
    case 3:
      return EqualsIgnoreCase(s, "yes") ? (*out = true, true) : false;
    case 4:
      return EqualsIgnoreCase(s, "true") ? (*out = true, true) : false;
    case 5:
      return EqualsIgnoreCase(s, "false") ? (*out = false, true) : false;
    default:
      return false;
  }
}

bool ParseInt64(std::string_view s, int64_t* out) {
  const bool negative = !s.empty() && s[0] == '-';
  const std::string_view d = s.substr(negative ? 1 : 0);
  if (d.empty() || d.size() > 19 || (d[0] == '0' && d.size() > 1)) return false;
  uint64_t v = 0;  // 19 digits always fit uint64
  for (char c : d) {
    if (!IsDigit(c)) return false;
    v = v * 10 + uint64_t(c - '0');
  }
  const uint64_t limit = negative ? uint64_t(INT64_MAX) + 1 : uint64_t(INT64_MAX);
  if (v > limit) return false;
  *out = negative ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
  return true;
}

bool ParseDecimal(std::string_view s, uint8_t scale, int64_t* out) {
  size_t i = 0;
  bool negative = false;
  if (!s.empty() && s[0] == '-') negative = true, i = 1;
  const size_t start = i;
  int64_t v = 0;
  int total_digits = 0;
  // Digits are counted before they are added: 19 digits could overflow int64.
  while (i < s.size() && IsDigit(s[i])) {
    if (++total_digits > kMaxDecimalDigits) return false;
    v = v * 10 + (s[i] - '0');
    i++;
  }
  const size_t int_digits = i - start;
  if (int_digits == 0) return false;
  if (int_digits > 1 && s[start] == '0') return false;
  int frac = 0;
  if (i < s.size()) {
    if (s[i] != '.') return false;
    i++;
    if (i == s.size()) return false;
    for (; i < s.size(); i++) {
      if (!IsDigit(s[i])) return false;
      if (++frac > scale) return false;
      if (++total_digits > kMaxDecimalDigits) return false;
      v = v * 10 + (s[i] - '0');
    }
  }
  for (; frac < scale; frac++) {
    if (++total_digits > kMaxDecimalDigits) return false;
    v *= 10;
  }
  *out = negative ? -v : v;
  return true;
}

bool ParseDouble(std::string_view s, double* out) {
  if (s.empty()) return false;
  const char* first = s.data();
  const char* last = s.data() + s.size();
  if (*first == '+') return false;
  // fast_float accepts inf/nan spellings; sluice treats those as text.
  const char c0 = Lower(*first == '-' && s.size() > 1 ? first[1] : *first);
  if (c0 == 'i' || c0 == 'n') return false;
  auto result = fast_float::from_chars(first, last, *out);
  // 1e400 overflows to infinity: not the number written, so it stays text.
  return result.ec == std::errc() && result.ptr == last && std::isfinite(*out);
}

bool ParseDate(std::string_view s, int32_t* days) {
  return s.size() == 10 && ParseDateAt(s, days);
}

bool ParseTimestamp(std::string_view s, int64_t* micros, bool* has_zone) {
  int32_t days;
  if (s.size() < 16 || !ParseDateAt(s, &days) || (s[10] != 'T' && s[10] != ' ')) return false;
  unsigned hh, mm, ss = 0;
  if (!Digits(s, 11, 2, &hh) || s[13] != ':' || !Digits(s, 14, 2, &mm)) return false;
  size_t i = 16;
  int64_t frac_micros = 0;
  if (i < s.size() && s[i] == ':') {
    if (!Digits(s, 17, 2, &ss)) return false;
    i = 19;
    if (i < s.size() && (s[i] == '.' || s[i] == ',')) {
      i++;
      int n = 0;
      int64_t scale = 100000;
      while (i < s.size() && IsDigit(s[i])) {
        if (n < 6) frac_micros += (s[i] - '0') * scale, scale /= 10;
        n++, i++;
      }
      if (n == 0 || n > 9) return false;
    }
  }
  if (hh > 23 || mm > 59 || ss > 60) return false;  // 60: leap second, folded below
  if (ss == 60) ss = 59, frac_micros = 999999;
  int64_t offset_seconds = 0;
  *has_zone = false;
  if (i < s.size()) {
    if (s[i] == 'Z' || s[i] == 'z') {
      *has_zone = true;
      i++;
    } else if (s[i] == '+' || s[i] == '-') {
      const int sign = s[i] == '-' ? -1 : 1;
      unsigned oh, om = 0;
      if (!Digits(s, i + 1, 2, &oh)) return false;
      i += 3;
      if (i < s.size() && s[i] == ':') i++;
      if (i < s.size()) {
        if (!Digits(s, i, 2, &om)) return false;
        i += 2;
      }
      if (oh > 23 || om > 59) return false;
      offset_seconds = sign * int64_t(oh * 3600 + om * 60);
      *has_zone = true;
    }
    if (i != s.size()) return false;
  }
  const int64_t seconds = int64_t(days) * 86400 + hh * 3600 + mm * 60 + ss - offset_seconds;
  *micros = seconds * 1000000 + frac_micros;
  return true;
}

InferredType ClassifyText(std::string_view s) {
  if (s.empty()) return {DataType::Of(TypeId::kText)};
  const char c = s[0];
  if (IsDigit(c) || c == '-' || c == '.') {
    int64_t i64;
    if (ParseInt64(s, &i64)) {
      const uint8_t digits = uint8_t(s.size() - (c == '-'));
      return {DataType::Of(TypeId::kInt64), digits};
    }
    if (s.size() >= 10 && IsDigit(c) && s[4] == '-') {
      int32_t days;
      if (ParseDate(s, &days)) return {DataType::Of(TypeId::kDate)};
      int64_t micros;
      bool zone;
      if (ParseTimestamp(s, &micros, &zone)) {
        return {DataType::Of(zone ? TypeId::kTimestampTz : TypeId::kTimestamp)};
      }
      return {DataType::Of(TypeId::kText)};
    }
    const size_t dot = s.find('.');
    if (dot != std::string_view::npos) {
      const size_t scale = s.size() - dot - 1;
      const size_t int_digits = dot - (c == '-');
      int64_t unscaled;
      if (scale <= kMaxDecimalDigits && ParseDecimal(s, uint8_t(scale), &unscaled)) {
        return {DataType::Decimal(uint8_t(scale)), uint8_t(int_digits)};
      }
    }
    double d;
    // Leading zeros ("007.5") stay text, like integers.
    const size_t lead = (c == '-');
    if (s.size() > lead + 1 && s[lead] == '0' && IsDigit(s[lead + 1])) {
      return {DataType::Of(TypeId::kText)};
    }
    if (ParseDouble(s, &d)) return {DataType::Of(TypeId::kDouble)};
    return {DataType::Of(TypeId::kText)};
  }
  bool b;
  if (ParseBoolean(s, &b)) return {DataType::Of(TypeId::kBoolean)};
  return {DataType::Of(TypeId::kText)};
}

size_t FormatDate(int32_t days, char* out) {
  // Howard Hinnant's civil_from_days.
  int64_t z = int64_t(days) + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
  return size_t(std::snprintf(out, 16, "%04lld-%02u-%02u", static_cast<long long>(y), m, d));
}

size_t FormatTimestamp(int64_t micros, bool utc, char* out) {
  int64_t days = micros / 86400000000LL;
  int64_t rem = micros % 86400000000LL;
  if (rem < 0) rem += 86400000000LL, days--;
  size_t n = FormatDate(int32_t(days), out);
  const int64_t secs = rem / 1000000, frac = rem % 1000000;
  n += size_t(
      std::snprintf(out + n, 24, " %02lld:%02lld:%02lld", static_cast<long long>(secs / 3600),
                    static_cast<long long>(secs / 60 % 60), static_cast<long long>(secs % 60)));
  if (frac) n += size_t(std::snprintf(out + n, 8, ".%06lld", static_cast<long long>(frac)));
  if (utc) n += size_t(std::snprintf(out + n, 4, "+00"));
  return n;
}

size_t FormatDecimal(int64_t unscaled, uint8_t scale, char* out) {
  char digits[24];
  const bool negative = unscaled < 0;
  uint64_t v = negative ? uint64_t(0) - uint64_t(unscaled) : uint64_t(unscaled);
  auto r = std::to_chars(digits, digits + sizeof(digits), v);
  size_t len = size_t(r.ptr - digits);
  size_t n = 0;
  if (negative) out[n++] = '-';
  if (scale == 0) {
    std::memcpy(out + n, digits, len);
    return n + len;
  }
  if (len <= scale) {
    out[n++] = '0';
    out[n++] = '.';
    for (size_t i = len; i < scale; i++) out[n++] = '0';
    std::memcpy(out + n, digits, len);
    return n + len;
  }
  std::memcpy(out + n, digits, len - scale);
  n += len - scale;
  out[n++] = '.';
  std::memcpy(out + n, digits + len - scale, scale);
  return n + scale;
}

}  // namespace sluice
