#include "storage/storage.h"

#include <map>
#include <mutex>

#include "core/error.h"
#include "storage/azure/azure_config.h"
#include "storage/azure/azure_storage.h"
#include "storage/gcs/gcs_config.h"
#include "storage/gcs/gcs_storage.h"
#include "storage/http/http_client.h"
#include "storage/http/http_storage.h"
#include "storage/local/local_storage.h"
#include "storage/s3/s3_config.h"
#include "storage/s3/s3_storage.h"

namespace sluice {
namespace {

std::string SchemeOf(const std::string& uri) {
  const size_t colon = uri.find("://");
  if (colon == std::string::npos) return "";
  std::string scheme = uri.substr(0, colon);
  for (char& c : scheme) c = char(std::tolower(static_cast<unsigned char>(c)));
  return scheme;
}

// "s3://bucket/key" -> "bucket"; "abfs://container@account.dfs.../x" -> "container@account...".
std::string AuthorityOf(const std::string& uri) {
  const size_t start = uri.find("://") + 3;
  const size_t slash = uri.find('/', start);
  return uri.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
}

std::unique_ptr<Storage> MakeStorage(const std::string& scheme, const std::string& authority) {
  if (scheme.empty() || scheme == "file") return MakeLocalStorage();
  if (scheme == "http" || scheme == "https") return MakeHttpStorage(HttpOptions::FromEnvironment());
  if (scheme == "s3") {
    return MakeS3Storage(S3ConfigFromEnvironment(authority), HttpOptions::FromEnvironment());
  }
  if (scheme == "az" || scheme == "abfs" || scheme == "abfss") {
    // The account comes from an abfs URL's host, else from the environment.
    return MakeAzureStorage(AzureConfigFromEnvironment(AzureAccountOfUri(scheme + "://" + authority)),
                            HttpOptions::FromEnvironment());
  }
  // GCS: HMAC keys select the S3-compatible XML API.
  if (scheme == "gs" && GcsHmacConfigured()) {
    return MakeS3Storage(GcsXmlConfigFromEnvironment(), HttpOptions::FromEnvironment());
  }
  if (scheme == "gs") return MakeGcsStorage(GcsConfigFromEnvironment(), HttpOptions::FromEnvironment());
  throw UsageError("unsupported storage scheme '" + scheme +
                   "://': use a local path, file://, http(s)://, s3://, gs:// or az://");
}

}  // namespace

std::string RedactedUri(const std::string& uri) {
  const std::string scheme = SchemeOf(uri);
  if (scheme != "http" && scheme != "https") return uri;
  return UrlForDisplay(uri.substr(0, uri.find('#')));
}

bool HasStorageScheme(const std::string& uri) {
  const std::string scheme = SchemeOf(uri);
  return scheme == "file" || scheme == "http" || scheme == "https" || scheme == "s3" ||
         scheme == "gs" || scheme == "az" ||
         scheme == "abfs" || scheme == "abfss";
}

Storage& StorageFor(const std::string& uri) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<Storage>> cache;
  const std::string scheme = SchemeOf(uri);
  // Object stores are configured per bucket (region, credentials); the rest once per scheme.
  const bool per_bucket = scheme == "s3" || scheme == "gs" || scheme == "az" ||
                          scheme == "abfs" || scheme == "abfss";
  const std::string authority = per_bucket ? AuthorityOf(uri) : "";
  std::lock_guard<std::mutex> lock(mutex);
  auto& slot = cache[scheme + "://" + authority];
  if (!slot) slot = MakeStorage(scheme, authority);
  return *slot;
}

}  // namespace sluice
