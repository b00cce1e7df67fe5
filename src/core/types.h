#pragma once
// The logical types sluice infers and loads, and the lattice that widens them safely.
#include <cstdint>
#include <string>

namespace sluice {

enum class TypeId : uint8_t {
  kNull,  // no non-null value seen yet; loads as text if it stays that way
  kBoolean,
  kInt64,
  kDecimal,  // exact fixed-point: DECIMAL(18, scale), stored unscaled in int64
  kDouble,
  kDate,         // days since 1970-01-01
  kTimestamp,    // microseconds since 1970-01-01, no time zone
  kTimestampTz,  // microseconds since 1970-01-01 UTC
  kText,
  kJson,
  kBinary,
  kUuid,  // 16 bytes, big-endian (sluice's own row ids)
};

constexpr int kMaxDecimalDigits = 18;

struct DataType {
  TypeId id = TypeId::kNull;
  uint8_t scale = 0;  // kDecimal only: digits after the point

  static DataType Of(TypeId id) { return DataType{id, 0}; }
  static DataType Decimal(uint8_t scale) { return DataType{TypeId::kDecimal, scale}; }
  bool operator==(const DataType& o) const { return id == o.id && scale == o.scale; }
  bool operator!=(const DataType& o) const { return !(*this == o); }
};

// "DECIMAL(18,2)", "BIGINT", ... as DuckDB spells them.
std::string SqlTypeName(DataType type);
// "decimal(18,2)", "int64", ... for reports and `sluice schema`.
std::string TypeName(DataType type);

// The narrowest type that holds every value of both types without loss, following the rules in
// docs/architecture.md ("Type inference"). Integer digits are needed to decide whether a decimal
// still fits 18 digits, so the caller passes the widest integer part seen on each side.
struct InferredType {
  DataType type;
  uint8_t int_digits = 0;  // kInt64 / kDecimal: most digits seen before the point
};
InferredType Join(InferredType a, InferredType b);

// True if values of `from` can be converted to `to` without loss (used to decide when a loaded
// column must be altered and when a batch column must be cast up).
bool WidensTo(DataType from, DataType to);

}  // namespace sluice
