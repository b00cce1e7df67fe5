#pragma once
// The JSONPath subset used to point into API responses and records (data_selector, cursor_path,
// total_path, parent fields, id_path): `$`, `$.a.b`, `a.b` (the `$.` is optional),
// `$['a b']` / `$["a"]`, `[0]` / `[-1]` array indexes, `[*]` / `.*` wildcards. Filters and
// recursive descent (`..`) are not supported and are refused when parsed.
#include <simdjson.h>

#include <optional>
#include <string>
#include <vector>

namespace sluice {

class JsonPath {
 public:
  JsonPath() = default;  // "$": the root itself
  // Throws UsageError naming `text` and the position of the first unsupported character.
  static JsonPath Parse(const std::string& text);

  // Every element the path matches, in document order (wildcards expand arrays and objects).
  void Select(simdjson::dom::element root, std::vector<simdjson::dom::element>* out) const;
  // The first match, if any.
  std::optional<simdjson::dom::element> First(simdjson::dom::element root) const;

  bool IsRoot() const { return steps_.empty(); }
  bool HasWildcard() const;
  const std::string& text() const { return text_; }
  // The path's field names joined with "__" as sluice names flattened columns
  // (`$.user.id` -> "user__id"); empty when the path has indexes or wildcards.
  std::string ColumnName() const;
  // The field names when the path has only fields (`$.a.b` -> {a, b}); nullopt otherwise.
  std::optional<std::vector<std::string>> FieldNames() const;

 private:
  struct Step {
    enum class Kind { kField, kIndex, kWildcard } kind;
    std::string field;
    int64_t index = 0;
  };
  std::vector<Step> steps_;
  std::string text_ = "$";
};

// A scalar's text as a request parameter or placeholder value: strings unquoted, numbers and
// booleans as written, null as "". Objects and arrays as compact JSON.
std::string JsonScalarText(simdjson::dom::element value);

}  // namespace sluice
