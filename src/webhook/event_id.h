#pragma once
// Finds a webhook event's deduplication id in its JSON body by the route's id_path: `id`,
// `data.object.id`, `$.meta.id`, `$['a b'].id`, `items[0].id`. (The API client's JsonPath also
// has wildcards; an id must name one value, so this subset is all a route needs.)
#include <simdjson.h>

#include <string>
#include <vector>

namespace sluice {

class EventIdPath {
 public:
  EventIdPath() = default;
  // Throws UsageError for an unsupported path (wildcards, filters, `..`).
  static EventIdPath Parse(const std::string& text);
  bool empty() const { return steps_.empty(); }
  // The id as text: strings as they are, numbers and booleans as written. False if the path
  // does not lead to a scalar (missing, null, an object or an array).
  bool Find(simdjson::dom::element root, std::string* id) const;

 private:
  struct Step {
    bool is_index = false;
    std::string field;
    size_t index = 0;
  };
  std::vector<Step> steps_;
};

}  // namespace sluice
