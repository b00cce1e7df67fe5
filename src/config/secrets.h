#pragma once
// Process-wide registry of configuration secrets, so no message, log line or report prints one.
// The config loaders register every value that came from a secrets file and every value of a
// secret-bearing key (auth token / api_key / password / client_secret, webhook signature secret),
// whether literal or interpolated. Thread-safe.
#include <map>
#include <string>

namespace sluice {

// Adds `value` to the registry (empty values are ignored).
void RegisterSecret(const std::string& value);

// `text` with every registered secret of 4 or more characters replaced by "***". Shorter secrets
// stay registered but are not substituted: replacing every "a" or "12" in a message would mangle
// it while protecting almost nothing. Longer secrets are replaced first, so a secret that
// contains another is hidden whole.
std::string RedactSecrets(std::string text);

// Forgets every registered secret (tests).
void ClearSecretsForTesting();

// Reads a secrets file: a YAML mapping NAME: value (scalars only). Registers every value.
// Throws UsageError naming the file for unreadable or malformed files.
std::map<std::string, std::string> LoadSecretsFile(const std::string& path);

}  // namespace sluice
