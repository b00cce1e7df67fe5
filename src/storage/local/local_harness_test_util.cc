#include <unistd.h>

#include <atomic>
#include <filesystem>

#include "storage/conformance/storage_harness.h"
#include "storage/local/local_storage.h"

namespace sluice::testing {
namespace {

class LocalHarness : public StorageHarness {
 public:
  LocalHarness() : storage_(MakeLocalStorage()) {
    char dir[] = "/tmp/sluice-local-storage-XXXXXX";
    root_ = ::mkdtemp(dir);
  }
  ~LocalHarness() override { std::filesystem::remove_all(root_); }
  std::string Name() const override { return "Local"; }
  Storage& storage() override { return *storage_; }
  std::string FreshPrefix() override {
    static std::atomic<int> n{0};
    return "file://" + root_ + "/t" + std::to_string(n++) + "/";
  }

 private:
  std::unique_ptr<Storage> storage_;
  std::string root_;
};

}  // namespace

std::unique_ptr<StorageHarness> MakeLocalHarness() {
  return std::make_unique<LocalHarness>();
}

}  // namespace sluice::testing
