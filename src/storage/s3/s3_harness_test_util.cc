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
      : config_(config),
        storage_(MakeS3Storage(config, S3TestHttpOptions())),
        bucket_(std::move(bucket)) {}
  std::string Name() const override { return "S3"; }
  Storage& storage() override { return *storage_; }
  std::string FreshPrefix() override { return "s3://" + bucket_ + "/" + RandomHex() + "/"; }
  // What a user of s3rver (or MinIO) exports; the environment keys win over any ~/.aws profile.
  std::string CliEnvironment() const override {
    return "AWS_ACCESS_KEY_ID='" + config_.access_key_id + "' AWS_SECRET_ACCESS_KEY='" +
           config_.secret_access_key + "' AWS_REGION='" + config_.region +
           "' AWS_ENDPOINT_URL_S3='" + config_.endpoint + "' SLUICE_S3_ADDRESSING='path' " +
           "SLUICE_S3_LIST_PAGE_SIZE='" + std::to_string(config_.list_page_size) + "' ";
  }

 private:
  S3Config config_;
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
