#include "core/types.h"

#include <algorithm>

namespace sluice {

std::string SqlTypeName(DataType type) {
  switch (type.id) {
    case TypeId::kNull:
    case TypeId::kText:
      return "VARCHAR";
    case TypeId::kBoolean:
      return "BOOLEAN";
    case TypeId::kInt64:
      return "BIGINT";
    case TypeId::kDecimal:
      return "DECIMAL(18," + std::to_string(type.scale) + ")";
    case TypeId::kDouble:
      return "DOUBLE";
    case TypeId::kDate:
      return "DATE";
    case TypeId::kTimestamp:
      return "TIMESTAMP";
    case TypeId::kTimestampTz:
      return "TIMESTAMPTZ";
    case TypeId::kJson:
      return "JSON";
    case TypeId::kBinary:
      return "BLOB";
    case TypeId::kUuid:
      return "UUID";
  }
  return "VARCHAR";
}

std::string TypeName(DataType type) {
  switch (type.id) {
    case TypeId::kNull:
      return "null";
    case TypeId::kBoolean:
      return "boolean";
    case TypeId::kInt64:
      return "int64";
    case TypeId::kDecimal:
      return "decimal(18," + std::to_string(type.scale) + ")";
    case TypeId::kDouble:
      return "double";
    case TypeId::kDate:
      return "date";
    case TypeId::kTimestamp:
      return "timestamp";
    case TypeId::kTimestampTz:
      return "timestamptz";
    case TypeId::kText:
      return "text";
    case TypeId::kJson:
      return "json";
    case TypeId::kBinary:
      return "binary";
    case TypeId::kUuid:
      return "uuid";
  }
  return "text";
}

namespace {
bool IsNumeric(TypeId id) {
  return id == TypeId::kInt64 || id == TypeId::kDecimal || id == TypeId::kDouble;
}
bool IsTemporal(TypeId id) {
  return id == TypeId::kDate || id == TypeId::kTimestamp;
}
}  // namespace

InferredType Join(InferredType a, InferredType b) {
  const TypeId x = a.type.id, y = b.type.id;
  if (x == TypeId::kNull) return b;
  if (y == TypeId::kNull) return a;
  if (a.type == b.type) {
    return {a.type, std::max(a.int_digits, b.int_digits)};
  }
  if (x == TypeId::kJson || y == TypeId::kJson) return {DataType::Of(TypeId::kJson)};
  if (IsNumeric(x) && IsNumeric(y)) {
    if (x == TypeId::kDouble || y == TypeId::kDouble) return {DataType::Of(TypeId::kDouble)};
    // int64 with decimal, or two decimals of different scale: exact if the digits still fit.
    const uint8_t digits = std::max(a.int_digits, b.int_digits);
    const uint8_t scale = std::max(a.type.scale, b.type.scale);
    if (digits + scale <= kMaxDecimalDigits) return {DataType::Decimal(scale), digits};
    return {DataType::Of(TypeId::kDouble)};
  }
  if (IsTemporal(x) && IsTemporal(y)) return {DataType::Of(TypeId::kTimestamp)};
  if (x == TypeId::kBinary || y == TypeId::kBinary) return {DataType::Of(TypeId::kBinary)};
  return {DataType::Of(TypeId::kText)};
}

bool WidensTo(DataType from, DataType to) {
  if (from == to || from.id == TypeId::kNull) return true;
  switch (to.id) {
    case TypeId::kText:
    case TypeId::kJson:
      return from.id != TypeId::kBinary;
    case TypeId::kDouble:
      return IsNumeric(from.id);
    case TypeId::kDecimal:
      return from.id == TypeId::kInt64 || (from.id == TypeId::kDecimal && from.scale <= to.scale);
    case TypeId::kTimestamp:
      return from.id == TypeId::kDate;
    case TypeId::kBinary:
      return from.id == TypeId::kText;
    default:
      return false;
  }
}

}  // namespace sluice
