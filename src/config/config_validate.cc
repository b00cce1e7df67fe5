#include "config/config_validate.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <set>

#include "config/secrets.h"
#include "core/error.h"
#include "core/json_string.h"

namespace sluice {
namespace {

using Kind = SchemaNode::Kind;

// How a walk treats values: the full check, or the partial check of resource_defaults (no
// required keys, no interpolation, free-form values left as YAML) whose result is merged into
// each resource and then checked in full.
struct Mode {
  bool partial = false;
  bool sensitive = false;  // inside a secret section
};

class Validator {
 public:
  explicit Validator(const ConfigContext& context) : context_(context) {}

  YAML::Node Walk(const SchemaNode& s, const YAML::Node& n, const std::string& path, Mode mode) {
    mode.sensitive = mode.sensitive || s.secret;
    switch (s.kind) {
      case Kind::kString:
      case Kind::kInt:
      case Kind::kNumber:
      case Kind::kBool:
      case Kind::kEnum:
        return YAML::Node(Scalar(s, n, path, mode));
      case Kind::kStringOrList: {
        YAML::Node out(YAML::NodeType::Sequence);
        if (n.IsScalar()) {
          out.push_back(Interpolate(n.Scalar(), path, mode));
          return out;
        }
        if (!n.IsSequence()) Fail(path, "expects " + SchemaTypeName(s) + ", got " + Describe(n));
        for (size_t i = 0; i < n.size(); ++i) {
          const std::string item_path = path + "[" + std::to_string(i) + "]";
          if (!n[i].IsScalar()) Fail(item_path, "expects a string, got " + Describe(n[i]));
          out.push_back(Interpolate(n[i].Scalar(), item_path, mode));
        }
        return out;
      }
      case Kind::kList: {
        if (!n.IsSequence()) Fail(path, "expects a list, got " + Describe(n));
        YAML::Node out(YAML::NodeType::Sequence);
        for (size_t i = 0; i < n.size(); ++i) {
          out.push_back(Walk(s.children[0], n[i], path + "[" + std::to_string(i) + "]", mode));
        }
        return out;
      }
      case Kind::kStringMap: {
        if (!n.IsMap()) Fail(path, "expects a map, got " + Describe(n));
        YAML::Node out(YAML::NodeType::Map);
        std::set<std::string> seen;
        for (const auto& entry : n) {
          const std::string key = KeyOf(entry.first, path, &seen);
          const std::string key_path = JoinConfigPath(path, key);
          if (s.children.empty()) {
            if (!entry.second.IsScalar()) {
              Fail(key_path, "expects a string, got " + Describe(entry.second));
            }
            out[key] = Interpolate(entry.second.Scalar(), key_path, mode);
          } else {
            out[key] = Walk(s.children[0], entry.second, key_path, mode);
          }
        }
        return out;
      }
      case Kind::kMap:
      case Kind::kVariant:
        return WalkMap(s, n, path, mode);
      case Kind::kAny: {
        if (mode.partial) return YAML::Clone(n);
        std::string json;
        AppendJson(n, path, mode, &json);
        return YAML::Node(json);
      }
    }
    return YAML::Node();
  }

  std::string Interpolate(const std::string& value, const std::string& path, Mode mode) {
    if (mode.partial) return value;
    return InterpolateConfigValue(value, path, context_, mode.sensitive);
  }

 private:
  [[noreturn]] void Fail(const std::string& path, const std::string& message) {
    throw UsageError(context_.file + ": " + (path.empty() ? "" : path + ": ") + message);
  }

  static std::string Describe(const YAML::Node& n) {
    if (n.IsMap()) return "a map";
    if (n.IsSequence()) return "a list";
    if (n.IsScalar()) {
      std::string quoted;
      AppendJsonString(n.Scalar(), &quoted);
      return quoted;
    }
    return "nothing";
  }

  static std::string Join(const std::vector<std::string>& items) {
    std::string out;
    for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + items[i];
    return out;
  }

