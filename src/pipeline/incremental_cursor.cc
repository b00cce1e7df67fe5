#include "pipeline/incremental_cursor.h"

#include <simdjson.h>
#include <xxhash.h>

#include <cstdint>
#include <cstdio>

#include "core/error.h"
#include "core/json_string.h"
#include "core/value_parse.h"
#include "schema/value_coercion.h"

namespace sluice {
namespace {

bool IsSupported(TypeId id) {
  switch (id) {
    case TypeId::kInt64:
    case TypeId::kDecimal:
    case TypeId::kDouble:
    case TypeId::kDate:
    case TypeId::kTimestamp:
    case TypeId::kTimestampTz:
    case TypeId::kText:
      return true;
    default:
      return false;
  }
}

// One value of `type` from text, or an error naming what it is for.
Column ValueOf(const std::string& text, DataType type, const std::string& what) {
  Column source(DataType::Of(TypeId::kText));
  source.AppendString(text);
  Column out(type);
  if (!CoerceValue(source, 0, &out)) {
    throw UsageError(what + " '" + text + "' is not a " + TypeName(type) +
                     " like the cursor column");
  }
  return out;
}

// A lag in the cursor type's own units: numbers as they are, dates in days, timestamps in
// microseconds ("90s", "15m", "2h", "3d", or plain seconds).
int64_t LagUnits(const std::string& lag, DataType type) {
  auto fail = [&]() -> int64_t {
    throw UsageError("--lag '" + lag + "' does not fit a " + TypeName(type) +
                     " cursor (numbers for numeric cursors; days for dates; 90s, 15m, 2h or 3d "
                     "for timestamps)");
  };
  int64_t n = 0;
  switch (type.id) {
    case TypeId::kInt64:
      if (!ParseInt64(lag, &n) || n < 0) fail();
      return n;
    case TypeId::kDecimal:
      if (!ParseDecimal(lag, type.scale, &n) || n < 0) fail();
      return n;
    case TypeId::kDate: {
      const std::string days =
          !lag.empty() && lag.back() == 'd' ? lag.substr(0, lag.size() - 1) : lag;
      if (!ParseInt64(days, &n) || n < 0) fail();
      return n;
    }
    case TypeId::kTimestamp:
    case TypeId::kTimestampTz: {
      int64_t unit = 1000000;
      std::string number = lag;
      if (!lag.empty()) {
        switch (lag.back()) {
          case 's':
            number.pop_back();
            break;
          case 'm':
            unit *= 60, number.pop_back();
            break;
          case 'h':
            unit *= 3600, number.pop_back();
            break;
          case 'd':
            unit *= 86400, number.pop_back();
            break;
          default:
            break;
        }
      }
      if (!ParseInt64(number, &n) || n < 0 || n > INT64_MAX / unit) fail();
      return n * unit;
    }
    default:
      return fail();
  }
}

}  // namespace

IncrementalCursor::IncrementalCursor(IncrementalOptions options, const std::string& stored)
    : options_(std::move(options)) {
  if (stored.empty()) return;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(stored).get(doc)) {
    throw DestinationError("the stored cursor state is not JSON: " + stored);
  }
  std::string_view last;
  if (!doc["last_value"].get(last)) stored_last_text_ = std::string(last);
  simdjson::dom::array keys;
  if (!doc["boundary_keys"].get(keys)) {
    for (auto key : keys) {
      std::string_view k;
      if (!key.get(k)) boundary_keys_.insert(std::string(k));
    }
  }
}

void IncrementalCursor::Bind(const Batch& batch, const Column& cursor) {
  type_ = cursor.type();
  if (!IsSupported(type_.id)) {
    throw UsageError("--incremental column '" + options_.column + "' of table '" + batch.table +
                     "' is " + TypeName(type_) +
                     "; a cursor must be a number, a date, a timestamp or text");
  }
  if (!stored_last_text_.empty()) {
    last_ = ValueOf(stored_last_text_, type_,
                    "the stored cursor value (sluice state reset "
                    "forgets it)");
  }
  if (!options_.initial_value.empty()) {
    initial_ = ValueOf(options_.initial_value, type_, "--initial-value");
  }
  if (!options_.lag.empty() && last_.size()) {
    threshold_ = Column(type_);
    if (type_.id == TypeId::kDouble) {
      double lag;
      if (!ParseDouble(options_.lag, &lag) || lag < 0) {
        throw UsageError("--lag '" + options_.lag + "' is not a non-negative number");
      }
      threshold_.AppendDouble(last_.GetDouble(0) - lag);
    } else if (type_.id == TypeId::kText) {
      throw UsageError("--lag needs a numeric or temporal cursor, not text");
    } else {
      const int64_t units = LagUnits(options_.lag, type_);
      const int64_t value = last_.GetInt64(0) - units;
      if (type_.id == TypeId::kDate) {
        threshold_.AppendDate(int32_t(value));
      } else {
        threshold_.AppendTimestamp(value);  // same 8-byte slot as int64 and decimal
      }
    }
  }
  bound_ = true;
}

