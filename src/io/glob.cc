#include "io/glob.h"

#include "storage/glob_pattern.h"
#include "storage/storage.h"

namespace sluice {

std::vector<InputFile> ExpandSourcePattern(const std::string& pattern) {
  std::vector<InputFile> files;
  // HTTP cannot list, and a URL's '?' starts its query string (a signed link), not a glob.
  const bool url = pattern.rfind("http://", 0) == 0 || pattern.rfind("https://", 0) == 0;
  std::vector<ObjectInfo> objects = url ? std::vector<ObjectInfo>{StorageFor(pattern).Stat(pattern)}
                                        : ExpandGlob(StorageFor(pattern), pattern);
  for (ObjectInfo& object : objects) {
    files.push_back({std::move(object.uri), object.size, std::move(object.etag), object.mtime_ns});
  }
  return files;
}

}  // namespace sluice
