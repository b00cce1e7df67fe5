#include "webhook/event_id.h"

#include "core/error.h"

namespace sluice {

EventIdPath EventIdPath::Parse(const std::string& text) {
  EventIdPath path;
  size_t i = 0;
  auto fail = [&](const std::string& why) {
    return UsageError("id_path '" + text + "' at position " + std::to_string(i) + ": " + why);
  };
  if (text.empty()) return path;
  if (text[0] == '$') {
    i = 1;
    if (i < text.size() && text[i] == '.') i++;
  }
  while (i < text.size()) {
    if (text[i] == '[') {
      i++;
      if (i < text.size() && (text[i] == '\'' || text[i] == '"')) {
        const char quote = text[i++];
        const size_t close = text.find(quote, i);
        if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ']') {
          throw fail("unterminated quoted name");
        }
        path.steps_.push_back({false, text.substr(i, close - i), 0});
        i = close + 2;
      } else {
        const size_t close = text.find(']', i);
        const std::string digits = text.substr(i, close == std::string::npos ? 0 : close - i);
        if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) {
          throw fail("expected an array index (wildcards and filters cannot name one id)");
        }
        path.steps_.push_back({true, "", std::stoull(digits)});
        i = close + 1;
      }
    } else {
      const size_t end = text.find_first_of(".[", i);
      const std::string name = text.substr(i, end == std::string::npos ? end : end - i);
      if (name.empty() || name == "*") throw fail("expected a field name");
      path.steps_.push_back({false, name, 0});
      i = end == std::string::npos ? text.size() : end;
    }
    if (i < text.size() && text[i] == '.') {
      i++;
      if (i >= text.size() || text[i] == '.') throw fail("expected a field name after '.'");
    }
  }
  if (path.steps_.empty()) throw fail("the id cannot be the whole document");
  return path;
}

bool EventIdPath::Find(simdjson::dom::element root, std::string* id) const {
  simdjson::dom::element at = root;
  for (const Step& step : steps_) {
    if (step.is_index) {
      simdjson::dom::array array;
      if (at.get_array().get(array) || array.at(step.index).get(at)) return false;
    } else {
      simdjson::dom::object object;
      if (at.get_object().get(object) || object.at_key(step.field).get(at)) return false;
    }
  }
  switch (at.type()) {
    case simdjson::dom::element_type::STRING:
      *id = std::string(at.get_string().value_unsafe());
      return true;
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64:
    case simdjson::dom::element_type::DOUBLE:
    case simdjson::dom::element_type::BOOL:
      *id = simdjson::minify(at);
      return true;
    default:
      return false;
  }
}

}  // namespace sluice
