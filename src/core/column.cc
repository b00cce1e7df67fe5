#include "core/column.h"

#include <cassert>
#include <charconv>
#include <cmath>

#include "core/json_string.h"
#include "core/value_parse.h"

namespace sluice {

size_t Column::NullCount() const {
  size_t n = 0;
  for (uint8_t v : valid_) n += v == 0;
  return n;
}

uint8_t Column::IntegerDigits() const {
  if (type_.id != TypeId::kInt64 && type_.id != TypeId::kDecimal) return 0;
  uint64_t max_abs = 0;
  for (size_t i = 0; i < size(); i++) {
    if (!valid_[i]) continue;
    const int64_t v = GetInt64(i);
    const uint64_t a = v < 0 ? uint64_t(0) - uint64_t(v) : uint64_t(v);
    if (a > max_abs) max_abs = a;
  }
  for (uint8_t s = 0; s < type_.scale; s++) max_abs /= 10;
  uint8_t digits = 1;
  while (max_abs >= 10) max_abs /= 10, digits++;
  return digits;
}

void Column::AppendValueAsText(size_t row, std::string* out) const {
  char buf[64];
  size_t n = 0;
  switch (type_.id) {
    case TypeId::kBoolean:
      out->append(GetBoolean(row) ? "true" : "false");
      return;
    case TypeId::kInt64:
      n = size_t(std::to_chars(buf, buf + 64, GetInt64(row)).ptr - buf);
      break;
    case TypeId::kDecimal:
      n = FormatDecimal(GetInt64(row), type_.scale, buf);
      break;
    case TypeId::kDouble:
      n = size_t(std::to_chars(buf, buf + 64, GetDouble(row)).ptr - buf);
      break;
    case TypeId::kDate:
      n = FormatDate(GetDate(row), buf);
      break;
    case TypeId::kTimestamp:
      n = FormatTimestamp(GetInt64(row), false, buf);
      break;
    case TypeId::kTimestampTz:
      n = FormatTimestamp(GetInt64(row), true, buf);
      break;
    case TypeId::kUuid: {
      static const char kHex[] = "0123456789abcdef";
      const std::string_view b = GetString(row);
      for (size_t k = 0; k < b.size(); k++) {
        if (k == 4 || k == 6 || k == 8 || k == 10) buf[n++] = '-';
        buf[n++] = kHex[static_cast<unsigned char>(b[k]) >> 4];
        buf[n++] = kHex[static_cast<unsigned char>(b[k]) & 15];
      }
      break;
    }
    default:
      out->append(GetString(row));
      return;
  }
  out->append(buf, n);
}

Column Column::CastTo(DataType to) const {
  assert(WidensTo(type_, to));
  Column result(to);
  result.Reserve(size());
  std::string text;
  for (size_t i = 0; i < size(); i++) {
    if (!valid_[i]) {
      result.AppendNull();
      continue;
    }
    switch (to.id) {
      case TypeId::kText:
      case TypeId::kJson:
      case TypeId::kBinary:
        text.clear();
        AppendValueAsText(i, &text);
        // A value cast to json must itself be json: strings are quoted.
        if (to.id == TypeId::kJson && type_.id == TypeId::kText) {
          std::string quoted;
          AppendJsonString(text, &quoted);
          result.AppendString(quoted);
        } else if (to.id == TypeId::kJson &&
                   (type_.id == TypeId::kDate || type_.id == TypeId::kTimestamp ||
                    type_.id == TypeId::kTimestampTz)) {
          result.AppendString("\"" + text + "\"");
        } else {
          result.AppendString(text);
        }
        break;
      case TypeId::kDouble:
        if (type_.id == TypeId::kInt64) {
          result.AppendDouble(double(GetInt64(i)));
        } else if (type_.id == TypeId::kDecimal) {
          result.AppendDouble(double(GetInt64(i)) / std::pow(10.0, type_.scale));
        } else {
          result.AppendDouble(GetDouble(i));
        }
        break;
      case TypeId::kDecimal: {
        int64_t v = GetInt64(i);
        const uint8_t from_scale = type_.id == TypeId::kDecimal ? type_.scale : 0;
        for (uint8_t s = from_scale; s < to.scale; s++) v *= 10;
        result.AppendDecimal(v);
        break;
      }
      case TypeId::kTimestamp:  // from date
        result.AppendTimestamp(int64_t(GetDate(i)) * 86400000000LL);
        break;
      default:
        result.AppendSlot(slots_[i]);
        break;
    }
  }
  return result;
}

}  // namespace sluice
