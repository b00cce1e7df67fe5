#pragma once
// Shapes an API record before it is flattened (config: filters, include_columns,
// exclude_columns, include_from_parent; docs/api-sources.md): decides whether the record is
// kept, drops or keeps top-level fields, adds the parent's fields as `_<parent>_<field>`, and
// writes the record as compact JSON. A record that is not an object is wrapped as
// {"value": ...}, as dlt does, so lists of scalars still load.
#include <simdjson.h>

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "api/json_path.h"
#include "config/pipeline_config.h"
#include "core/error.h"

namespace sluice {

// Fields of a parent record a child needs: placeholder/param values and copied fields.
struct ParentRecord {
  std::vector<std::pair<std::string, std::string>> resolved;  // name -> scalar text
  std::vector<std::string> resolved_json;                     // the same values as JSON
  std::vector<std::pair<std::string, std::string>> carried;   // column -> compact JSON
};

class RecordShaper {
 public:
  explicit RecordShaper(const ResourceConfig& resource);

  // Whether every filter holds for the record.
  bool Keep(simdjson::dom::element record) const;
  // Appends the record as one line of compact JSON (no newline) to *out, with `parent`'s carried
  // fields first.
  void Write(simdjson::dom::element record, const ParentRecord* parent, std::string* out) const;

 private:
  struct Filter {
    JsonPath path;
    RecordFilterConfig::Op op;
    std::vector<std::string> values;
  };
  bool Holds(const Filter& f, simdjson::dom::element record) const;

  std::vector<Filter> filters_;
  std::set<std::string, std::less<>> include_, exclude_;
};

// Extracts what children need from a parent record; `resolve` maps placeholder/param names to
// paths, `carry` lists fields copied as `_<parent>_<field>`.
class ParentFieldExtractor {
 public:
  ParentFieldExtractor(const std::string& parent_name,
                       const std::vector<ParentFieldConfig>& resolve,
                       const std::vector<std::string>& carry);
  bool empty() const { return resolve_.empty() && carry_.empty(); }
  // False with the reason in *error when a resolve field is missing (the child's request cannot
  // be built for this record).
  bool Extract(simdjson::dom::element record, ParentRecord* out, std::string* error) const;

 private:
  std::vector<std::pair<std::string, JsonPath>> resolve_;
  std::vector<std::pair<std::string, JsonPath>> carry_;
};

// ParentRecords as JSON for pipeline state (children still to fetch), and back.
std::string ParentRecordsToJson(const std::vector<ParentRecord>& records);
std::vector<ParentRecord> ParentRecordsFromJson(const std::string& json);

}  // namespace sluice
