#include "formats/parquet/vector_conversion.h"

#include <charconv>
#include <cstring>
#include <limits>
#include <string_view>

namespace sluice {
namespace {

inline bool RowValid(const uint64_t* validity, const uint8_t* parent_valid, idx_t row) {
  if (parent_valid && !parent_valid[row]) return false;
  return validity == nullptr || ((validity[row >> 6] >> (row & 63)) & 1) != 0;
}

inline std::string_view StringAt(const duckdb_string_t* strings, idx_t row) {
  const duckdb_string_t& s = strings[row];
  const uint32_t n = s.value.inlined.length;
  return n <= 12 ? std::string_view(s.value.inlined.inlined, n)
                 : std::string_view(s.value.pointer.ptr, n);
}

template <typename T, typename F>
void AppendEach(duckdb_vector vector, idx_t count, const uint8_t* parent_valid, Column* col,
                F append) {
  const T* data = static_cast<const T*>(duckdb_vector_get_data(vector));
  const uint64_t* validity = duckdb_vector_get_validity(vector);
  for (idx_t row = 0; row < count; row++) {
    if (RowValid(validity, parent_valid, row)) {
      append(data[row]);
    } else {
      col->AppendNull();
    }
  }
}

// Seconds/milliseconds to microseconds; values beyond the int64 range saturate to DuckDB's
// +/-infinity timestamps.
int64_t ScaleToMicros(int64_t v, int64_t factor) {
  int64_t out;
  if (__builtin_mul_overflow(v, factor, &out)) {
    return v < 0 ? -std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::max();
  }
  return out;
}

int64_t FloorDiv(int64_t v, int64_t d) {
  int64_t q = v / d;
  if ((v % d != 0) && ((v < 0) != (d < 0))) q--;
  return q;
}

// A float widened to the double with the same shortest decimal form (0.1f loads as 0.1, not
// 0.100000001490116).
double FloatToDouble(float f) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, f);
  double d = f;
  std::from_chars(buf, r.ptr, d);
  return d;
}

void AppendUuid(const duckdb_hugeint& v, Column* col) {
  // DuckDB stores a UUID as a hugeint with the top bit flipped (for ordering).
  const uint64_t hi = static_cast<uint64_t>(v.upper) ^ (uint64_t{1} << 63);
  const uint64_t lo = v.lower;
  char bytes[16];
  for (int i = 0; i < 8; i++) {
    bytes[i] = static_cast<char>(hi >> (56 - 8 * i));
    bytes[8 + i] = static_cast<char>(lo >> (56 - 8 * i));
  }
  col->AppendString(std::string_view(bytes, 16));
}

}  // namespace

