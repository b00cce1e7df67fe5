#pragma once
// Checks a parsed YAML document against a config_schema.h declaration and returns it in one
// canonical shape, so the loaders read values without re-checking anything:
// - shorthands expanded (`paginator: header_link` -> {type: header_link}, a bare resource name
//   -> {name: ...}); a variant map always carries its discriminator;
// - ${NAME} interpolated in every scalar (environment first, then the secrets file);
// - booleans as "true"/"false", free-form values (kAny) as JSON text, string-or-list as a list;
// - resource_defaults merged into every resource (then dropped).
// Secret-bearing values are registered with config/secrets.h on the way.
#include <yaml-cpp/yaml.h>

#include <map>
#include <string>

#include "config/config_schema.h"

namespace sluice {

struct ConfigContext {
  std::string file;                                   // message prefix
  const std::map<std::string, std::string>* secrets;  // from the secrets file; may be null
};

// Throws UsageError "FILE: PATH: problem" (e.g. "p.yaml: sources[0].client.auth.tokn: unknown
// key (expected one of: type, token)").
YAML::Node ValidateConfig(const SchemaNode& root, const YAML::Node& document,
                          const ConfigContext& context);

// ${NAME} -> the environment variable NAME, else the secrets file's NAME. `path` names the key
// in the message for an unset variable. Values of variables inside a secret section are
// registered when `register_values` is set.
std::string InterpolateConfigValue(const std::string& value, const std::string& path,
                                   const ConfigContext& context, bool register_values);

// Appends `child` to a key path ("" + "a" = "a", "a" + "b" = "a.b").
std::string JoinConfigPath(const std::string& path, const std::string& child);

}  // namespace sluice
