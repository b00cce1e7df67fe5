#include "storage/s3/s3_config.h"

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/error.h"

namespace sluice {
namespace {

constexpr size_t kMinPartSize = 5 << 20;          // S3: every part but the last
constexpr size_t kMaxPartSize = size_t{5} << 30;  // S3: 5 GiB per part

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

bool EnvSet(const char* name) {
  return std::getenv(name) != nullptr;
}

std::string Trim(const std::string& s) {
  size_t begin = s.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return "";
  size_t end = s.find_last_not_of(" \t\r\n");
  return s.substr(begin, end - begin + 1);
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Reads an AWS shared file. A missing default file is normal (no profile configured); a file
// named explicitly by its environment variable must exist.
IniSections ReadAwsFile(const std::string& path, const char* env_name) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (EnvSet(env_name)) throw UsageError(std::string(env_name) + "=" + path + ": cannot read");
    return {};
  }
  std::stringstream text;
  text << in.rdbuf();
  return ParseAwsIni(text.str());
}

const std::map<std::string, std::string>* Section(const IniSections& ini, const std::string& name) {
  auto it = ini.find(name);
  return it == ini.end() ? nullptr : &it->second;
}

std::string Value(const std::map<std::string, std::string>* section, const std::string& key) {
  if (!section) return "";
  auto it = section->find(key);
  return it == section->end() ? "" : it->second;
}

std::string NormalizeEndpoint(std::string endpoint, const std::string& source) {
  endpoint = Trim(endpoint);
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  std::string lower = Lower(endpoint);
  if (lower.rfind("http://", 0) != 0 && lower.rfind("https://", 0) != 0) {
    throw UsageError(source + ": endpoint must start with http:// or https://, got '" + endpoint +
                     "'");
  }
  return endpoint;
}

// Part size, upload parallelism and page size apply to S3 and to GCS's XML API alike.
void ApplyTransferSettings(S3Config& config) {
  if (EnvSet("SLUICE_S3_PART_SIZE")) {
    std::string text = Env("SLUICE_S3_PART_SIZE");
    char* end = nullptr;
    unsigned long long value = std::strtoull(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || value < kMinPartSize || value > kMaxPartSize) {
      throw UsageError(
          "SLUICE_S3_PART_SIZE must be a byte count between 5 MiB (5242880) and "
          "5 GiB, got '" +
          text + "'");
    }
    config.part_size = static_cast<size_t>(value);
  }
  if (EnvSet("SLUICE_S3_UPLOAD_PARALLELISM")) {
    std::string text = Env("SLUICE_S3_UPLOAD_PARALLELISM");
    char* end = nullptr;
    long value = std::strtol(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || value < 1 || value > 16) {
      throw UsageError("SLUICE_S3_UPLOAD_PARALLELISM must be between 1 and 16, got '" + text + "'");
    }
    config.upload_parallelism = static_cast<int>(value);
  }
  if (EnvSet("SLUICE_S3_LIST_PAGE_SIZE")) {
    std::string text = Env("SLUICE_S3_LIST_PAGE_SIZE");
    char* end = nullptr;
    long value = std::strtol(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || value < 1 || value > 1000) {
      throw UsageError("SLUICE_S3_LIST_PAGE_SIZE must be between 1 and 1000, got '" + text + "'");
    }
    config.list_page_size = static_cast<int>(value);
  }
}

}  // namespace

bool S3BucketIsVirtualHostable(const std::string& bucket) {
  if (bucket.empty() || bucket.size() > 63) return false;
  for (char c : bucket) {
    bool allowed = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!allowed) return false;
  }
  return bucket.front() != '-' && bucket.back() != '-';
}

IniSections ParseAwsIni(const std::string& text) {
  IniSections sections;
  std::map<std::string, std::string>* current = nullptr;
  std::string subsection;
  std::istringstream in(text);
  std::string raw;
  while (std::getline(in, raw)) {
    std::string line = Trim(raw);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      // "[ profile  dev ]" and "[profile dev]" name the same section.
      std::string name = Trim(line.substr(1, line.size() - 2));
      std::string normalized;
      for (char c : name) {
        if ((c == ' ' || c == '\t') && !normalized.empty() && normalized.back() == ' ') continue;
        normalized += (c == '\t') ? ' ' : c;
      }
      current = &sections[normalized];
      subsection.clear();
      continue;
    }
    size_t eq = line.find('=');
    if (!current || eq == std::string::npos) continue;  // the CLI ignores such lines too
    std::string key = Lower(Trim(line.substr(0, eq)));
    std::string value = Trim(line.substr(eq + 1));
    bool indented = raw[0] == ' ' || raw[0] == '\t';
    if (!indented) subsection.clear();
    if (value.empty() && !indented) {
      subsection = key;  // "s3 =" opens a nested block of indented keys
      continue;
    }
    (*current)[subsection.empty() ? key : subsection + "." + key] = value;
  }
  return sections;
}

