#include "sources/api/record_shaper.h"

#include "core/error.h"
#include "core/json_string.h"

namespace sluice {
namespace {

double AsNumber(simdjson::dom::element v, bool* ok) {
  double d = 0;
  *ok = v.get_double().get(d) == simdjson::SUCCESS;
  return d;
}

// A column name for a carried parent field: "_issues_number", "_issues_user__login".
std::string CarriedName(const std::string& parent, const JsonPath& path) {
  std::string field = path.ColumnName();
  if (field.empty()) field = path.text();
  return "_" + parent + "_" + field;
}

}  // namespace

RecordShaper::RecordShaper(const ResourceConfig& resource) {
  for (const auto& f : resource.filters) {
    filters_.push_back({JsonPath::Parse(f.path), f.op, f.values});
  }
  include_.insert(resource.include_columns.begin(), resource.include_columns.end());
  exclude_.insert(resource.exclude_columns.begin(), resource.exclude_columns.end());
}

bool RecordShaper::Holds(const Filter& f, simdjson::dom::element record) const {
  using Op = RecordFilterConfig::Op;
  std::optional<simdjson::dom::element> v = f.path.First(record);
  switch (f.op) {
    case Op::kExists:
      return v.has_value() && !v->is_null();
    case Op::kNotExists:
      return !v.has_value() || v->is_null();
    default:
      break;
  }
  const std::string text = v ? (v->is_null() ? "null" : JsonScalarText(*v)) : "null";
  auto in = [&] {
    for (const auto& value : f.values) {
      if (value == text) return true;
    }
    return false;
  };
  switch (f.op) {
    case Op::kEquals:
    case Op::kIn:
      return in();
    case Op::kNotEquals:
    case Op::kNotIn:
      return !in();
    case Op::kGreater:
    case Op::kLess: {
      if (!v || v->is_null() || f.values.empty()) return false;
      bool numeric = false;
      const double d = AsNumber(*v, &numeric);
      int c;
      char* end = nullptr;
      const double bound = std::strtod(f.values[0].c_str(), &end);
      if (numeric && end && *end == '\0' && !f.values[0].empty()) {
        c = d < bound ? -1 : d > bound ? 1 : 0;
      } else {
        c = text.compare(f.values[0]);
      }
      return f.op == Op::kGreater ? c > 0 : c < 0;
    }
    default:
      return true;
  }
}

bool RecordShaper::Keep(simdjson::dom::element record) const {
  for (const auto& f : filters_) {
    if (!Holds(f, record)) return false;
  }
  return true;
}

void RecordShaper::Write(simdjson::dom::element record, const ParentRecord* parent,
                         std::string* out) const {
  const bool carry = parent && !parent->carried.empty();
  if (!record.is_object()) {
    out->append("{");
    if (carry) {
      for (const auto& [name, json] : parent->carried) {
        AppendJsonString(name, out);
        out->append(":").append(json).append(",");
      }
    }
    out->append("\"value\":").append(simdjson::minify(record)).append("}");
    return;
  }
  if (!carry && include_.empty() && exclude_.empty()) {
    out->append(simdjson::minify(record));
    return;
  }
  out->push_back('{');
  bool first = true;
  if (carry) {
    for (const auto& [name, json] : parent->carried) {
      if (!first) out->push_back(',');
      first = false;
      AppendJsonString(name, out);
      out->append(":").append(json);
    }
  }
  const simdjson::dom::object fields = record.get_object().value_unsafe();
  for (auto field : fields) {
    if (!include_.empty() && !include_.count(field.key)) continue;
    if (exclude_.count(field.key)) continue;
    if (!first) out->push_back(',');
    first = false;
    AppendJsonString(field.key, out);
    out->push_back(':');
    out->append(simdjson::minify(field.value));
  }
  out->push_back('}');
}

ParentFieldExtractor::ParentFieldExtractor(const std::string& parent_name,
                                           const std::vector<ParentFieldConfig>& resolve,
                                           const std::vector<std::string>& carry) {
  for (const auto& r : resolve) resolve_.emplace_back(r.name, JsonPath::Parse(r.field));
  for (const auto& c : carry) {
    JsonPath path = JsonPath::Parse(c);
    carry_.emplace_back(CarriedName(parent_name, path), std::move(path));
  }
}

bool ParentFieldExtractor::Extract(simdjson::dom::element record, ParentRecord* out,
                                   std::string* error) const {
  *out = ParentRecord();
  for (const auto& [name, path] : resolve_) {
    std::optional<simdjson::dom::element> v = path.First(record);
    if (!v || v->is_null()) {
      *error = "the record has no '" + path.text() + "' to fill {" + name +
               "} of a child resource, whose rows for it cannot be fetched";
      return false;
    }
    out->resolved.emplace_back(name, JsonScalarText(*v));
    out->resolved_json.push_back(simdjson::minify(*v));
  }
  for (const auto& [name, path] : carry_) {
    std::optional<simdjson::dom::element> v = path.First(record);
    out->carried.emplace_back(name, v ? std::string(simdjson::minify(*v)) : "null");
  }
  return true;
}

std::string ParentRecordsToJson(const std::vector<ParentRecord>& records) {
  std::string out = "[";
  for (size_t i = 0; i < records.size(); i++) {
    if (i) out += ',';
    out += "{\"r\":{";
    bool first = true;
    for (const auto& [name, value] : records[i].resolved) {
      if (!first) out += ',';
      first = false;
      AppendJsonString(name, &out);
      out += ':';
      AppendJsonString(value, &out);
    }
    out += "},\"j\":[";
    for (size_t j = 0; j < records[i].resolved_json.size(); j++) {
      if (j) out += ',';
      out += records[i].resolved_json[j];
    }
    out += "],\"c\":{";
    first = true;
    for (const auto& [name, json] : records[i].carried) {
      if (!first) out += ',';
      first = false;
      AppendJsonString(name, &out);
      out += ':';
      out += json;
    }
    out += "}}";
  }
  return out + "]";
}

std::vector<ParentRecord> ParentRecordsFromJson(const std::string& json) {
  std::vector<ParentRecord> out;
  if (json.empty()) return out;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  simdjson::dom::array items;
  if (parser.parse(json).get(doc) != simdjson::SUCCESS ||
      doc.get_array().get(items) != simdjson::SUCCESS) {
    throw InputError("the stored list of parent records to fetch children for is corrupt");
  }
  for (auto item : items) {
    ParentRecord r;
    simdjson::dom::object resolved, carried;
    if (item["r"].get_object().get(resolved) == simdjson::SUCCESS) {
      for (auto f : resolved) {
        r.resolved.emplace_back(std::string(f.key), JsonScalarText(f.value));
      }
    }
    simdjson::dom::array json;
    if (item["j"].get_array().get(json) == simdjson::SUCCESS) {
      for (auto v : json) r.resolved_json.push_back(simdjson::minify(v));
    }
    if (item["c"].get_object().get(carried) == simdjson::SUCCESS) {
      for (auto f : carried) {
        r.carried.emplace_back(std::string(f.key), std::string(simdjson::minify(f.value)));
      }
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace sluice
