#pragma once
// The one declaration of every key a pipeline file (`sluice run`) or a webhook file (`sluice
// serve`) accepts. Validation (config_validate.h) walks a YAML document against it, and the
// reference renderer (config_reference.h) turns it into docs/pipeline-reference.md, so the two
// cannot drift apart.
#include <optional>
#include <string>
#include <vector>

namespace sluice {

struct SchemaNode;

// One form of a map whose allowed keys depend on a discriminator key (auth `type`, signature
// `scheme`, ...). The discriminator itself is not listed in `children`.
struct SchemaVariant {
  std::string value;  // the discriminator's value
  std::string doc;
  std::vector<SchemaNode> children;
};

struct SchemaNode {
  enum class Kind {
    kString,
    kInt,
    kNumber,
    kBool,
    kEnum,          // a string out of `allowed`
    kMap,           // known keys: `children`
    kVariant,       // known keys chosen by `discriminator`: `variants`
    kList,          // elements: children[0]
    kStringMap,     // free keys; values: children[0] if set, else strings
    kStringOrList,  // `id` or `[a, b]`
    kAny,           // free-form value, kept as JSON (request bodies, GraphQL variables)
  };
  std::string name;
  Kind kind = Kind::kString;
  bool required = false;
  std::string default_text;  // as documented; the struct's initializer is the real default
  std::string doc;
  std::vector<std::string> allowed;  // kEnum
  std::vector<SchemaNode> children;  // kMap keys, kList / kStringMap element
  std::string discriminator;         // kVariant
  std::string default_variant;       // kVariant: used when the discriminator is absent
  std::vector<SchemaVariant> variants;
  // kMap / kVariant / kStringMap element: a scalar is accepted too. With `scalar_key` set it
  // stands for {scalar_key: value} (`paginator: header_link`, a bare resource name); with
  // `scalar_key` empty it stays a plain string (a static request parameter).
  bool accepts_scalar = false;
  std::string scalar_key;
  // A leaf's value is a credential: registered for redaction (config/secrets.h) whatever its
  // origin. On a container (auth, headers, signature): every ${NAME} value interpolated inside
  // is registered too, since e.g. `Authorization: Bearer ${TOKEN}` carries one.
  bool secret = false;
  // kInt / kNumber: the smallest value allowed (inclusive, or exclusive for `> 0`).
  std::optional<double> minimum;
  bool exclusive_minimum = false;
  // kList: the name of a sibling map (resource_defaults) merged under every element before the
  // element is validated; the element's own keys win.
  std::string merge_from;
  // A map of defaults: checked for unknown keys and types but not for required keys, and not
  // interpolated (that happens once it is merged into each element).
  bool partial = false;
};

// Roots of the two file kinds (kMap nodes, named after the file kind).
const SchemaNode& PipelineFileSchema();
const SchemaNode& WebhookFileSchema();

// Short type name for messages ("a number", "an integer >= 1", "one of: a, b").
std::string SchemaTypeName(const SchemaNode& node);

// The bound of a kInt / kNumber key as text (">= 1", "> 0"); "" when there is none.
std::string SchemaMinimumText(const SchemaNode& node);

}  // namespace sluice