S3Config S3ConfigFromEnvironment(const std::string& bucket) {
  S3Config config;
  std::string home = Env("HOME");
  std::string profile = EnvSet("AWS_PROFILE") ? Env("AWS_PROFILE") : "default";
  if (profile.empty()) profile = "default";
  std::string credentials_path = EnvSet("AWS_SHARED_CREDENTIALS_FILE")
                                     ? Env("AWS_SHARED_CREDENTIALS_FILE")
                                     : home + "/.aws/credentials";
  std::string config_path =
      EnvSet("AWS_CONFIG_FILE") ? Env("AWS_CONFIG_FILE") : home + "/.aws/config";
  IniSections credentials_file = ReadAwsFile(credentials_path, "AWS_SHARED_CREDENTIALS_FILE");
  IniSections config_file = ReadAwsFile(config_path, "AWS_CONFIG_FILE");

  const auto* credentials_section = Section(credentials_file, profile);
  const auto* config_section = Section(config_file, "profile " + profile);
  if (!config_section && profile == "default") config_section = Section(config_file, "default");
  if (!EnvSet("AWS_ACCESS_KEY_ID") && EnvSet("AWS_PROFILE") && !Env("AWS_PROFILE").empty() &&
      !credentials_section && !config_section) {
    throw UsageError("AWS_PROFILE=" + profile + ": no such profile in " + credentials_path +
                     " or " + config_path);
  }

  // Keys: the environment, else the profile in the credentials file, else in the config file.
  if (!Env("AWS_ACCESS_KEY_ID").empty() || !Env("AWS_SECRET_ACCESS_KEY").empty()) {
    config.access_key_id = Env("AWS_ACCESS_KEY_ID");
    config.secret_access_key = Env("AWS_SECRET_ACCESS_KEY");
    config.session_token = Env("AWS_SESSION_TOKEN");
    if (config.access_key_id.empty() || config.secret_access_key.empty()) {
      throw UsageError("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together");
    }
  } else {
    for (const auto* section : {credentials_section, config_section}) {
      if (Value(section, "aws_access_key_id").empty()) continue;
      config.access_key_id = Value(section, "aws_access_key_id");
      config.secret_access_key = Value(section, "aws_secret_access_key");
      config.session_token = Value(section, "aws_session_token");
      if (config.secret_access_key.empty()) {
        throw UsageError("AWS profile '" + profile +
                         "' has aws_access_key_id but no aws_secret_access_key");
      }
      break;
    }
    if (config.Anonymous()) {
      for (const char* unsupported : {"role_arn", "credential_process", "sso_start_url",
                                      "sso_session", "web_identity_token_file"}) {
        if (!Value(config_section, unsupported).empty() ||
            !Value(credentials_section, unsupported).empty()) {
          throw UsageError("AWS profile '" + profile + "' uses " + unsupported +
                           ", which sluice does not support; export AWS_ACCESS_KEY_ID, "
                           "AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN instead (e.g. from "
                           "`aws configure export-credentials --format env`)");
        }
      }
    }
  }

  if (!Env("AWS_REGION").empty()) {
    config.region = Env("AWS_REGION");
  } else if (!Env("AWS_DEFAULT_REGION").empty()) {
    config.region = Env("AWS_DEFAULT_REGION");
  } else if (!Value(config_section, "region").empty()) {
    config.region = Value(config_section, "region");
  }

  if (!Env("AWS_ENDPOINT_URL_S3").empty()) {
    config.endpoint = NormalizeEndpoint(Env("AWS_ENDPOINT_URL_S3"), "AWS_ENDPOINT_URL_S3");
  } else if (!Env("AWS_ENDPOINT_URL").empty()) {
    config.endpoint = NormalizeEndpoint(Env("AWS_ENDPOINT_URL"), "AWS_ENDPOINT_URL");
  } else if (!Value(config_section, "s3.endpoint_url").empty()) {
    config.endpoint =
        NormalizeEndpoint(Value(config_section, "s3.endpoint_url"), config_path + " endpoint_url");
  } else if (!Value(config_section, "endpoint_url").empty()) {
    config.endpoint =
        NormalizeEndpoint(Value(config_section, "endpoint_url"), config_path + " endpoint_url");
  }

  std::string addressing = Lower(Env("SLUICE_S3_ADDRESSING"));
  if (addressing == "path") {
    config.path_style = true;
  } else if (addressing == "virtual") {
    config.path_style = false;
  } else if (addressing.empty()) {
    config.path_style = !config.endpoint.empty();
  } else {
    throw UsageError("SLUICE_S3_ADDRESSING must be 'path' or 'virtual', got '" +
                     Env("SLUICE_S3_ADDRESSING") + "'");
  }
  if (!bucket.empty() && !S3BucketIsVirtualHostable(bucket)) config.path_style = true;

  ApplyTransferSettings(config);
  return config;
}

bool GcsHmacConfigured() {
  return !Env("GCS_HMAC_ACCESS_ID").empty() && !Env("GCS_HMAC_SECRET").empty();
}

S3Config GcsXmlConfigFromEnvironment() {
  S3Config config;
  config.scheme = "gs";
  config.region = "auto";
  config.path_style = true;
  config.endpoint =
      Env("SLUICE_GCS_XML_ENDPOINT").empty()
          ? "https://storage.googleapis.com"
          : NormalizeEndpoint(Env("SLUICE_GCS_XML_ENDPOINT"), "SLUICE_GCS_XML_ENDPOINT");
  if (!Env("GCS_HMAC_ACCESS_ID").empty() || !Env("GCS_HMAC_SECRET").empty()) {
    if (!GcsHmacConfigured()) {
      throw UsageError("GCS_HMAC_ACCESS_ID and GCS_HMAC_SECRET must be set together");
    }
    config.access_key_id = Env("GCS_HMAC_ACCESS_ID");
    config.secret_access_key = Env("GCS_HMAC_SECRET");
  }
  ApplyTransferSettings(config);
  return config;
}

}  // namespace sluice