  std::string KeyOf(const YAML::Node& key, const std::string& path, std::set<std::string>* seen) {
    if (!key.IsScalar()) Fail(path, "keys must be strings, got " + Describe(key));
    const std::string name = key.Scalar();
    if (!seen->insert(name).second) Fail(JoinConfigPath(path, name), "duplicate key");
    return name;
  }

  std::string Scalar(const SchemaNode& s, const YAML::Node& n, const std::string& path, Mode mode) {
    if (!n.IsScalar()) Fail(path, "expects " + SchemaTypeName(s) + ", got " + Describe(n));
    const std::string value = Interpolate(n.Scalar(), path, mode);
    if (s.secret && !mode.partial) RegisterSecret(value);
    // Unresolved ${NAME} of resource_defaults are checked once merged.
    if (mode.partial && value.find("${") != std::string::npos) return value;
    std::string quoted;
    AppendJsonString(value, &quoted);
    switch (s.kind) {
      case Kind::kInt: {
        int64_t v = 0;
        const char* begin = value.data() + (value.starts_with('+') ? 1 : 0);
        const char* end = value.data() + value.size();
        const auto r = std::from_chars(begin, end, v);
        if (value.empty() || r.ec != std::errc() || r.ptr != end || BelowMinimum(s, double(v))) {
          Fail(path, "expects " + SchemaTypeName(s) + ", got " + quoted);
        }
        return std::to_string(v);
      }
      case Kind::kNumber: {
        char* end = nullptr;
        const double v = std::strtod(value.c_str(), &end);
        if (value.empty() || end != value.c_str() + value.size() || !std::isfinite(v) ||
            BelowMinimum(s, v)) {
          Fail(path, "expects " + SchemaTypeName(s) + ", got " + quoted);
        }
        return value;
      }
      case Kind::kBool: {
        static const std::set<std::string> kTrue = {"true", "True", "TRUE", "yes", "Yes", "on"};
        static const std::set<std::string> kFalse = {"false", "False", "FALSE", "no", "No", "off"};
        if (kTrue.count(value)) return "true";
        if (kFalse.count(value)) return "false";
        Fail(path, "expects true or false, got " + quoted);
      }
      case Kind::kEnum:
        for (const auto& a : s.allowed) {
          if (a == value) return value;
        }
        Fail(path, "expects one of: " + Join(s.allowed) + ", got " + quoted);
      default:
        return value;
    }
  }

  static bool BelowMinimum(const SchemaNode& s, double v) {
    if (!s.minimum) return false;
    return s.exclusive_minimum ? v <= *s.minimum : v < *s.minimum;
  }