bool AppendVector(const VectorReader& reader, duckdb_vector vector, idx_t count,
                  const uint8_t* parent_valid, const std::vector<bool>& uint64_as_text,
                  std::vector<Column>* out, int* overflowed_output) {
  if (reader.kind == VectorKind::kStruct) {
    const uint64_t* validity = duckdb_vector_get_validity(vector);
    std::vector<uint8_t> valid;
    if (validity || parent_valid) {
      valid.resize(count);
      for (idx_t row = 0; row < count; row++) valid[row] = RowValid(validity, parent_valid, row);
    }
    for (size_t i = 0; i < reader.fields.size(); i++) {
      if (!AppendVector(reader.fields[i], duckdb_struct_vector_get_child(vector, i), count,
                        valid.empty() ? nullptr : valid.data(), uint64_as_text, out,
                        overflowed_output)) {
        return false;
      }
    }
    return true;
  }
  Column* col = &(*out)[reader.output];
  switch (reader.kind) {
    case VectorKind::kBoolean:
      AppendEach<bool>(vector, count, parent_valid, col, [&](bool v) { col->AppendBoolean(v); });
      break;
    case VectorKind::kInt8:
      AppendEach<int8_t>(vector, count, parent_valid, col, [&](int8_t v) { col->AppendInt64(v); });
      break;
    case VectorKind::kInt16:
      AppendEach<int16_t>(vector, count, parent_valid, col,
                          [&](int16_t v) { col->AppendInt64(v); });
      break;
    case VectorKind::kInt32:
      AppendEach<int32_t>(vector, count, parent_valid, col,
                          [&](int32_t v) { col->AppendInt64(v); });
      break;
    case VectorKind::kInt64:
      AppendEach<int64_t>(vector, count, parent_valid, col,
                          [&](int64_t v) { col->AppendInt64(v); });
      break;
    case VectorKind::kUInt8:
      AppendEach<uint8_t>(vector, count, parent_valid, col,
                          [&](uint8_t v) { col->AppendInt64(v); });
      break;
    case VectorKind::kUInt16:
      AppendEach<uint16_t>(vector, count, parent_valid, col,
                           [&](uint16_t v) { col->AppendInt64(v); });
      break;
    case VectorKind::kUInt32:
      AppendEach<uint32_t>(vector, count, parent_valid, col,
                           [&](uint32_t v) { col->AppendInt64(v); });
      break;
    case VectorKind::kUInt64: {
      if (uint64_as_text[reader.output]) {
        AppendEach<uint64_t>(vector, count, parent_valid, col, [&](uint64_t v) {
          char buf[24];
          const auto r = std::to_chars(buf, buf + sizeof buf, v);
          col->AppendString(std::string_view(buf, size_t(r.ptr - buf)));
        });
        break;
      }
      bool fits = true;
      AppendEach<uint64_t>(vector, count, parent_valid, col, [&](uint64_t v) {
        if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) fits = false;
        col->AppendInt64(static_cast<int64_t>(v));
      });
      if (!fits) {
        *overflowed_output = reader.output;
        return false;
      }
      break;
    }
    case VectorKind::kFloat:
      AppendEach<float>(vector, count, parent_valid, col,
                        [&](float v) { col->AppendDouble(FloatToDouble(v)); });
      break;
    case VectorKind::kDouble:
      AppendEach<double>(vector, count, parent_valid, col, [&](double v) { col->AppendDouble(v); });
      break;
    case VectorKind::kDecimal16:
      AppendEach<int16_t>(vector, count, parent_valid, col,
                          [&](int16_t v) { col->AppendDecimal(v); });
      break;
    case VectorKind::kDecimal32:
      AppendEach<int32_t>(vector, count, parent_valid, col,
                          [&](int32_t v) { col->AppendDecimal(v); });
      break;
    case VectorKind::kDecimal64:
      AppendEach<int64_t>(vector, count, parent_valid, col,
                          [&](int64_t v) { col->AppendDecimal(v); });
      break;
    case VectorKind::kText:
    case VectorKind::kJson:
    case VectorKind::kBlob: {
      const auto* strings = static_cast<const duckdb_string_t*>(duckdb_vector_get_data(vector));
      const uint64_t* validity = duckdb_vector_get_validity(vector);
      for (idx_t row = 0; row < count; row++) {
        if (RowValid(validity, parent_valid, row)) {
          col->AppendString(StringAt(strings, row));
        } else {
          col->AppendNull();
        }
      }
      break;
    }
    case VectorKind::kEnum8:
      AppendEach<uint8_t>(vector, count, parent_valid, col,
                          [&](uint8_t v) { col->AppendString(reader.dictionary[v]); });
      break;
    case VectorKind::kEnum16:
      AppendEach<uint16_t>(vector, count, parent_valid, col,
                           [&](uint16_t v) { col->AppendString(reader.dictionary[v]); });
      break;
    case VectorKind::kEnum32:
      AppendEach<uint32_t>(vector, count, parent_valid, col,
                           [&](uint32_t v) { col->AppendString(reader.dictionary[v]); });
      break;
    case VectorKind::kDate:
      AppendEach<int32_t>(vector, count, parent_valid, col, [&](int32_t v) { col->AppendDate(v); });
      break;
    case VectorKind::kTimestampS:
      AppendEach<int64_t>(vector, count, parent_valid, col,
                          [&](int64_t v) { col->AppendTimestamp(ScaleToMicros(v, 1000000)); });
      break;
    case VectorKind::kTimestampMs:
      AppendEach<int64_t>(vector, count, parent_valid, col,
                          [&](int64_t v) { col->AppendTimestamp(ScaleToMicros(v, 1000)); });
      break;
    case VectorKind::kTimestampUs:
    case VectorKind::kTimestampTz:
      AppendEach<int64_t>(vector, count, parent_valid, col,
                          [&](int64_t v) { col->AppendTimestamp(v); });
      break;
    case VectorKind::kTimestampNs:
      // sluice timestamps are microseconds: nanoseconds are truncated (toward -infinity).
      AppendEach<int64_t>(vector, count, parent_valid, col,
                          [&](int64_t v) { col->AppendTimestamp(FloorDiv(v, 1000)); });
      break;
    case VectorKind::kUuid:
      AppendEach<duckdb_hugeint>(vector, count, parent_valid, col,
                                 [&](const duckdb_hugeint& v) { AppendUuid(v, col); });
      break;
    case VectorKind::kStruct:
      break;  // handled above
  }
  return true;
}

}  // namespace sluice
