// The Azure backend in the storage conformance suite: azurite from
// SLUICE_TEST_AZURE_CONNECTION_STRING, one shared container (tests run as parallel processes and
// each works under its own random prefix, so none deletes it).
#include <cstdlib>

#include "storage/azure/azure_storage.h"
#include "storage/azure/azure_test_util.h"
#include "storage/conformance/storage_harness.h"

namespace sluice::testing {
namespace {

class AzureHarness : public StorageHarness {
 public:
  AzureHarness(const AzureConfig& config, std::string connection_string)
      : container_("sluice-conformance"), connection_string_(std::move(connection_string)) {
    CreateAzureContainer(config, container_);
    storage_ = MakeAzureStorage(config, HttpOptions::FromEnvironment());
  }
  std::string Name() const override { return "Azure"; }
  Storage& storage() override { return *storage_; }
  // A sluice child process reads az:// credentials from the connection string.
  std::string CliEnvironment() const override {
    return "AZURE_STORAGE_CONNECTION_STRING='" + connection_string_ + "' ";
  }
  std::string FreshPrefix() override {
    return "az://" + container_ + "/" + RandomAzureName("t") + "/";
  }

 private:
  std::string container_;
  std::string connection_string_;
  std::unique_ptr<Storage> storage_;
};

}  // namespace

std::unique_ptr<StorageHarness> MakeAzureHarness() {
  const std::optional<AzureConfig> config = AzuriteConfigFromEnvironment();
  if (!config) return nullptr;
  return std::make_unique<AzureHarness>(*config,
                                        std::getenv("SLUICE_TEST_AZURE_CONNECTION_STRING"));
}

}  // namespace sluice::testing
