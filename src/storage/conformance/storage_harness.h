#pragma once
// What the storage conformance suite (storage_conformance_test.cc) needs from each backend: a
// configured Storage and a fresh, empty URI prefix to work under. Every backend's folder
// implements its factory in a *_test_util.cc; a factory returns nullptr when its service is not
// running (e.g. no emulator), and the suite then skips that backend, unless
// SLUICE_REQUIRE_STORAGE_EMULATORS=1 (the test command sets it), which makes a missing service a
// failure.
#include <memory>
#include <string>

#include "storage/storage.h"

namespace sluice::testing {

class StorageHarness {
 public:
  virtual ~StorageHarness() = default;
  virtual std::string Name() const = 0;  // test-name suffix: "Local", "S3", ...
  virtual Storage& storage() = 0;
  // A prefix no other test uses, ending in '/', e.g. "s3://sluice-test/<random>/".
  virtual std::string FreshPrefix() = 0;
  // False for read-only backends (HTTP): the suite then seeds objects through Seed().
  virtual bool Writable() const { return true; }
  // False for backends without listing (HTTP): the suite skips List and glob specs.
  virtual bool Listable() const { return true; }
  // Puts an object without going through storage().OpenWrite (read-only backends override).
  virtual void Seed(const std::string& uri, const std::string& bytes);
  // Environment assignments ("NAME='value' NAME2='value' ") that make a `sluice` child process
  // reach the same service with the same credentials (end-to-end CLI specs).
  virtual std::string CliEnvironment() const { return ""; }
};

// Returns nullptr when the backend's service is not configured (see above).
std::unique_ptr<StorageHarness> MakeLocalHarness();
std::unique_ptr<StorageHarness> MakeHttpHarness();
std::unique_ptr<StorageHarness> MakeS3Harness();       // s3rver; SLUICE_TEST_S3_ENDPOINT
std::unique_ptr<StorageHarness> MakeAzureHarness();    // azurite; SLUICE_TEST_AZURE_CONNECTION_STRING
std::unique_ptr<StorageHarness> MakeGcsJsonHarness();  // in-test GCS JSON API server
bool RequireStorageEmulators();                         // SLUICE_REQUIRE_STORAGE_EMULATORS=1

}  // namespace sluice::testing
