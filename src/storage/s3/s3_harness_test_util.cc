// The S3 backend in the storage conformance suite: s3rver at SLUICE_TEST_S3_ENDPOINT.
#include <memory>
#include <optional>
#include <string>

#include "storage/conformance/storage_harness.h"
#include "storage/s3/s3_storage.h"
#include "storage/s3/s3_test_util.h"

namespace sluice::testing {
namespace {

class S3Harness : public StorageHarness {
 public:
  S3Harness(const S3Config& config, std::string bucket)
      : storage_(MakeS3Storage(config, S3TestHttpOptions())), bucket_(std::move(bucket)) {}
  std::string Name() const override { return "S3"; }
  Storage& storage() override { return *storage_; }
  std::string FreshPrefix() override { return "s3://" + bucket_ + "/" + RandomHex() + "/"; }

 private:
  std::unique_ptr<Storage> storage_;
  std::string bucket_;
};

}  // namespace

std::unique_ptr<StorageHarness> MakeS3Harness() {
  std::optional<S3Config> config = S3TestConfig();
  if (!config) return nullptr;
  // Small pages, so the conformance suite's listings cross continuation tokens.
  config->list_page_size = 3;
  // One bucket per test process; every harness works under its own random prefix in it.
  static const std::string bucket = CreateS3TestBucket(*config);
  return std::make_unique<S3Harness>(*config, bucket);
}

}  // namespace sluice::testing