int IncrementalCursor::Compare(const Column& values, size_t row, const Column& reference) const {
  switch (type_.id) {
    case TypeId::kDouble: {
      const double a = values.GetDouble(row), b = reference.GetDouble(0);
      return a < b ? -1 : a > b ? 1 : 0;
    }
    case TypeId::kText: {
      const int c = values.GetString(row).compare(reference.GetString(0));
      return c < 0 ? -1 : c > 0 ? 1 : 0;
    }
    default: {
      const int64_t a = values.GetInt64(row), b = reference.GetInt64(0);
      return a < b ? -1 : a > b ? 1 : 0;
    }
  }
}

std::string IncrementalCursor::RowKey(const Batch& batch, size_t row) const {
  std::string text;
  auto add = [&](size_t column) {
    const Column& c = batch.columns[column];
    if (c.IsValid(row)) {
      c.AppendValueAsText(row, &text);
    } else {
      text += "\x1e";  // NULL differs from any text
    }
    text += '\x1f';
  };
  if (!options_.primary_key.empty()) {
    for (const auto& key : options_.primary_key) {
      const int c = batch.FindColumn(key);
      if (c >= 0) add(size_t(c));
    }
  } else {
    // The whole row, by column name (batches may order columns differently), without sluice's
    // own columns (ids depend on where the record sat in its file).
    std::vector<std::pair<std::string, size_t>> columns;
    for (size_t i = 0; i < batch.names.size(); i++) {
      if (batch.names[i].rfind("_sluice_", 0) != 0) columns.push_back({batch.names[i], i});
    }
    std::sort(columns.begin(), columns.end());
    for (const auto& [name, index] : columns) {
      text += name + "=";
      add(index);
    }
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx",
                static_cast<unsigned long long>(XXH3_64bits(text.data(), text.size())));
  return hex;
}

void IncrementalCursor::Select(const Batch& batch, std::vector<uint8_t>* drop,
                               std::vector<RejectedRecord>* rejects) {
  const int index = batch.FindColumn(options_.column);
  if (index < 0) {
    throw UsageError("--incremental column '" + options_.column + "' is not in the data for " +
                     "table '" + batch.table + "'");
  }
  const Column& cursor = batch.columns[index];
  if (!bound_) Bind(batch, cursor);
  for (size_t r = 0; r < batch.num_rows; r++) {
    if ((*drop)[r]) continue;
    if (!cursor.IsValid(r)) {
      if (options_.load_null_cursors) continue;
      (*drop)[r] = 1;
      RejectedRecord reject;
      reject.table = batch.table;
      reject.source = batch.source;
      if (r < batch.origins.size()) {
        reject.line = batch.origins[r].line;
        reject.byte_offset = batch.origins[r].byte_offset;
      }
      reject.column = options_.column;
      reject.reason = "the incremental cursor column '" + options_.column +
                      "' is NULL, so the row cannot be placed before or after the last load "
                      "(--on-null-cursor load loads such rows every time)";
      rejects->push_back(std::move(reject));
      continue;
    }
    bool skip = initial_.size() && Compare(cursor, r, initial_) < 0;
    if (!skip && last_.size()) {
      if (threshold_.size()) {
        skip = Compare(cursor, r, threshold_) < 0;
      } else {
        const int vs_last = Compare(cursor, r, last_);
        skip = vs_last < 0 || (vs_last == 0 && boundary_keys_.count(RowKey(batch, r)));
      }
    }
    if (skip) {
      (*drop)[r] = 1;
      rows_skipped_++;
      continue;
    }
    const int vs_max = max_.size() ? Compare(cursor, r, max_) : 1;
    if (vs_max > 0) {
      max_ = Column(type_);
      max_.AppendFrom(cursor, r);
      max_keys_.clear();
    }
    if (vs_max >= 0) max_keys_.insert(RowKey(batch, r));
  }
}

std::string IncrementalCursor::StateJson() const {
  const Column* last = last_.size() ? &last_ : nullptr;
  const std::set<std::string>* keys = &boundary_keys_;
  std::set<std::string> merged;
  if (max_.size()) {
    const int vs_last = last ? Compare(max_, 0, last_) : 1;
    if (vs_last > 0) {
      last = &max_, keys = &max_keys_;
    } else if (vs_last == 0) {
      merged = boundary_keys_;
      merged.insert(max_keys_.begin(), max_keys_.end());
      keys = &merged;
    }
  }
  if (!last) return "";
  std::string value;
  last->AppendValueAsText(0, &value);
  std::string json = "{\"column\":";
  AppendJsonString(options_.column, &json);
  json += ",\"type\":\"" + TypeName(type_) + "\",\"last_value\":";
  AppendJsonString(value, &json);
  json += ",\"boundary_keys\":[";
  bool first = true;
  for (const auto& k : *keys) {
    json += first ? "\"" : ",\"";
    json += k + "\"";
    first = false;
  }
  return json + "]}";
}

}  // namespace sluice
