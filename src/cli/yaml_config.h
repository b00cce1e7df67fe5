#pragma once
// Pipeline config files for `sluice load --config FILE`: a YAML mapping whose keys are the long
// options of the command (`mode: merge`, `primary_key: [id]`, `schema_contract: {columns:
// freeze}`, `source: data/*.csv`, `destination: ...`). Options given on the command line win over
// the file; keys that are not options are errors. `${NAME}` in a value is replaced by the
// environment variable NAME (an unset variable is an error), so credentials stay out of the file.
#include <CLI/CLI.hpp>

#include <string>

namespace sluice {

// Sets every option of `command` that the command line left unset from the file.
void ApplyConfigFile(const std::string& path, CLI::App* command);

// Replaces ${NAME} with the environment variable NAME; throws a usage error if it is unset.
std::string InterpolateEnvironment(const std::string& value);

}  // namespace sluice
