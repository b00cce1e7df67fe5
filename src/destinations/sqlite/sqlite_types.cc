#include "destinations/sqlite/sqlite_types.h"

#include <charconv>
#include <cstring>

#include "core/error.h"
#include "core/value_parse.h"

namespace sluice::sqlite {
namespace {

constexpr std::string_view kDecimalPrefix = "DECIMAL_TEXT(18,";

void TwoDigits(int64_t v, char* out) {
  out[0] = char('0' + v / 10);
  out[1] = char('0' + v % 10);
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string_view ValueText(sqlite3_value* v) {
  const auto* p = reinterpret_cast<const char*>(sqlite3_value_text(v));
  return p ? std::string_view(p, size_t(sqlite3_value_bytes(v))) : std::string_view();
}

}  // namespace

std::string DeclaredType(DataType type) {
  switch (type.id) {
    case TypeId::kBoolean:
      return "BOOLEAN";
    case TypeId::kInt64:
      return "BIGINT";
    case TypeId::kDecimal:
      return std::string(kDecimalPrefix) + std::to_string(type.scale) + ")";
    case TypeId::kDouble:
      return "DOUBLE";
    case TypeId::kDate:
      return "DATE_TEXT";
    case TypeId::kTimestamp:
      return "TIMESTAMP_TEXT";
    case TypeId::kTimestampTz:
      return "TIMESTAMPTZ_TEXT";
    case TypeId::kJson:
      return "JSON_TEXT";
    case TypeId::kBinary:
      return "BLOB";
    case TypeId::kUuid:
      return "UUID_TEXT";
    case TypeId::kNull:
    case TypeId::kText:
      return "TEXT";
  }
  return "TEXT";
}

DataType TypeFromDeclared(std::string_view declared) {
  if (declared == "BOOLEAN") return DataType::Of(TypeId::kBoolean);
  if (declared == "BIGINT") return DataType::Of(TypeId::kInt64);
  if (declared == "DOUBLE") return DataType::Of(TypeId::kDouble);
  if (declared == "DATE_TEXT") return DataType::Of(TypeId::kDate);
  if (declared == "TIMESTAMP_TEXT") return DataType::Of(TypeId::kTimestamp);
  if (declared == "TIMESTAMPTZ_TEXT") return DataType::Of(TypeId::kTimestampTz);
  if (declared == "JSON_TEXT") return DataType::Of(TypeId::kJson);
  if (declared == "BLOB") return DataType::Of(TypeId::kBinary);
  if (declared == "UUID_TEXT") return DataType::Of(TypeId::kUuid);
  if (declared.substr(0, kDecimalPrefix.size()) == kDecimalPrefix && declared.back() == ')') {
    const std::string_view digits =
        declared.substr(kDecimalPrefix.size(), declared.size() - kDecimalPrefix.size() - 1);
    unsigned scale = 0;
    const auto r = std::from_chars(digits.data(), digits.data() + digits.size(), scale);
    if (r.ec == std::errc() && r.ptr == digits.data() + digits.size() && !digits.empty() &&
        scale <= unsigned(kMaxDecimalDigits)) {
      return DataType::Decimal(uint8_t(scale));
    }
  }
  return DataType::Of(TypeId::kText);
}

size_t FormatStoredTimestamp(int64_t micros, bool utc, char* out) {
  constexpr int64_t kDay = 86400000000LL;
  int64_t days = micros / kDay;
  int64_t rem = micros % kDay;
  if (rem < 0) rem += kDay, days--;
  size_t n = FormatDate(int32_t(days), out);
  const int64_t secs = rem / 1000000;
  int64_t frac = rem % 1000000;
  out[n++] = ' ';
  TwoDigits(secs / 3600, out + n);
  out[n + 2] = ':';
  TwoDigits(secs / 60 % 60, out + n + 3);
  out[n + 5] = ':';
  TwoDigits(secs % 60, out + n + 6);
  out[n + 8] = '.';
  for (int i = 14; i >= 9; i--) {
    out[n + size_t(i)] = char('0' + frac % 10);
    frac /= 10;
  }
  n += 15;
  if (utc) out[n++] = 'Z';
  return n;
}

size_t FormatUuid(std::string_view b, char* out) {
  static const char kHex[] = "0123456789abcdef";
  size_t n = 0;
  for (size_t k = 0; k < 16; k++) {
    if (k == 4 || k == 6 || k == 8 || k == 10) out[n++] = '-';
    out[n++] = kHex[static_cast<unsigned char>(b[k]) >> 4];
    out[n++] = kHex[static_cast<unsigned char>(b[k]) & 15];
  }
  return n;
}

StoredValue EncodeValue(const Column& column, size_t row, char* scratch) {
  StoredValue v;
  if (!column.IsValid(row)) return v;
  switch (column.type().id) {
    case TypeId::kBoolean:
      v.kind = StoredValue::kInteger;
      v.integer = column.GetBoolean(row) ? 1 : 0;
      break;
    case TypeId::kInt64:
      v.kind = StoredValue::kInteger;
      v.integer = column.GetInt64(row);
      break;
    case TypeId::kDouble:
      v.kind = StoredValue::kReal;
      v.real = column.GetDouble(row);
      break;
    case TypeId::kDecimal:
      v.kind = StoredValue::kText;
      v.data = scratch;
      v.size = FormatDecimal(column.GetInt64(row), column.type().scale, scratch);
      break;
    case TypeId::kDate:
      v.kind = StoredValue::kText;
      v.data = scratch;
      v.size = FormatDate(column.GetDate(row), scratch);
      break;
    case TypeId::kTimestamp:
    case TypeId::kTimestampTz:
      v.kind = StoredValue::kText;
      v.data = scratch;
      v.size = FormatStoredTimestamp(column.GetInt64(row), column.type().id == TypeId::kTimestampTz,
                                     scratch);
      break;
    case TypeId::kUuid: {
      const std::string_view bytes = column.GetString(row);
      if (bytes.size() != 16) {
        throw Error(ErrorKind::kInternal,
                    "a uuid value has " + std::to_string(bytes.size()) + " bytes, not 16");
      }
      v.kind = StoredValue::kText;
      v.data = scratch;
      v.size = FormatUuid(bytes, scratch);
      break;
    }
    case TypeId::kBinary: {
      const std::string_view bytes = column.GetString(row);
      v.kind = StoredValue::kBlob;
      v.data = bytes.data();
      v.size = bytes.size();
      break;
    }
    case TypeId::kNull:
    case TypeId::kText:
    case TypeId::kJson: {
      const std::string_view text = column.GetString(row);
      v.kind = StoredValue::kText;
      v.data = text.data();
      v.size = text.size();
      break;
    }
  }
  return v;
}

int BindStoredValue(sqlite3_stmt* stmt, int index, const StoredValue& v) {
  switch (v.kind) {
    case StoredValue::kNull:
      return sqlite3_bind_null(stmt, index);
    case StoredValue::kInteger:
      return sqlite3_bind_int64(stmt, index, v.integer);
    case StoredValue::kReal:
      return sqlite3_bind_double(stmt, index, v.real);
    case StoredValue::kText:
      // A NULL pointer would bind SQL NULL: an empty string needs a real one.
      return sqlite3_bind_text(stmt, index, v.size ? v.data : "", int(v.size), SQLITE_STATIC);
    case StoredValue::kBlob:
      if (v.size == 0) return sqlite3_bind_zeroblob(stmt, index, 0);
      return sqlite3_bind_blob(stmt, index, v.data, int(v.size), SQLITE_STATIC);
  }
  return SQLITE_MISUSE;
}

void ResultStoredValue(sqlite3_context* ctx, const StoredValue& v) {
  switch (v.kind) {
    case StoredValue::kNull:
      sqlite3_result_null(ctx);
      return;
    case StoredValue::kInteger:
      sqlite3_result_int64(ctx, v.integer);
      return;
    case StoredValue::kReal:
      sqlite3_result_double(ctx, v.real);
      return;
    case StoredValue::kText:
      sqlite3_result_text(ctx, v.size ? v.data : "", int(v.size), SQLITE_TRANSIENT);
      return;
    case StoredValue::kBlob:
      if (v.size == 0) {
        sqlite3_result_zeroblob(ctx, 0);
      } else {
        sqlite3_result_blob(ctx, v.data, int(v.size), SQLITE_TRANSIENT);
      }
      return;
  }
}

bool DecodeValue(sqlite3_value* v, DataType type, Column* out) {
  const int storage = sqlite3_value_type(v);
  if (storage == SQLITE_NULL) {
    out->AppendNull();
    return true;
  }
  switch (type.id) {
    case TypeId::kBoolean:
      if (storage != SQLITE_INTEGER) return false;
      out->AppendBoolean(sqlite3_value_int64(v) != 0);
      return true;
    case TypeId::kInt64:
      if (storage != SQLITE_INTEGER) return false;
      out->AppendInt64(sqlite3_value_int64(v));
      return true;
    case TypeId::kDouble:
      if (storage != SQLITE_FLOAT && storage != SQLITE_INTEGER) return false;
      out->AppendDouble(sqlite3_value_double(v));
      return true;
    case TypeId::kDecimal: {
      int64_t unscaled = 0;
      if (storage != SQLITE_TEXT || !ParseDecimal(ValueText(v), type.scale, &unscaled)) {
        return false;
      }
      out->AppendDecimal(unscaled);
      return true;
    }
    case TypeId::kDate: {
      int32_t days = 0;
      if (storage != SQLITE_TEXT || !ParseDate(ValueText(v), &days)) return false;
      out->AppendDate(days);
      return true;
    }
    case TypeId::kTimestamp:
    case TypeId::kTimestampTz: {
      int64_t micros = 0;
      bool has_zone = false;
      if (storage != SQLITE_TEXT || !ParseTimestamp(ValueText(v), &micros, &has_zone)) {
        return false;
      }
      out->AppendTimestamp(micros);
      return true;
    }
    case TypeId::kUuid: {
      const std::string_view text = ValueText(v);
      if (storage != SQLITE_TEXT || text.size() != 36) return false;
      char bytes[16];
      size_t n = 0;
      for (size_t i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
          if (text[i] != '-') return false;
          continue;
        }
        const int hi = HexValue(text[i]), lo = HexValue(text[i + 1]);
        if (hi < 0 || lo < 0) return false;
        bytes[n++] = char(hi << 4 | lo);
        i++;
      }
      out->AppendString(std::string_view(bytes, 16));
      return true;
    }
    case TypeId::kBinary: {
      const auto* p = static_cast<const char*>(sqlite3_value_blob(v));
      out->AppendString(std::string_view(p ? p : "", size_t(sqlite3_value_bytes(v))));
      return true;
    }
    case TypeId::kNull:
    case TypeId::kText:
    case TypeId::kJson:
      // Text as stored (a value written as a blob by another tool keeps its bytes).
      if (storage == SQLITE_BLOB) {
        const auto* p = static_cast<const char*>(sqlite3_value_blob(v));
        out->AppendString(std::string_view(p ? p : "", size_t(sqlite3_value_bytes(v))));
      } else {
        out->AppendString(ValueText(v));
      }
      return true;
  }
  return false;
}

}  // namespace sluice::sqlite
