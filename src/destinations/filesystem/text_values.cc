#include "destinations/filesystem/text_values.h"

#include <charconv>
#include <cmath>

#include "core/json_string.h"
#include "core/value_parse.h"

namespace sluice {
namespace {

void AppendIsoTimestamp(int64_t micros, bool utc, std::string* out) {
  char buf[48];
  size_t n = FormatTimestamp(micros, false, buf);
  for (size_t i = 0; i < n; i++) {
    if (buf[i] == ' ') {
      buf[i] = 'T';
      break;
    }
  }
  out->append(buf, n);
  if (utc) out->push_back('Z');
}

void AppendBlobText(std::string_view bytes, std::string* out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char c : bytes) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f && c != '\\') {
      out->push_back(c);
    } else {
      out->append("\\x");
      out->push_back(kHex[u >> 4]);
      out->push_back(kHex[u & 15]);
    }
  }
}

void AppendBase64(std::string_view bytes, std::string* out) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t v = uint32_t(uint8_t(bytes[i])) << 16 | uint32_t(uint8_t(bytes[i + 1])) << 8 |
                       uint8_t(bytes[i + 2]);
    out->push_back(kAlphabet[v >> 18]);
    out->push_back(kAlphabet[v >> 12 & 63]);
    out->push_back(kAlphabet[v >> 6 & 63]);
    out->push_back(kAlphabet[v & 63]);
  }
  if (const size_t left = bytes.size() - i; left) {
    uint32_t v = uint32_t(uint8_t(bytes[i])) << 16;
    if (left == 2) v |= uint32_t(uint8_t(bytes[i + 1])) << 8;
    out->push_back(kAlphabet[v >> 18]);
    out->push_back(kAlphabet[v >> 12 & 63]);
    out->push_back(left == 2 ? kAlphabet[v >> 6 & 63] : '=');
    out->push_back('=');
  }
}

}  // namespace

void AppendPlainValue(const Column& column, size_t row, std::string* out) {
  switch (column.type().id) {
    case TypeId::kTimestamp:
    case TypeId::kTimestampTz:
      AppendIsoTimestamp(column.GetInt64(row), column.type().id == TypeId::kTimestampTz, out);
      return;
    case TypeId::kBinary:
      AppendBlobText(column.GetString(row), out);
      return;
    default:
      // Canonical text (core/column.cc): exact decimals, shortest round-trip doubles.
      column.AppendValueAsText(row, out);
  }
}

void AppendJsonValue(const Column& column, size_t row, std::string* out) {
  if (!column.IsValid(row)) {
    out->append("null");
    return;
  }
  switch (column.type().id) {
    case TypeId::kBoolean:
    case TypeId::kInt64:
    case TypeId::kDecimal:
      column.AppendValueAsText(row, out);
      return;
    case TypeId::kDouble: {
      const double v = column.GetDouble(row);
      if (std::isnan(v)) {
        out->append("\"NaN\"");
      } else if (std::isinf(v)) {
        out->append(v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
      } else {
        column.AppendValueAsText(row, out);
      }
      return;
    }
    case TypeId::kJson:
      out->append(column.GetString(row));
      return;
    case TypeId::kBinary:
      out->push_back('"');
      AppendBase64(column.GetString(row), out);
      out->push_back('"');
      return;
    case TypeId::kText:
    case TypeId::kNull:
      AppendJsonString(column.GetString(row), out);
      return;
    default: {  // dates, timestamps, UUIDs: no JSON type of their own
      std::string text;
      AppendPlainValue(column, row, &text);
      AppendJsonString(text, out);
    }
  }
}

void AppendCsvField(std::string_view value, std::string* out) {
  if (!value.empty() && value.find_first_of(",\"\r\n") == std::string_view::npos) {
    out->append(value);
    return;
  }
  out->push_back('"');
  for (char c : value) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

}  // namespace sluice
