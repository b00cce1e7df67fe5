#include "io/glob.h"

#include "storage/glob_pattern.h"
#include "storage/storage.h"

namespace sluice {

std::vector<InputFile> ExpandSourcePattern(const std::string& pattern) {
  std::vector<InputFile> files;
  for (ObjectInfo& object : ExpandGlob(StorageFor(pattern), pattern)) {
    files.push_back({std::move(object.uri), object.size, std::move(object.etag), object.mtime_ns});
  }
  return files;
}

}  // namespace sluice