  YAML::Node WalkMap(const SchemaNode& s, const YAML::Node& n, const std::string& path, Mode mode) {
    if (n.IsScalar() && s.accepts_scalar) {
      if (s.scalar_key.empty()) {
        // A plain value where a map is also allowed (a static param, `schema_contract: freeze`).
        SchemaNode scalar;
        scalar.kind = s.allowed.empty() ? Kind::kString : Kind::kEnum;
        scalar.allowed = s.allowed;
        return YAML::Node(Scalar(scalar, n, path, mode));
      }
      YAML::Node expanded(YAML::NodeType::Map);
      expanded[s.scalar_key] = n;
      return WalkMap(s, expanded, path, mode);
    }
    if (!n.IsMap()) {
      std::string expected = "a map";
      if (s.accepts_scalar) expected = "a string or a map";
      Fail(path, "expects " + expected + ", got " + Describe(n));
    }
    // The keys this map may have.
    const std::vector<SchemaNode>* children = &s.children;
    std::string variant;
    if (s.kind == Kind::kVariant) {
      const YAML::Node d = n[s.discriminator];
      const std::string d_path = JoinConfigPath(path, s.discriminator);
      if (!d) {
        if (s.default_variant.empty()) {
          Fail(path, "missing required key \"" + s.discriminator + "\"");
        }
        variant = s.default_variant;
      } else {
        if (!d.IsScalar()) Fail(d_path, "expects a string, got " + Describe(d));
        variant = d.Scalar();
      }
      const SchemaVariant* chosen = nullptr;
      std::vector<std::string> names;
      for (const auto& v : s.variants) {
        names.push_back(v.value);
        if (v.value == variant) chosen = &v;
      }
      if (!chosen) {
        std::string quoted;
        AppendJsonString(variant, &quoted);
        Fail(d_path, "expects one of: " + Join(names) + ", got " + quoted);
      }
      children = &chosen->children;
    }
    auto find = [&](const std::string& key) -> const SchemaNode* {
      for (const auto& c : *children) {
        if (c.name == key) return &c;
      }
      return nullptr;
    };

    YAML::Node out(YAML::NodeType::Map);
    if (!variant.empty()) out[s.discriminator] = variant;
    std::set<std::string> seen;
    std::vector<std::pair<const SchemaNode*, YAML::Node>> merged_lists;
    for (const auto& entry : n) {
      const std::string key = KeyOf(entry.first, path, &seen);
      if (!variant.empty() && key == s.discriminator) continue;
      const SchemaNode* child = find(key);
      if (!child) {
        std::vector<std::string> names;
        if (!variant.empty()) names.push_back(s.discriminator);
        for (const auto& c : *children) names.push_back(c.name);
        Fail(JoinConfigPath(path, key), "unknown key (expected one of: " + Join(names) + ")");
      }
      if (!child->merge_from.empty()) {
        merged_lists.emplace_back(child, entry.second);  // after the defaults it merges
        continue;
      }
      Mode child_mode = mode;
      child_mode.partial = mode.partial || child->partial;
      out[key] = Walk(*child, entry.second, JoinConfigPath(path, key), child_mode);
    }
    for (const auto& [child, value] : merged_lists) {
      const std::string list_path = JoinConfigPath(path, child->name);
      if (!value.IsSequence()) Fail(list_path, "expects a list, got " + Describe(value));
      const SchemaNode* defaults_schema = find(child->merge_from);
      const YAML::Node& walked = out;  // const: a lookup must not add the key
      const YAML::Node defaults = walked[child->merge_from];
      YAML::Node list(YAML::NodeType::Sequence);
      for (size_t i = 0; i < value.size(); ++i) {
        const std::string item_path = list_path + "[" + std::to_string(i) + "]";
        YAML::Node item = value[i];
        if (defaults && defaults_schema) {
          Mode partial = mode;
          partial.partial = true;
          // Expanded first, so `endpoint: path` merges with a defaults' endpoint map.
          item =
              Merge(*defaults_schema, defaults, Walk(child->children[0], item, item_path, partial));
        }
        list.push_back(Walk(child->children[0], item, item_path, mode));
      }
      out[child->name] = list;
    }
    if (!mode.partial) {
      for (const auto& c : *children) {
        if (c.required && !seen.count(c.name)) {
          Fail(path, "missing required key \"" + c.name + "\"");
        }
      }
    }
    // The defaults were only needed for merging.
    for (const auto& [child, value] : merged_lists) out.remove(child->merge_from);
    return out;
  }

  // `over` on top of `base` (both already expanded): maps of known keys and free-key maps merge
  // key by key; anything else (scalars, lists, variant maps) is replaced whole.
  static YAML::Node Merge(const SchemaNode& s, const YAML::Node& base, const YAML::Node& over) {
    const bool mergeable = s.kind == Kind::kMap || s.kind == Kind::kStringMap;
    if (!mergeable || !base.IsMap() || !over.IsMap()) return YAML::Clone(over);
    YAML::Node out = YAML::Clone(base);
    for (const auto& entry : over) {
      const std::string key = entry.first.Scalar();
      const SchemaNode* child = nullptr;
      if (s.kind == Kind::kMap) {
        for (const auto& c : s.children) {
          if (c.name == key) child = &c;
        }
      }
      if (child && out[key]) {
        out[key] = Merge(*child, out[key], entry.second);
      } else {
        out[key] = YAML::Clone(entry.second);
      }
    }
    return out;
  }

