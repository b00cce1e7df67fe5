#include "config/secrets.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <mutex>
#include <set>
#include <vector>

#include "core/error.h"
#include "storage/http/http_client.h"

namespace sluice {
namespace {

constexpr size_t kMinRedactedLength = 4;

struct Registry {
  std::mutex mu;
  std::set<std::string> all;
  std::vector<std::string> redacted;  // the long enough ones, longest first
};

Registry& GetRegistry() {
  static Registry* registry = new Registry();  // never destroyed: usable during exit
  return *registry;
}

}  // namespace

namespace {

void RegisterOne(const std::string& value) {
  Registry& r = GetRegistry();
  std::lock_guard<std::mutex> lock(r.mu);
  if (!r.all.insert(value).second || value.size() < kMinRedactedLength) return;
  // Longest first, so a secret containing another is replaced whole.
  const auto at = std::lower_bound(
      r.redacted.begin(), r.redacted.end(), value,
      [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  r.redacted.insert(at, value);
}

}  // namespace

void RegisterSecret(const std::string& value) {
  if (value.empty()) return;
  RegisterOne(value);
  // URLs carry secrets percent-encoded (a base64 key's + / =): redact that spelling too (once:
  // encoding the encoded form again would never end).
  if (const std::string encoded = UriEncode(value, false); encoded != value) RegisterOne(encoded);
}

std::string RedactSecrets(std::string text) {
  Registry& r = GetRegistry();
  std::lock_guard<std::mutex> lock(r.mu);
  for (const auto& s : r.redacted) {
    size_t pos = 0;
    while ((pos = text.find(s, pos)) != std::string::npos) {
      text.replace(pos, s.size(), "***");
      pos += 3;
    }
  }
  return text;
}

void ClearSecretsForTesting() {
  Registry& r = GetRegistry();
  std::lock_guard<std::mutex> lock(r.mu);
  r.all.clear();
  r.redacted.clear();
}

std::map<std::string, std::string> LoadSecretsFile(const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    throw UsageError(path + ": cannot read the secrets file");
  } catch (const YAML::Exception& e) {
    throw UsageError(path + ":" + std::to_string(e.mark.line + 1) + ":" +
                     std::to_string(e.mark.column + 1) + ": invalid YAML: " + e.msg);
  }
  std::map<std::string, std::string> values;
  if (root.IsNull()) return values;
  if (!root.IsMap()) throw UsageError(path + ": a secrets file maps NAME: value");
  for (const auto& entry : root) {
    const std::string name = entry.first.Scalar();
    if (!entry.second.IsScalar()) {
      // The value is not echoed: it may be a secret.
      throw UsageError(path + ": " + name + ": expects a single value");
    }
    values[name] = entry.second.Scalar();
    RegisterSecret(entry.second.Scalar());
  }
  return values;
}

}  // namespace sluice
