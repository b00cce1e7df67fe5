#include "schema/value_coercion.h"

#include <charconv>
#include <cmath>
#include <string>

#include "core/json_string.h"
#include "core/value_parse.h"

namespace sluice {
namespace {

constexpr int64_t kPow10[] = {1,
                              10,
                              100,
                              1000,
                              10000,
                              100000,
                              1000000,
                              10000000,
                              100000000,
                              1000000000,
                              10000000000,
                              100000000000,
                              1000000000000,
                              10000000000000,
                              100000000000000,
                              1000000000000000,
                              10000000000000000,
                              100000000000000000,
                              1000000000000000000};
constexpr int64_t kMaxDecimalUnscaled = 999999999999999999;  // 18 nines
constexpr int64_t kMaxExactDoubleInt = int64_t{1} << 53;
constexpr int kMaxExactDoubleDigits = 15;

uint64_t Abs(int64_t v) {
  return v < 0 ? uint64_t(0) - uint64_t(v) : uint64_t(v);
}

// Significant digits of a numeric literal's mantissa (leading zeros excluded); -1 if the text
// has an exponent (then it is float notation by the writer's choice).
int SignificantDigits(std::string_view s) {
  int digits = 0;
  bool leading = true;
  for (char c : s) {
    if (c == 'e' || c == 'E') return -1;
    if (c < '0' || c > '9') continue;
    if (leading && c == '0') continue;
    leading = false;
    digits++;
  }
  return digits;
}

bool ParseUuid(std::string_view s, char out[16]) {
  if (s.size() != 36) return false;
  size_t n = 0;
  for (size_t i = 0; i < s.size(); i++) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return false;
      continue;
    }
    auto hex = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    const int hi = hex(s[i]), lo = hex(s[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[n++] = char(hi * 16 + lo);
    i++;
  }
  return n == 16;
}

// Rescales an unscaled decimal from scale `from` to `to` without loss.
bool Rescale(int64_t v, uint8_t from, uint8_t to, int64_t* out) {
  if (to >= from) {
    const int64_t f = kPow10[to - from];
    if (Abs(v) > uint64_t(kMaxDecimalUnscaled / f)) return false;
    *out = v * f;
    return true;
  }
  const int64_t f = kPow10[from - to];
  if (v % f != 0) return false;
  *out = v / f;
  return true;
}

bool ToInt64(const Column& from, size_t row, int64_t* out) {
  switch (from.type().id) {
    case TypeId::kText:
      return ParseInt64(from.GetString(row), out);
    case TypeId::kDecimal:
      return Rescale(from.GetInt64(row), from.type().scale, 0, out);
    case TypeId::kDouble: {
      const double d = from.GetDouble(row);
      if (!(d >= -9.2e18 && d <= 9.2e18) || d != std::trunc(d)) return false;
      *out = int64_t(d);
      return true;
    }
    default:
      return false;
  }
}

bool ToDecimal(const Column& from, size_t row, uint8_t scale, int64_t* out) {
  switch (from.type().id) {
    case TypeId::kInt64:
      return Rescale(from.GetInt64(row), 0, scale, out);
    case TypeId::kDecimal:
      return Rescale(from.GetInt64(row), from.type().scale, scale, out);
    case TypeId::kText:
      return ParseDecimal(from.GetString(row), scale, out);
    case TypeId::kDouble: {
      // The shortest text that reads back as the same double: "0.1" for 0.1.
      char buf[64];
      const auto r = std::to_chars(buf, buf + sizeof buf, from.GetDouble(row));
      return ParseDecimal(std::string_view(buf, size_t(r.ptr - buf)), scale, out);
    }
    default:
      return false;
  }
}

bool ToDouble(const Column& from, size_t row, double* out) {
  switch (from.type().id) {
    case TypeId::kInt64: {
      const int64_t v = from.GetInt64(row);
      if (v > kMaxExactDoubleInt || v < -kMaxExactDoubleInt) return false;
      *out = double(v);
      return true;
    }
    case TypeId::kDecimal: {
      char buf[32];
      const size_t n = FormatDecimal(from.GetInt64(row), from.type().scale, buf);
      const std::string_view text(buf, n);
      if (SignificantDigits(text) > kMaxExactDoubleDigits) return false;
      return ParseDouble(text, out);
    }
    case TypeId::kText: {
      const std::string_view text = from.GetString(row);
      if (SignificantDigits(text) > kMaxExactDoubleDigits) return false;
      return ParseDouble(text, out);
    }
    default:
      return false;
  }
}

}  // namespace

bool AlwaysCoerces(DataType from, DataType to) {
  if (from == to || from.id == TypeId::kNull) return true;
  if (to.id == TypeId::kText || to.id == TypeId::kJson) return from.id != TypeId::kBinary;
  return to.id == TypeId::kTimestamp && from.id == TypeId::kDate;
}

bool CoerceValue(const Column& from, size_t row, Column* to) {
  if (!from.IsValid(row)) {
    to->AppendNull();
    return true;
  }
  const DataType target = to->type();
  if (from.type() == target) {
    to->AppendFrom(from, row);
    return true;
  }
  const TypeId source = from.type().id;
  switch (target.id) {
    case TypeId::kText: {
      if (source == TypeId::kBinary) return false;
      std::string text;
      from.AppendValueAsText(row, &text);
      to->AppendString(text);
      return true;
    }
    case TypeId::kJson: {
      std::string text;
      switch (source) {
        case TypeId::kBinary:
          return false;
        case TypeId::kBoolean:
        case TypeId::kInt64:
        case TypeId::kDecimal:
        case TypeId::kDouble:
          from.AppendValueAsText(row, &text);
          break;
        default: {
          std::string plain;
          from.AppendValueAsText(row, &plain);
          AppendJsonString(plain, &text);
        }
      }
      to->AppendString(text);
      return true;
    }
    case TypeId::kInt64: {
      int64_t v;
      if (!ToInt64(from, row, &v)) return false;
      to->AppendInt64(v);
      return true;
    }
    case TypeId::kDecimal: {
      int64_t v;
      if (!ToDecimal(from, row, target.scale, &v)) return false;
      to->AppendDecimal(v);
      return true;
    }
    case TypeId::kDouble: {
      double v;
      if (!ToDouble(from, row, &v)) return false;
      to->AppendDouble(v);
      return true;
    }
    case TypeId::kBoolean: {
      bool v;
      if (source != TypeId::kText || !ParseBoolean(from.GetString(row), &v)) return false;
      to->AppendBoolean(v);
      return true;
    }
    case TypeId::kDate: {
      int32_t v;
      if (source != TypeId::kText || !ParseDate(from.GetString(row), &v)) return false;
      to->AppendDate(v);
      return true;
    }
    case TypeId::kTimestamp:
    case TypeId::kTimestampTz: {
      const bool zoned = target.id == TypeId::kTimestampTz;
      if (source == TypeId::kDate && !zoned) {
        to->AppendTimestamp(int64_t(from.GetDate(row)) * 86400000000LL);
        return true;
      }
      if (source != TypeId::kText) return false;
      int64_t micros;
      bool has_zone = false;
      if (!ParseTimestamp(from.GetString(row), &micros, &has_zone)) {
        int32_t days;
        if (zoned || !ParseDate(from.GetString(row), &days)) return false;
        micros = int64_t(days) * 86400000000LL;
      } else if (has_zone != zoned) {
        return false;
      }
      to->AppendTimestamp(micros);
      return true;
    }
    case TypeId::kUuid: {
      char bytes[16];
      if (source != TypeId::kText || !ParseUuid(from.GetString(row), bytes)) return false;
      to->AppendString(std::string_view(bytes, 16));
      return true;
    }
    default:
      return false;
  }
}

}  // namespace sluice
