#include "sources/api/record_cursor.h"

#include <xxhash.h>

#include <cmath>
#include <cstdio>

#include "core/error.h"
#include "core/json_string.h"
#include "core/value_parse.h"

namespace sluice {
namespace {

std::string IsoUtc(int64_t micros) {
  char buf[48];
  const size_t n = FormatTimestamp(micros, false, buf);
  std::string s(buf, n);
  s[10] = 'T';
  return s + "Z";
}

// "90s", "15m", "2h", "3d" or plain seconds.
int64_t LagMicros(const std::string& lag) {
  double n = 0;
  std::string number = lag;
  double unit = 1e6;
  if (!lag.empty()) {
    switch (lag.back()) {
      case 's':
        number.pop_back();
        break;
      case 'm':
        number.pop_back(), unit = 60e6;
        break;
      case 'h':
        number.pop_back(), unit = 3600e6;
        break;
      case 'd':
        number.pop_back(), unit = 86400e6;
        break;
      default:
        break;
    }
  }
  if (!ParseDouble(number, &n) || n < 0 || !std::isfinite(n) || n * unit > 1e17) {
    throw UsageError("incremental lag '" + lag +
                     "' is not a duration (a number of seconds, or 90s, 15m, 2h, 3d)");
  }
  return int64_t(n * unit);
}

}  // namespace

RecordCursor::Value RecordCursor::FromText(const std::string& text) {
  Value v;
  v.text = text;
  int64_t micros = 0;
  bool has_zone = false;
  int32_t days = 0;
  double number = 0;
  if (text.empty()) return v;
  if (ParseDouble(text, &number)) {
    v.kind = Value::Kind::kNumber;
    v.number = number;
  } else if (ParseTimestamp(text, &micros, &has_zone)) {
    v.kind = Value::Kind::kInstant;
    v.micros = micros;
  } else if (ParseDate(text, &days)) {
    v.kind = Value::Kind::kInstant;
    v.micros = int64_t(days) * 86400000000LL;
  } else {
    v.kind = Value::Kind::kText;
  }
  return v;
}

RecordCursor::Value RecordCursor::FromJson(simdjson::dom::element value) {
  switch (value.type()) {
    case simdjson::dom::element_type::NULL_VALUE:
      return Value{};
    case simdjson::dom::element_type::STRING:
      return FromText(std::string(value.get_string().value_unsafe()));
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64:
    case simdjson::dom::element_type::DOUBLE: {
      Value v;
      v.kind = Value::Kind::kNumber;
      v.json_number = true;
      v.number = value.get_double().value_unsafe();
      v.text = JsonScalarText(value);
      return v;
    }
    default: {
      Value v;
      v.kind = Value::Kind::kText;
      v.text = JsonScalarText(value);
      return v;
    }
  }
}

int RecordCursor::Compare(const Value& a, const Value& b) {
  if (a.kind == b.kind && a.kind == Value::Kind::kNumber) {
    if (a.number == b.number) {
      // Large integers beyond double precision: compare the digits.
      if (a.text.size() != b.text.size() && a.text.find_first_of(".eE") == std::string::npos &&
          b.text.find_first_of(".eE") == std::string::npos && a.text[0] != '-' &&
          b.text[0] != '-') {
        return a.text.size() < b.text.size() ? -1 : 1;
      }
      return a.text.size() == b.text.size() ? a.text.compare(b.text) : 0;
    }
    return a.number < b.number ? -1 : 1;
  }
  if (a.kind == b.kind && a.kind == Value::Kind::kInstant) {
    return a.micros < b.micros ? -1 : a.micros > b.micros ? 1 : 0;
  }
  const int c = a.text.compare(b.text);
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

RecordCursor::Value RecordCursor::Minus(const Value& v, const std::string& lag) const {
  if (lag.empty()) return v;
  Value out = v;
  if (v.kind == Value::Kind::kNumber) {
    double n = 0;
    if (!ParseDouble(lag, &n) || n < 0) {
      throw UsageError("incremental lag '" + lag + "' is not a non-negative number");
    }
    out.number = v.number - n;
    char buf[64];
    if (out.number == std::floor(out.number) && std::fabs(out.number) < 9e15) {
      std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(out.number));
    } else {
      std::snprintf(buf, sizeof buf, "%.17g", out.number);
    }
    out.text = buf;
  } else if (v.kind == Value::Kind::kInstant) {
    out.micros = v.micros - LagMicros(lag);
    out.text = IsoUtc(out.micros);
  } else {
    throw UsageError("incremental lag needs a numeric or timestamp cursor, not text like '" +
                     v.text + "'");
  }
  return out;
}

RecordCursor::RecordCursor(IncrementalConfig config, std::vector<std::string> primary_key,
                           const std::string& stored)
    : config_(std::move(config)), path_(JsonPath::Parse(config_.cursor_path)) {
  if (config_.cursor_path.empty()) throw UsageError("incremental needs a cursor_path");
  for (const auto& k : primary_key) key_paths_.push_back(JsonPath::Parse(k));
  ValidateLag(config_.lag);
  // A backfill window (end value) starts at the initial value whatever an earlier run stored.
  if (!stored.empty() && config_.end_value.empty()) {
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (parser.parse(stored).get(doc) == simdjson::SUCCESS && doc.is_object()) {
      simdjson::dom::element last;
      if (doc["last_value"].get(last) == simdjson::SUCCESS) last_ = FromJson(last);
      simdjson::dom::array keys;
      if (doc["boundary_keys"].get_array().get(keys) == simdjson::SUCCESS) {
        for (auto k : keys) {
          std::string_view s;
          if (k.get_string().get(s) == simdjson::SUCCESS) boundary_keys_.emplace(s);
        }
      }
    }
  }
  if (!config_.end_value.empty()) end_ = FromText(config_.end_value);
  if (last_.kind != Value::Kind::kNone) {
    start_ = Minus(last_, config_.lag);
    start_text_ = config_.lag.empty() ? last_.text : start_.text;
    start_number_ = last_.json_number;
  } else if (!config_.initial_value.empty()) {
    start_ = FromText(config_.initial_value);
    start_text_ = config_.initial_value;
    start_number_ = true;  // a numeric initial value is meant as a number
  }
}

void RecordCursor::ValidateLag(const std::string& lag) {
  if (!lag.empty()) LagMicros(lag);
}

std::string RecordCursor::KeyOf(simdjson::dom::element record, std::string_view record_json) const {
  if (key_paths_.empty()) {
    char hex[17];
    std::snprintf(
        hex, sizeof hex, "%016llx",
        static_cast<unsigned long long>(XXH3_64bits(record_json.data(), record_json.size())));
    return hex;
  }
  std::string key;
  for (size_t i = 0; i < key_paths_.size(); i++) {
    if (i) key += '\x1f';
    if (auto v = key_paths_[i].First(record)) key += JsonScalarText(*v);
  }
  return key;
}

RecordCursor::Verdict RecordCursor::Judge(simdjson::dom::element record,
                                          std::string_view record_json) {
  std::optional<simdjson::dom::element> found = path_.First(record);
  const Value v = found ? FromJson(*found) : Value{};
  if (v.kind == Value::Kind::kNone) {
    return config_.on_null == IncrementalConfig::OnNull::kLoad ? Verdict::kLoad
                                                               : Verdict::kNullCursor;
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto skip = [&] {
    skipped_++;
    return Verdict::kSkip;
  };
  if (end_.kind != Value::Kind::kNone && Compare(v, end_) >= 0) return skip();
  if (start_.kind != Value::Kind::kNone && Compare(v, start_) < 0) return skip();
  std::string key;
  if (last_.kind != Value::Kind::kNone && config_.lag.empty() && Compare(v, last_) == 0 &&
      config_.boundary_dedup) {
    key = KeyOf(record, record_json);
    if (boundary_keys_.count(key)) return skip();
  }
  const int c = max_.kind == Value::Kind::kNone ? 1 : Compare(v, max_);
  if (c >= 0) {
    if (key.empty()) key = KeyOf(record, record_json);
    if (c > 0) {
      max_ = v;
      max_keys_.clear();
    }
    max_keys_.insert(std::move(key));
  }
  return Verdict::kLoad;
}

std::string RecordCursor::StateJson() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!config_.end_value.empty() || max_.kind == Value::Kind::kNone) return "";
  const int c = last_.kind == Value::Kind::kNone ? 1 : Compare(max_, last_);
  if (c < 0) return "";  // a lag window reloaded older records only
  std::set<std::string> keys = max_keys_;
  if (c == 0) keys.insert(boundary_keys_.begin(), boundary_keys_.end());
  std::string out = "{\"last_value\":";
  if (max_.json_number) {
    out += max_.text;  // kept a number, so the next run can send it as one
  } else {
    AppendJsonString(max_.text, &out);
  }
  out += ",\"boundary_keys\":[";
  bool first = true;
  for (const auto& k : keys) {
    if (!first) out += ',';
    first = false;
    AppendJsonString(k, &out);
  }
  out += "]}";
  return out;
}

uint64_t RecordCursor::skipped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return skipped_;
}

}  // namespace sluice
