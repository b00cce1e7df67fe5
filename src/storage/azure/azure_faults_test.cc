// The Azure backend behind a proxy that injects failures in front of azurite: transient faults
// (500, 503, dropped connections, truncated bodies) are retried with fresh signatures and the
// data comes through identical; a fault that never ends fails cleanly, printing no secret.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <random>

#include "core/error.h"
#include "storage/azure/azure_storage.h"
#include "storage/azure/azure_test_util.h"
#include "storage/conformance/storage_harness.h"
#include "storage/http/fault_proxy_test_util.h"
#include "storage/range_reader.h"

namespace sluice {
namespace {

using testing::Fault;
using testing::FaultProxy;

HttpOptions FastRetries() {
  HttpOptions o;
  o.max_attempts = 5;
  o.backoff_base = std::chrono::milliseconds(1);
  o.backoff_max = std::chrono::milliseconds(10);
  return o;
}

class AzureFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto config = testing::AzuriteConfigFromEnvironment();
    if (!config) {
      if (testing::RequireStorageEmulators()) {
        FAIL() << "SLUICE_REQUIRE_STORAGE_EMULATORS=1 but SLUICE_TEST_AZURE_CONNECTION_STRING is "
                  "not set";
      }
      GTEST_SKIP() << "SLUICE_TEST_AZURE_CONNECTION_STRING is not set";
    }
    direct_ = *config;
    container_ = testing::RandomAzureName("sluice-faults");
    testing::CreateAzureContainer(direct_, container_);
    // The same account, reached through the proxy: "http://127.0.0.1:PORT/devstoreaccount1".
    const std::string endpoint = BlobEndpointOf(direct_);
    const size_t path = endpoint.find('/', endpoint.find("://") + 3);
    proxy_ = std::make_unique<FaultProxy>(endpoint.substr(0, path));
    proxied_ = direct_;
    proxied_.blob_endpoint = proxy_->endpoint() + endpoint.substr(path);
    proxied_.block_size = 1 << 20;
    proxied_.list_page_size = 2;
  }
  void TearDown() override {
    if (!container_.empty()) testing::DeleteAzureContainer(direct_, container_);
  }
  std::string Uri(const std::string& name) const { return "az://" + container_ + "/" + name; }

  AzureConfig direct_, proxied_;
  std::string container_;
  std::unique_ptr<FaultProxy> proxy_;
};

std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 random(seed);
  std::string s(n, '\0');
  for (char& c : s) c = char(random());
  return s;
}

TEST_F(AzureFaultTest, TransientFaultsAreRetriedAndEveryOperationEndsIdentical) {
  auto storage = MakeAzureStorage(proxied_, FastRetries());
  proxy_->FailEvery(3, {Fault::kStatus500, Fault::kSlowDown503, Fault::kDrop, Fault::kTruncate});
  const std::string big = RandomBytes((5 << 20) + 333, 7);  // six blocks, four in flight
  {
    auto writer = storage->OpenWrite(Uri("data/big.bin"));
    writer->Write(big.data(), big.size());
    writer->Commit();
  }
  for (int i = 0; i < 5; i++) {
    auto writer = storage->OpenWrite(Uri("data/small-" + std::to_string(i)));
    writer->Write("abc", 3);
    writer->Commit();
  }
  const auto listed = storage->List(Uri("data/"));  // four pages of two
  ASSERT_EQ(listed.size(), 6u);
  EXPECT_EQ(listed[0].uri, Uri("data/big.bin"));
  EXPECT_EQ(listed[0].size, int64_t(big.size()));
  RangeReadOptions ranges;
  ranges.range_size = 512 << 10;
  ranges.parallelism = 3;
  auto in = MakeRangeInputStream(*storage, storage->Stat(Uri("data/big.bin")), ranges);
  std::string back;
  char buf[100000];
  while (size_t n = in->Read(buf, sizeof buf)) back.append(buf, n);
  EXPECT_TRUE(back == big) << "read back " << back.size() << " of " << big.size() << " bytes";
  storage->Remove(Uri("data/small-0"));
  EXPECT_EQ(storage->List(Uri("data/")).size(), 5u);
  EXPECT_GT(proxy_->faults_injected(), 5);
}

TEST_F(AzureFaultTest, AFaultThatNeverEndsFailsRetriablyWithoutPrintingTheSasToken) {
  AzureConfig sas = proxied_;
  sas.account_key.clear();
  sas.sas_token = testing::MakeAccountSas(direct_, "rl");
  auto storage = MakeAzureStorage(sas, FastRetries());
  proxy_->FailAlways(Fault::kSlowDown503);
  try {
    storage->List(Uri("x/"));
    FAIL() << "no error";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_EQ(e.kind(), ErrorKind::kIo);
    EXPECT_TRUE(e.retriable());
    EXPECT_EQ(message.find("sig="), std::string::npos) << message;
    EXPECT_EQ(message.find("se="), std::string::npos) << message;
  }
  proxy_->FailAlways(Fault::kTruncate);
  char buf[16];
  EXPECT_THROW(storage->ReadRange(Uri("x/y"), 0, sizeof buf, buf), Error);
}

}  // namespace
}  // namespace sluice
