// The filesystem destination (Parquet under a file:// directory) behind the conformance and
// crash suites' harness: Query() runs SQL over the tables as the manifests define them.
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include <gtest/gtest.h>

#include "destinations/conformance/destination_harness.h"
#include "destinations/filesystem/filesystem_destination.h"
#include "destinations/filesystem/filesystem_test_util.h"

namespace sluice::testing_util {
namespace {

class FilesystemHarness : public DestinationHarness {
 public:
  explicit FilesystemHarness(const std::string& test_name) {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("sluice_conformance_fs_" + std::to_string(::getpid()) + "_" + test_name);
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    prefix_ = "file://" + dir_.string() + "/";
  }
  ~FilesystemHarness() override { std::filesystem::remove_all(dir_); }
  std::string Name() const override { return "filesystem"; }
  std::string Uri() const override { return prefix_ + "?format=parquet"; }
  bool SupportsMerge() const override { return false; }
  std::unique_ptr<Destination> Open() override { return FilesystemDestination::Open(Uri()); }
  std::vector<std::string> Query(const std::string& sql) override {
    return QueryFilesystemDestination(StorageFor(prefix_), prefix_, sql);
  }
  std::vector<std::string> UserTables() override {
    std::vector<std::string> out;
    for (const auto& t : AllTables()) {
      if (t.rfind("_sluice_", 0) != 0) out.push_back(t);
    }
    return out;
  }
  // The tables the manifests name, and the views Query() always has over the manifests.
  std::vector<std::string> AllTables() override {
    std::vector<std::string> out = {"_sluice_loads", "_sluice_rejects", "_sluice_schemas",
                                    "_sluice_state"};
    for (const auto& t : FilesystemDestination::Open(Uri())->ReadCatalog().AllTables()) {
      out.push_back(t.name);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  std::filesystem::path dir_;
  std::string prefix_;
};

}  // namespace

std::unique_ptr<DestinationHarness> MakeFilesystemHarness(const std::string& test_name) {
  return std::make_unique<FilesystemHarness>(test_name);
}

}  // namespace sluice::testing_util
