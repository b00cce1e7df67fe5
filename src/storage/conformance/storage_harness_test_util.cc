#include <cstdlib>
#include <string>

#include "storage/conformance/storage_harness.h"

namespace sluice::testing {

void StorageHarness::Seed(const std::string& uri, const std::string& bytes) {
  auto writer = storage().OpenWrite(uri);
  writer->Write(bytes.data(), bytes.size());
  writer->Commit();
}

bool RequireStorageEmulators() {
  const char* v = std::getenv("SLUICE_REQUIRE_STORAGE_EMULATORS");
  return v && std::string(v) == "1";
}

}  // namespace sluice::testing
