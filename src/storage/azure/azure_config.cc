#include "storage/azure/azure_config.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <map>

#include "core/error.h"

namespace sluice {
namespace {

// Azurite's and the storage emulator's fixed development account (documented by Microsoft; not
// a secret).
constexpr const char* kDevAccount = "devstoreaccount1";
constexpr const char* kDevKey =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
constexpr const char* kDevBlobEndpoint = "http://127.0.0.1:10000/devstoreaccount1";

std::string Lower(std::string s) {
  for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::string StripTrailingSlashes(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

std::string StripLeadingQuestionMark(std::string s) {
  if (!s.empty() && s.front() == '?') s.erase(0, 1);
  return s;
}

// "https://acct.blob.core.windows.net" -> "acct"; "http://127.0.0.1:10000/devstoreaccount1" ->
// "devstoreaccount1" (emulators put the account in the path).
std::string AccountFromEndpoint(const std::string& endpoint) {
  const size_t scheme_end = endpoint.find("://");
  const size_t host_begin = scheme_end == std::string::npos ? 0 : scheme_end + 3;
  const size_t path_begin = endpoint.find('/', host_begin);
  const std::string host = endpoint.substr(host_begin, path_begin - host_begin);
  if (path_begin != std::string::npos && path_begin + 1 < endpoint.size()) {
    return endpoint.substr(path_begin + 1, endpoint.find('/', path_begin + 1) - path_begin - 1);
  }
  return host.substr(0, host.find('.'));
}

size_t PositiveFromEnv(const char* name, size_t fallback) {
  const std::string v = Env(name);
  if (v.empty()) return fallback;
  char* end = nullptr;
  const unsigned long long n = std::strtoull(v.c_str(), &end, 10);
  if (*end != '\0' || n == 0) throw UsageError(std::string(name) + " must be a positive integer");
  return size_t(n);
}

}  // namespace

std::string BlobEndpointOf(const AzureConfig& config) {
  if (!config.blob_endpoint.empty()) return StripTrailingSlashes(config.blob_endpoint);
  return "https://" + config.account + ".blob.core.windows.net";
}

AzureConfig ParseAzureConnectionString(const std::string& connection_string) {
  std::map<std::string, std::string> fields;  // lower-case key -> value
  size_t pos = 0;
  while (pos <= connection_string.size()) {
    size_t end = connection_string.find(';', pos);
    if (end == std::string::npos) end = connection_string.size();
    std::string segment = connection_string.substr(pos, end - pos);
    pos = end + 1;
    const auto first = segment.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) continue;
    segment = segment.substr(first, segment.find_last_not_of(" \t\r\n") - first + 1);
    const size_t eq = segment.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw UsageError("Azure connection string: a segment is not KEY=VALUE (segment " +
                       std::to_string(fields.size() + 1) + ")");
    }
    // Values may contain '=' (base64 keys, SAS tokens): split at the first one.
    fields[Lower(segment.substr(0, eq))] = segment.substr(eq + 1);
  }
  auto get = [&](const char* key) {
    auto it = fields.find(key);
    return it == fields.end() ? std::string() : it->second;
  };

