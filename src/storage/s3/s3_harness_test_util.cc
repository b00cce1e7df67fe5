// The S3 backend in the storage conformance suite: s3rver at SLUICE_TEST_S3_ENDPOINT.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "core/error.h"
#include "storage/conformance/storage_harness.h"
#include "storage/s3/s3_storage.h"
#include "storage/s3/s3_test_util.h"

namespace sluice::testing {
namespace {

// s3rver 3.7.1 answers a PUT (and a CompleteMultipartUpload) when the request body has been
// consumed, before its write stream to disk has finished (lib/stores/filesystem.js putObject
// resolves on the transform's 'finish'), so a HEAD right after can see a short file. Real S3 is
// read-after-write consistent; this wrapper waits until the emulator shows the committed size,
// so the suite tests sluice, not that race.
class SettledWrites : public Storage {
 public:
  explicit SettledWrites(std::unique_ptr<Storage> inner) : inner_(std::move(inner)) {}
  std::vector<ObjectInfo> List(const std::string& prefix) override { return inner_->List(prefix); }
  ObjectInfo Stat(const std::string& uri) override { return inner_->Stat(uri); }
  size_t ReadRange(const std::string& uri, uint64_t offset, size_t length, char* out) override {
    return inner_->ReadRange(uri, offset, length, out);
  }
  std::unique_ptr<InputStream> OpenRead(const std::string& uri) override {
    return inner_->OpenRead(uri);
  }
  void Remove(const std::string& uri) override { inner_->Remove(uri); }
  std::unique_ptr<ObjectWriter> OpenWrite(const std::string& uri) override {
    return std::make_unique<Writer>(*inner_, uri);
  }

 private:
  class Writer : public ObjectWriter {
   public:
    Writer(Storage& storage, std::string uri)
        : storage_(storage), uri_(std::move(uri)), inner_(storage.OpenWrite(uri_)) {}
    void Write(const char* data, size_t size) override {
      inner_->Write(data, size);
      written_ += size;
    }
    void Commit() override {
      inner_->Commit();
      for (int i = 0; i < 200; i++) {
        try {
          if (storage_.Stat(uri_).size == static_cast<int64_t>(written_)) return;
        } catch (const Error&) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }

   private:
    Storage& storage_;
    std::string uri_;
    std::unique_ptr<ObjectWriter> inner_;
    uint64_t written_ = 0;
  };
  std::unique_ptr<Storage> inner_;
};

class S3Harness : public StorageHarness {
 public:
  S3Harness(const S3Config& config, std::string bucket)
      : config_(config),
        storage_(std::make_unique<SettledWrites>(MakeS3Storage(config, S3TestHttpOptions()))),
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
