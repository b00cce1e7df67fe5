#pragma once
// Local disk: plain paths and file:// URIs. Writes go to a temporary file in the same directory,
// fsync'd and renamed over the target on Commit().
#include <memory>

#include "storage/storage.h"

namespace sluice {

std::unique_ptr<Storage> MakeLocalStorage();
// "file:///a/b" -> "/a/b"; plain paths unchanged; "~/" expanded.
std::string LocalPath(const std::string& uri);

}  // namespace sluice