  void AppendJson(const YAML::Node& n, const std::string& path, Mode mode, std::string* out) {
    if (n.IsMap()) {
      out->push_back('{');
      bool first = true;
      for (const auto& entry : n) {
        if (!first) out->push_back(',');
        first = false;
        const std::string key = entry.first.Scalar();
        AppendJsonString(key, out);
        out->push_back(':');
        AppendJson(entry.second, JoinConfigPath(path, key), mode, out);
      }
      out->push_back('}');
    } else if (n.IsSequence()) {
      out->push_back('[');
      for (size_t i = 0; i < n.size(); ++i) {
        if (i) out->push_back(',');
        AppendJson(n[i], path + "[" + std::to_string(i) + "]", mode, out);
      }
      out->push_back(']');
    } else if (n.IsScalar()) {
      const std::string value = Interpolate(n.Scalar(), path, mode);
      // Plain YAML scalars keep their YAML type; quoted ones (tag "!") are strings.
      if (n.Tag() != "!") {
        if (value == "true" || value == "false" || value == "null") {
          *out += value;
          return;
        }
        if (value == "~") {
          *out += "null";
          return;
        }
        if (IsJsonNumber(value)) {
          *out += value;
          return;
        }
      }
      AppendJsonString(value, out);
    } else {
      *out += "null";
    }
  }

  static bool IsJsonNumber(const std::string& v) {
    size_t i = 0;
    if (i < v.size() && v[i] == '-') ++i;
    if (i >= v.size() || !isdigit(static_cast<unsigned char>(v[i]))) return false;
    if (v[i] == '0' && i + 1 < v.size() && isdigit(static_cast<unsigned char>(v[i + 1]))) {
      return false;  // 007 is not a JSON number
    }
    while (i < v.size() && isdigit(static_cast<unsigned char>(v[i]))) ++i;
    if (i < v.size() && v[i] == '.') {
      ++i;
      if (i >= v.size() || !isdigit(static_cast<unsigned char>(v[i]))) return false;
      while (i < v.size() && isdigit(static_cast<unsigned char>(v[i]))) ++i;
    }
    if (i < v.size() && (v[i] == 'e' || v[i] == 'E')) {
      ++i;
      if (i < v.size() && (v[i] == '+' || v[i] == '-')) ++i;
      if (i >= v.size() || !isdigit(static_cast<unsigned char>(v[i]))) return false;
      while (i < v.size() && isdigit(static_cast<unsigned char>(v[i]))) ++i;
    }
    return i == v.size();
  }

  const ConfigContext& context_;
};

}  // namespace

std::string JoinConfigPath(const std::string& path, const std::string& child) {
  return path.empty() ? child : path + "." + child;
}

std::string InterpolateConfigValue(const std::string& value, const std::string& path,
                                   const ConfigContext& context, bool register_values) {
  std::string out;
  size_t pos = 0;
  while (pos < value.size()) {
    const size_t open = value.find("${", pos);
    if (open == std::string::npos) break;
    const size_t close = value.find('}', open + 2);
    if (close == std::string::npos) break;  // not a reference: kept as written
    out.append(value, pos, open - pos);
    const std::string name = value.substr(open + 2, close - open - 2);
    std::string resolved;
    if (const char* env = std::getenv(name.c_str())) {
      resolved = env;
    } else if (context.secrets && context.secrets->count(name)) {
      resolved = context.secrets->at(name);
    } else {
      throw UsageError(context.file + ": " + (path.empty() ? "" : path + ": ") + "${" + name +
                       "} is not set (neither in the environment nor in the secrets file)");
    }
    if (register_values) RegisterSecret(resolved);
    out += resolved;
    pos = close + 1;
  }
  out.append(value, pos, std::string::npos);
  return out;
}

YAML::Node ValidateConfig(const SchemaNode& root, const YAML::Node& document,
                          const ConfigContext& context) {
  Validator validator(context);
  return validator.Walk(root, document, "", Mode{});
}

}  // namespace sluice
