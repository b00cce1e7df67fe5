#include "storage/storage.h"

#include <map>
#include <mutex>

#include "core/error.h"
#include "storage/http/http_storage.h"
#include "storage/local/local_storage.h"

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
  throw UsageError("unsupported storage scheme '" + scheme +
                   "://': use a local path, file://, http(s)://, s3://, gs:// or az://");
}

}  // namespace

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
