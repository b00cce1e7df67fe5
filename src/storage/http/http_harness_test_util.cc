#include <atomic>

#include "storage/conformance/storage_harness.h"
#include "storage/http/fault_proxy_test_util.h"
#include "storage/http/http_storage.h"

namespace sluice::testing {
namespace {

// A read-only web server: objects are seeded into the in-test origin, read over HTTP.
class HttpHarness : public StorageHarness {
 public:
  HttpHarness() : storage_(MakeHttpStorage(HttpOptions{})) {}
  std::string Name() const override { return "Http"; }
  Storage& storage() override { return *storage_; }
  std::string FreshPrefix() override {
    static std::atomic<int> n{0};
    return server_.endpoint() + "/t" + std::to_string(n++) + "/";
  }
  bool Writable() const override { return false; }
  bool Listable() const override { return false; }
  void Seed(const std::string& uri, const std::string& bytes) override {
    server_.Put(uri.substr(server_.endpoint().size()), bytes);
  }

 private:
  ObjectHttpServer server_;
  std::unique_ptr<Storage> storage_;
};

}  // namespace

std::unique_ptr<StorageHarness> MakeHttpHarness() {
  return std::make_unique<HttpHarness>();
}

}  // namespace sluice::testing
