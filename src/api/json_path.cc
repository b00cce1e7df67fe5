#include "api/json_path.h"

#include <cctype>

#include "core/error.h"

namespace sluice {
namespace {

[[noreturn]] void Refuse(const std::string& text, size_t pos, const std::string& why) {
  throw UsageError("JSONPath \"" + text + "\": " + why + " at character " +
                   std::to_string(pos + 1) + " (supported: $, .name, ['name'], [index], [*], .*)");
}

// Characters that end a bare field name or would mean syntax this subset does not have.
bool IsNameChar(char c) {
  return !(c == '.' || c == '[' || c == ']' || c == '*' || c == '\'' || c == '"' || c == '?' ||
           c == '(' || c == ')' || c == '@' || std::isspace(static_cast<unsigned char>(c)));
}

}  // namespace

JsonPath JsonPath::Parse(const std::string& text) {
  JsonPath path;
  path.text_ = text.empty() ? "$" : text;
  if (text.empty()) return path;
  size_t i = 0;
  const size_t n = text.size();
  if (i < n && text[i] == '$') i++;
  // Without "$" the path starts with a bare name ("a.b").
  bool expect_name = i == 0;
  while (i < n || expect_name) {
    if (expect_name) {
      expect_name = false;
      if (i >= n) Refuse(text, i, "a name is missing");
      if (text[i] == '*') {
        path.steps_.push_back({Step::Kind::kWildcard, "", 0});
        i++;
        continue;
      }
      if (text[i] == '[') continue;  // "[0].a": a bracket step first
      const size_t start = i;
      while (i < n && IsNameChar(text[i])) i++;
      if (i == start) Refuse(text, i, "unexpected '" + std::string(1, text[i]) + "'");
      path.steps_.push_back({Step::Kind::kField, text.substr(start, i - start), 0});
      continue;
    }
    if (text[i] == '.') {
      if (i + 1 < n && text[i + 1] == '.')
        Refuse(text, i, "recursive descent (..) is not supported");
      i++;
      if (i < n && text[i] == '[') Refuse(text, i, "'[' after '.'");
      expect_name = true;
      continue;
    }
    if (text[i] != '[') Refuse(text, i, "unexpected '" + std::string(1, text[i]) + "'");
    const size_t open = i++;
    if (i >= n) Refuse(text, open, "unclosed '['");
    if (text[i] == '*') {
      i++;
      path.steps_.push_back({Step::Kind::kWildcard, "", 0});
    } else if (text[i] == '\'' || text[i] == '"') {
      const char quote = text[i++];
      std::string name;
      while (i < n && text[i] != quote) {
        if (text[i] == '\\' && i + 1 < n) i++;
        name += text[i++];
      }
      if (i >= n) Refuse(text, open, "unterminated quoted name");
      i++;
      path.steps_.push_back({Step::Kind::kField, name, 0});
    } else if (text[i] == '-' || std::isdigit(static_cast<unsigned char>(text[i]))) {
      const size_t start = i;
      if (text[i] == '-') i++;
      while (i < n && std::isdigit(static_cast<unsigned char>(text[i]))) i++;
      if (i == start || (i == start + 1 && text[start] == '-') || i - start > 18) {
        Refuse(text, start, "bad array index");
      }
      path.steps_.push_back({Step::Kind::kIndex, "", std::stoll(text.substr(start, i - start))});
    } else if (text[i] == '?' || text[i] == '(') {
      Refuse(text, i, "filters and expressions are not supported");
    } else {
      Refuse(text, i, "unexpected '" + std::string(1, text[i]) + "' in brackets");
    }
    if (i >= n || text[i] != ']') {
      Refuse(text, i, i < n && text[i] == ':' ? "slices are not supported" : "expected ']'");
    }
    i++;
  }
  return path;
}

void JsonPath::Select(simdjson::dom::element root, std::vector<simdjson::dom::element>* out) const {
  // Breadth by step: the matches of step k are the inputs of step k + 1, in document order.
  std::vector<simdjson::dom::element> current{root}, next;
  for (const Step& step : steps_) {
    next.clear();
    for (simdjson::dom::element node : current) {
      switch (step.kind) {
        case Step::Kind::kField: {
          simdjson::dom::object object;
          if (node.get_object().get(object) != simdjson::SUCCESS) break;
          simdjson::dom::element child;
          if (object.at_key(step.field).get(child) == simdjson::SUCCESS) next.push_back(child);
          break;
        }
        case Step::Kind::kIndex: {
          simdjson::dom::array array;
          if (node.get_array().get(array) != simdjson::SUCCESS) break;
          const int64_t size = static_cast<int64_t>(array.size());
          const int64_t index = step.index < 0 ? size + step.index : step.index;
          if (index < 0 || index >= size) break;
          simdjson::dom::element child;
          if (array.at(static_cast<size_t>(index)).get(child) == simdjson::SUCCESS) {
            next.push_back(child);
          }
          break;
        }
        case Step::Kind::kWildcard: {
          simdjson::dom::array array;
          simdjson::dom::object object;
          if (node.get_array().get(array) == simdjson::SUCCESS) {
            for (simdjson::dom::element child : array) next.push_back(child);
          } else if (node.get_object().get(object) == simdjson::SUCCESS) {
            for (auto field : object) next.push_back(field.value);
          }
          break;
        }
      }
    }
    current.swap(next);
    if (current.empty()) return;
  }
  out->insert(out->end(), current.begin(), current.end());
}

std::optional<simdjson::dom::element> JsonPath::First(simdjson::dom::element root) const {
  std::vector<simdjson::dom::element> matches;
  Select(root, &matches);
  if (matches.empty()) return std::nullopt;
  return matches.front();
}

bool JsonPath::HasWildcard() const {
  for (const Step& step : steps_) {
    if (step.kind == Step::Kind::kWildcard) return true;
  }
  return false;
}

std::string JsonPath::ColumnName() const {
  const auto names = FieldNames();
  if (!names) return "";
  std::string out;
  for (const std::string& name : *names) out += (out.empty() ? "" : "__") + name;
  return out;
}

std::optional<std::vector<std::string>> JsonPath::FieldNames() const {
  std::vector<std::string> names;
  for (const Step& step : steps_) {
    if (step.kind != Step::Kind::kField) return std::nullopt;
    names.push_back(step.field);
  }
  return names;
}

std::string JsonScalarText(simdjson::dom::element value) {
  switch (value.type()) {
    case simdjson::dom::element_type::STRING:
      return std::string(value.get_string().value_unsafe());
    case simdjson::dom::element_type::NULL_VALUE:
      return "";
    case simdjson::dom::element_type::BOOL:
      return value.get_bool().value_unsafe() ? "true" : "false";
    case simdjson::dom::element_type::INT64:
      return std::to_string(value.get_int64().value_unsafe());
    case simdjson::dom::element_type::UINT64:
      return std::to_string(value.get_uint64().value_unsafe());
    default:
      return simdjson::to_string(value);
  }
}

}  // namespace sluice
