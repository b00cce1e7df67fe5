#include "storage/gcs/gcs_config.h"

#include <simdjson.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "core/value_parse.h"

namespace sluice {
namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

int64_t PositiveEnvInt(const char* name, int64_t fallback) {
  std::string text = Env(name);
  if (text.empty()) return fallback;
  int64_t v = 0;
  if (!ParseInt64(text, &v) || v <= 0) {
    throw UsageError(std::string(name) + " must be a positive integer, got '" + text + "'");
  }
  return v;
}

}  // namespace

void GcsConfig::Validate() const {
  if (endpoint.rfind("http://", 0) != 0 && endpoint.rfind("https://", 0) != 0) {
    throw UsageError("SLUICE_GCS_ENDPOINT must start with http:// or https://, got '" + endpoint +
                     "'");
  }
  if (list_page_size <= 0 || list_page_size > 1000) {
    throw UsageError("SLUICE_GCS_LIST_PAGE_SIZE must be between 1 and 1000, got " +
                     std::to_string(list_page_size));
  }
  if (upload_chunk_size == 0 || upload_chunk_size % kGcsUploadChunkMultiple != 0) {
    throw UsageError(
        "SLUICE_GCS_UPLOAD_CHUNK_SIZE must be a positive multiple of 262144 (256 KiB), got " +
        std::to_string(upload_chunk_size));
  }
}

GcsConfig GcsConfigFromEnvironment() {
  GcsConfig config;
  if (std::string e = Env("SLUICE_GCS_ENDPOINT"); !e.empty()) {
    while (!e.empty() && e.back() == '/') e.pop_back();
    config.endpoint = e;
  }
  config.bearer_token = Env("GCS_OAUTH_TOKEN");
  config.service_account_key_file = Env("GOOGLE_APPLICATION_CREDENTIALS");
  config.list_page_size = static_cast<int>(std::min<int64_t>(
      PositiveEnvInt("SLUICE_GCS_LIST_PAGE_SIZE", config.list_page_size), 1 << 30));
  config.upload_chunk_size = static_cast<size_t>(PositiveEnvInt(
      "SLUICE_GCS_UPLOAD_CHUNK_SIZE", static_cast<int64_t>(config.upload_chunk_size)));
  config.Validate();
  return config;
}

ServiceAccountKey LoadServiceAccountKey(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError("cannot read the service-account key file " + path);
  std::stringstream contents;
  contents << in.rdbuf();
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  // The file holds a private key: errors name the file and the field, never the content.
  if (parser.parse(contents.str()).get(doc) || !doc.is_object()) {
    throw UsageError("the service-account key file " + path + " is not a JSON object");
  }
  std::string_view type;
  if (!doc["type"].get(type) && type != "service_account") {
    throw UsageError("the key file " + path + " holds credentials of type '" + std::string(type) +
                     "'; sluice's GCS JSON API client takes a service-account key "
                     "(type service_account) or a token in GCS_OAUTH_TOKEN");
  }
  auto field = [&](const char* name, bool required) {
    std::string_view v;
    if (doc[name].get(v) || v.empty()) {
      if (required) {
        throw UsageError("the service-account key file " + path + " has no '" + name + "'");
      }
      return std::string();
    }
    return std::string(v);
  };
  ServiceAccountKey key;
  key.client_email = field("client_email", true);
  key.private_key_pem = field("private_key", true);
  key.private_key_id = field("private_key_id", false);
  if (std::string uri = field("token_uri", false); !uri.empty()) key.token_uri = uri;
  return key;
}

}  // namespace sluice