  AzureConfig config;
  if (Lower(get("usedevelopmentstorage")) == "true") {
    config.account = kDevAccount;
    config.account_key = kDevKey;
    config.blob_endpoint = kDevBlobEndpoint;
    return config;
  }
  config.account = get("accountname");
  config.account_key = get("accountkey");
  config.sas_token = StripLeadingQuestionMark(get("sharedaccesssignature"));
  config.blob_endpoint = StripTrailingSlashes(get("blobendpoint"));
  if (config.blob_endpoint.empty()) {
    if (config.account.empty()) {
      throw UsageError("Azure connection string: needs AccountName or BlobEndpoint");
    }
    std::string protocol = Lower(get("defaultendpointsprotocol"));
    if (protocol.empty()) protocol = "https";
    if (protocol != "https" && protocol != "http") {
      throw UsageError("Azure connection string: DefaultEndpointsProtocol must be https or http");
    }
    std::string suffix = get("endpointsuffix");
    if (suffix.empty()) suffix = "core.windows.net";
    config.blob_endpoint = protocol + "://" + config.account + ".blob." + suffix;
  } else if (config.account.empty()) {
    config.account = AccountFromEndpoint(config.blob_endpoint);
  }
  if (config.account_key.empty() && config.sas_token.empty()) {
    throw UsageError(
        "Azure connection string: needs AccountKey or SharedAccessSignature (or "
        "UseDevelopmentStorage=true)");
  }
  return config;
}

AzureConfig AzureConfigFromEnvironment(const std::string& account_hint) {
  AzureConfig config;
  const std::string connection_string = Env("AZURE_STORAGE_CONNECTION_STRING");
  bool from_connection_string = false;
  if (!connection_string.empty()) {
    config = ParseAzureConnectionString(connection_string);
    // An abfs URL naming another account does not get this account's credentials.
    from_connection_string = account_hint.empty() || account_hint == config.account;
    if (!from_connection_string) config = AzureConfig();
  }
  if (!from_connection_string) {
    const std::string env_account = Env("AZURE_STORAGE_ACCOUNT");
    config.account = account_hint.empty() ? env_account : account_hint;
    if (config.account.empty()) {
      throw UsageError(
          "az:// needs a storage account: set AZURE_STORAGE_CONNECTION_STRING or "
          "AZURE_STORAGE_ACCOUNT (with AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN)");
    }
    // Credentials in the environment belong to AZURE_STORAGE_ACCOUNT (or to whatever account
    // is used when it is unset).
    if (env_account.empty() || env_account == config.account) {
      config.account_key = Env("AZURE_STORAGE_KEY");
      config.sas_token = StripLeadingQuestionMark(Env("AZURE_STORAGE_SAS_TOKEN"));
    }
  }
  config.block_size = PositiveFromEnv("SLUICE_AZURE_BLOCK_SIZE", config.block_size);
  config.upload_parallelism =
      int(std::min<size_t>(PositiveFromEnv("SLUICE_AZURE_UPLOAD_PARALLELISM", 4), 64));
  config.list_page_size =
      int(std::min<size_t>(PositiveFromEnv("SLUICE_AZURE_LIST_PAGE_SIZE", 5000), 5000));
  return config;
}

AzureBlobUri ParseAzureBlobUri(const std::string& uri) {
  AzureBlobUri out;
  const size_t scheme_end = uri.find("://");
  if (scheme_end == std::string::npos) throw UsageError("not an Azure Blob URI: " + uri);
  out.scheme = Lower(uri.substr(0, scheme_end));
  if (out.scheme != "az" && out.scheme != "abfs" && out.scheme != "abfss") {
    throw UsageError("not an Azure Blob URI (az://, abfs://, abfss://): " + uri);
  }
  const size_t authority_begin = scheme_end + 3;
  size_t authority_end = uri.find('/', authority_begin);
  if (authority_end == std::string::npos) authority_end = uri.size();
  const std::string authority = uri.substr(authority_begin, authority_end - authority_begin);
  if (out.scheme == "az") {
    out.container = authority;
  } else {
    // abfs[s]://container@account.dfs.core.windows.net/path
    const size_t at = authority.find('@');
    if (at == std::string::npos) {
      throw UsageError("abfs URI needs container@account.dfs.core.windows.net: " + uri);
    }
    out.container = authority.substr(0, at);
    const std::string host = authority.substr(at + 1);
    out.account = host.substr(0, host.find('.'));
    if (out.account.empty()) throw UsageError("abfs URI names no account: " + uri);
  }
  if (out.container.empty()) throw UsageError("Azure URI names no container: " + uri);
  out.root = uri.substr(0, authority_end) + "/";
  out.blob = authority_end < uri.size() ? uri.substr(authority_end + 1) : "";
  return out;
}

std::string AzureAccountOfUri(const std::string& uri) {
  return ParseAzureBlobUri(uri).account;
}

}  // namespace sluice
