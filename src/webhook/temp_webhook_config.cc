// TEMPORARY until branch issue5-config (H1) is merged: a minimal LoadWebhookConfig so `sluice
// serve` and its tests run. Delete this file when merging H1's implementation.
#include <yaml-cpp/yaml.h>

#include "cli/yaml_config.h"
#include "config/pipeline_config.h"
#include "core/error.h"

namespace sluice {

namespace {

std::string Text(const YAML::Node& n) {
  return InterpolateEnvironment(n.as<std::string>());
}

}  // namespace

WebhookConfig LoadWebhookConfig(const std::string& path, const std::string& secrets_file) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const std::exception& e) {
    throw UsageError(path + ": " + e.what());
  }
  WebhookConfig c;
  c.file = path;
  if (root["pipeline"]) c.pipeline = Text(root["pipeline"]);
  if (root["destination"]) c.destination = Text(root["destination"]);
  if (root["listen"]) c.listen = Text(root["listen"]);
  if (root["tls_cert_file"]) c.tls_cert_file = Text(root["tls_cert_file"]);
  if (root["tls_key_file"]) c.tls_key_file = Text(root["tls_key_file"]);
  if (root["spool_dir"]) c.spool_dir = Text(root["spool_dir"]);
  if (root["max_body_bytes"]) c.max_body_bytes = root["max_body_bytes"].as<uint64_t>();
  if (root["batch_rows"]) c.batch_rows = root["batch_rows"].as<uint64_t>();
  if (root["batch_interval_s"]) c.batch_interval_s = root["batch_interval_s"].as<double>();
  for (const YAML::Node& r : root["routes"]) {
    WebhookRouteConfig route;
    route.path = Text(r["path"]);
    route.table = Text(r["table"]);
    if (r["id_path"]) route.id_path = Text(r["id_path"]);
    if (r["max_nesting"]) route.max_nesting = r["max_nesting"].as<int>();
    if (const YAML::Node s = r["signature"]) {
      const std::string scheme = Text(s["scheme"]);
      if (scheme == "stripe")
        route.signature.scheme = SignatureConfig::Scheme::kStripe;
      else if (scheme == "github")
        route.signature.scheme = SignatureConfig::Scheme::kGithub;
      else if (scheme == "hmac")
        route.signature.scheme = SignatureConfig::Scheme::kHmac;
      else if (scheme != "none")
        throw UsageError("unknown signature scheme " + scheme);
      if (s["secret"]) route.signature.secret = Text(s["secret"]);
      if (s["tolerance_s"]) route.signature.tolerance_s = s["tolerance_s"].as<int64_t>();
      if (s["header"]) route.signature.header = Text(s["header"]);
      if (s["algorithm"]) route.signature.algorithm = Text(s["algorithm"]);
      if (s["encoding"]) route.signature.encoding = Text(s["encoding"]);
      if (s["prefix"]) route.signature.prefix = Text(s["prefix"]);
    }
    c.routes.push_back(route);
  }
  return c;
}

}  // namespace sluice
