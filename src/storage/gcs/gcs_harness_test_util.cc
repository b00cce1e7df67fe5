// The GCS JSON API backend in the storage conformance suite: always available, because its server
// is the in-test FakeGcsServer, reached through the real service-account flow.
#include <openssl/rand.h>

#include "storage/conformance/storage_harness.h"
#include "storage/gcs/fake_gcs_server_test_util.h"
#include "storage/gcs/gcs_storage.h"

namespace sluice::testing {
namespace {

class GcsJsonHarness : public StorageHarness {
 public:
  GcsJsonHarness() {
    GcsConfig config;
    config.endpoint = server_.endpoint();
    config.service_account_key_file = server_.key_file();
    // Small sizes so the conformance objects exercise paging and resumable chunks.
    config.list_page_size = 3;
    config.upload_chunk_size = 256 * 1024;
    HttpOptions http = HttpOptions::FromEnvironment();
    http.backoff_base = std::chrono::milliseconds(5);
    storage_ = MakeGcsStorage(std::move(config), http);
  }
  std::string Name() const override { return "GcsJson"; }
  Storage& storage() override { return *storage_; }
  std::string FreshPrefix() override {
    unsigned char raw[8];
    RAND_bytes(raw, sizeof raw);
    std::string hex;
    for (unsigned char c : raw)
      hex += "0123456789abcdef"[c >> 4], hex += "0123456789abcdef"[c & 15];
    return std::string("gs://") + FakeGcsServer::kBucket + "/" + hex + "/";
  }
  // A sluice child process reaches the same server with the same key (GCS_OAUTH_TOKEN emptied
  // so a developer's own token cannot win over the key file).
  std::string CliEnvironment() const override {
    return "SLUICE_GCS_ENDPOINT='" + server_.endpoint() + "' GOOGLE_APPLICATION_CREDENTIALS='" +
           server_.key_file() + "' GCS_OAUTH_TOKEN='' SLUICE_GCS_LIST_PAGE_SIZE='3' ";
  }

 private:
  FakeGcsServer server_;  // declared first: the storage talks to it until destroyed
  std::unique_ptr<Storage> storage_;
};

}  // namespace

std::unique_ptr<StorageHarness> MakeGcsJsonHarness() {
  return std::make_unique<GcsJsonHarness>();
}

}  // namespace sluice::testing
