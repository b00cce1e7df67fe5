#include "config/config_reference.h"

#include <map>
#include <vector>

#include "config/config_schema.h"

namespace sluice {
namespace {

using Kind = SchemaNode::Kind;

struct Row {
  std::string path, type, default_text, doc;
};

// Markdown table cells: a pipe would end the cell.
std::string Cell(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

std::string Code(const std::string& text) {
  return "`" + text + "`";
}

std::string TypeText(const SchemaNode& n) {
  std::string type;
  switch (n.kind) {
    case Kind::kString:
      return "string";
    case Kind::kInt:
      return "integer" + std::string(n.minimum ? " " : "") + SchemaMinimumText(n);
    case Kind::kNumber:
      return "number" + std::string(n.minimum ? " " : "") + SchemaMinimumText(n);
    case Kind::kBool:
      return "boolean";
    case Kind::kEnum: {
      for (const auto& a : n.allowed) type += (type.empty() ? "" : " | ") + Code(a);
      return type;
    }
    case Kind::kMap:
      type = "map";
      break;
    case Kind::kVariant:
      type = "map by " + Code(n.discriminator);
      break;
    case Kind::kList:
      return n.children[0].kind == Kind::kString ? "list of strings" : "list";
    case Kind::kStringMap:
      return n.children.empty() ? "map of strings" : "map";
    case Kind::kStringOrList:
      return "string or list of strings";
    case Kind::kAny:
      return "any (sent as JSON)";
  }
  if (n.accepts_scalar) {
    if (!n.scalar_key.empty()) return type + " or string (= " + Code(n.scalar_key) + ")";
    if (!n.allowed.empty()) {
      std::string modes;
      for (const auto& a : n.allowed) modes += (modes.empty() ? "" : " | ") + Code(a);
      return modes + " or " + type;
    }
    return "string or " + type;
  }
  return type;
}

std::string DefaultText(const SchemaNode& n) {
  if (n.required) return "required";
  if (n.default_text.empty()) return "";
  if (n.default_text.starts_with("the ")) return n.default_text;  // prose, not a value
  return Code(n.default_text);
}

// Rows of a table, one per key path.
class TableBuilder {
 public:
  std::string Render(const SchemaNode& root) {
    AddChildren(root, "", "");
    std::string out = "| Key | Type | Default | Description |\n|---|---|---|---|\n";
    for (const auto& r : rows_) {
      out += "| " + Code(r.path) + " | " + Cell(r.type) + " | " + Cell(r.default_text) + " | " +
             Cell(r.doc) + " |\n";
    }
    return out;
  }

 private:
  void AddRow(const SchemaNode& n, const std::string& path, const std::string& note) {
    std::string doc = n.doc;
    const bool container =
        n.kind == Kind::kMap || n.kind == Kind::kVariant || n.kind == Kind::kStringMap;
    if (n.secret && container) doc += ". Values of ${NAME} used inside are redacted from messages";
    // A block declared once and used in several places (the paginator) is listed once.
    const bool nested = !n.children.empty() || !n.variants.empty();
    const std::string identity = n.name + "\n" + n.doc;
    if (container && nested && rendered_.count(identity)) {
      rows_.push_back({path, TypeText(n), DefaultText(n),
                       note + doc + ". Same keys as " + Code(rendered_.at(identity))});
      return;
    }
    if (container && nested) rendered_.emplace(identity, path);
    if (n.partial) {
      rows_.push_back({path, TypeText(n), DefaultText(n),
                       note + doc + "; any key of a resource except `name`"});
      return;
    }
    rows_.push_back({path, TypeText(n), DefaultText(n), note + doc});
    AddChildren(n, path, note);
  }

  void AddChildren(const SchemaNode& n, const std::string& path, const std::string& note) {
    auto join = [&](const std::string& name) { return path.empty() ? name : path + "." + name; };
    switch (n.kind) {
      case Kind::kMap:
        for (const auto& c : n.children) AddRow(c, join(c.name), note);
        break;
      case Kind::kList:
        AddChildren(n.children[0], path + "[]", note);
        break;
      case Kind::kStringMap:
        if (n.children.empty()) break;
        if (n.children[0].kind == Kind::kAny) {
          AddRow(n.children[0], path + ".<name>", note);
        } else {
          AddChildren(n.children[0], path + ".<name>", note);
        }
        break;
      case Kind::kVariant:
        AddVariantRows(n, path, note, join);
        break;
      default:
        break;
    }
  }

  template <typename Join>
  void AddVariantRows(const SchemaNode& n, const std::string& path, const std::string& note,
                      const Join& join) {
    std::string doc;
    for (const auto& v : n.variants)
      doc += (doc.empty() ? "" : "; ") + Code(v.value) + ": " + v.doc;
    SchemaNode d;
    d.kind = Kind::kEnum;
    for (const auto& v : n.variants) d.allowed.push_back(v.value);
    d.required = n.default_variant.empty();
    d.default_text = n.default_variant;
    rows_.push_back({join(n.discriminator), TypeText(d), DefaultText(d), note + doc});
    // A key several variants share (same type, default and doc) gets one row naming them.
    struct Shared {
      const SchemaNode* node;
      std::vector<std::string> variants;
    };
    std::vector<Shared> keys;
    for (const auto& v : n.variants) {
      for (const auto& c : v.children) {
        Shared* found = nullptr;
        for (auto& k : keys) {
          if (k.node->name == c.name && k.node->kind == c.kind &&
              k.node->default_text == c.default_text && k.node->doc == c.doc &&
              k.node->required == c.required) {
            found = &k;
          }
        }
        if (found) {
          found->variants.push_back(v.value);
        } else {
          keys.push_back({&c, {v.value}});
        }
      }
    }
    for (const auto& k : keys) {
      std::string which;
      for (const auto& v : k.variants) which += (which.empty() ? "" : ", ") + v;
      // Keys of every variant need no note.
      const std::string key_note = k.variants.size() == n.variants.size()
                                       ? note
                                       : note + "(" + n.discriminator + ": " + which + ") ";
      AddRow(*k.node, join(k.node->name), key_note);
    }
  }

  std::vector<Row> rows_;
  std::map<std::string, std::string> rendered_;  // block identity -> first path
};

std::string Table(const SchemaNode& root) {
  return TableBuilder().Render(root);
}

}  // namespace

std::string RenderPipelineReference() {
  std::string out;
  out +=
      "# Pipeline and webhook file reference\n"
      "\n"
      "<!-- Generated from src/config/config_schema.cc by RenderPipelineReference()\n"
      "     (src/config/config_reference.h). Do not edit by hand: run\n"
      "     SLUICE_UPDATE_REFERENCE=1 build/sluice_config_tests --gtest_filter='Reference*' -->\n"
      "\n"
      "`sluice run PIPELINE.yaml` reads a pipeline file (REST and GraphQL API sources, in the "
      "shape of dlt's `rest_api` configuration); `sluice serve CONFIG.yaml` reads a webhook "
      "file. Both are YAML. Rules common to both:\n"
      "\n"
      "- Every key is checked: an unknown key, a value of the wrong type, a missing required "
      "key or a value outside a key's choices is an error naming the file, the key's path "
      "(`sources[0].client.auth.tokn`) and what is allowed.\n"
      "- `${NAME}` in any value is replaced by the environment variable NAME, or else by NAME "
      "from the secrets file (a YAML mapping `NAME: value` named on the command line). A name "
      "set in neither is an error.\n"
      "- Secrets never appear in messages: every value of the secrets file, every value of a "
      "credential key (auth `token`, `api_key`, `password`, `client_secret`, signature "
      "`secret`) and every `${NAME}` value used inside `auth`, `headers`, client `params` or "
      "`signature` is replaced by `***` (values shorter than 4 characters are left alone).\n"
      "- Some keys take a short form: `paginator: header_link` is `paginator: {type: "
      "header_link}`, `auth: none` is `auth: {type: none}`, a resource given as a bare string "
      "is `{name: NAME}` (its path is then its name), `endpoint: issues` is `endpoint: {path: "
      "issues}`, `primary_key: id` is `primary_key: [id]`.\n"
      "- `resource_defaults` is merged into every resource of its source: maps merge key by "
      "key, anything else (including whole `paginator` and `auth` maps and param values) is "
      "taken from the resource when it sets it.\n"
      "- A child resource names its parent through an endpoint param `{type: resolve, "
      "resource: PARENT, field: PATH}`; the param fills the path placeholder of the same name "
      "(`issues/{number}/comments`) or else is sent as a query parameter.\n"
      "\n"
      "Paths below use `[]` for list items and `<name>` for free keys.\n"
      "\n"
      "## Pipeline file\n\n";
  out += PipelineFileSchema().doc + "\n\n";
  out += Table(PipelineFileSchema());
  out += "\n## Webhook file\n\n";
  out += WebhookFileSchema().doc + "\n\n";
  out += Table(WebhookFileSchema());
  return out;
}

}  // namespace sluice
