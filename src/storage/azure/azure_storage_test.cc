// The Azure backend against a real azurite (it verifies SharedKey signatures and SAS tokens).
#include "storage/azure/azure_storage.h"

#include <gtest/gtest.h>

#include <functional>
#include <random>

#include "core/error.h"
#include "storage/azure/azure_test_util.h"
#include "storage/conformance/storage_harness.h"

namespace sluice {
namespace {

using testing::AzuriteConfigFromEnvironment;

std::string ErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "<no error>";
}

std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 random(seed);
  std::string s(n, '\0');
  for (char& c : s) c = char(random());
  return s;
}

TEST(MakeAzureStorage, RefusesBlockSizesTheServiceWouldReject) {
  AzureConfig config;
  config.account = "acct";
  config.block_size = 0;
  EXPECT_NE(
      ErrorOf([&] { MakeAzureStorage(config, HttpOptions()); }).find("SLUICE_AZURE_BLOCK_SIZE"),
      std::string::npos);
  config.block_size = size_t(4001) << 20;
  EXPECT_THROW(MakeAzureStorage(config, HttpOptions()), Error);
  config.block_size = size_t(4000) << 20;
  EXPECT_NO_THROW(MakeAzureStorage(config, HttpOptions()));
}

class AzuriteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto config = AzuriteConfigFromEnvironment();
    if (!config) {
      if (testing::RequireStorageEmulators()) {
        FAIL() << "SLUICE_REQUIRE_STORAGE_EMULATORS=1 but SLUICE_TEST_AZURE_CONNECTION_STRING is "
                  "not set";
      }
      GTEST_SKIP() << "SLUICE_TEST_AZURE_CONNECTION_STRING is not set";
    }
    config_ = *config;
    http_.max_attempts = 2;
    container_ = testing::RandomAzureName("sluice-test");
    testing::CreateAzureContainer(config_, container_);
    storage_ = MakeAzureStorage(config_, http_);
  }
  void TearDown() override {
    if (!container_.empty()) testing::DeleteAzureContainer(config_, container_);
  }

  std::string Uri(const std::string& name) const { return "az://" + container_ + "/" + name; }
  static void Put(Storage& storage, const std::string& uri, const std::string& bytes) {
    auto writer = storage.OpenWrite(uri);
    writer->Write(bytes.data(), bytes.size());
    writer->Commit();
  }
  void Put(const std::string& uri, const std::string& bytes) { Put(*storage_, uri, bytes); }
  static std::string ReadAll(Storage& storage, const std::string& uri) {
    auto in = storage.OpenRead(uri);
    std::string out;
    char buf[65536];
    while (size_t n = in->Read(buf, sizeof buf)) out.append(buf, n);
    return out;
  }
  std::string ReadAll(const std::string& uri) { return ReadAll(*storage_, uri); }
  std::vector<std::string> ListedUris(Storage& storage, const std::string& prefix) {
    std::vector<std::string> uris;
    for (const ObjectInfo& o : storage.List(prefix)) uris.push_back(o.uri);
    return uris;
  }

  AzureConfig config_;
  HttpOptions http_;
  std::string container_;
  std::unique_ptr<Storage> storage_;
};

TEST_F(AzuriteTest, ListFollowsNextMarkersAcrossSmallPagesAndSortsByUri) {
  AzureConfig small_pages = config_;
  small_pages.list_page_size = 2;
  auto storage = MakeAzureStorage(small_pages, http_);
  for (const char* name :
       {"dir/f", "dir/b", "dir/sub/c", "dir/a", "dir/e", "dir/d", "dir/g", "other/x", "dir2/y"}) {
    Put(*storage, Uri(name), name);
  }
  EXPECT_EQ(ListedUris(*storage, Uri("dir/")),
            (std::vector<std::string>{Uri("dir/a"), Uri("dir/b"), Uri("dir/d"), Uri("dir/e"),
                                      Uri("dir/f"), Uri("dir/g"), Uri("dir/sub/c")}));
  EXPECT_EQ(storage->List(Uri("dir")).size(), 8u);  // a name prefix, not a directory
  EXPECT_EQ(storage->List("az://" + container_).size(), 9u);
  EXPECT_TRUE(storage->List(Uri("nothing/")).empty());
  const auto listed = storage->List(Uri("dir/sub/"));
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].size, 9);
  EXPECT_FALSE(listed[0].etag.empty());
  EXPECT_EQ(listed[0].etag.find('"'), std::string::npos);
  EXPECT_GT(listed[0].mtime_ns, int64_t(1600000000) * 1000000000);
}

TEST_F(AzuriteTest, StatAgreesWithListOnSizeEtagAndModificationTime) {
  Put(Uri("s/one.csv"), "a,b\n1,2\n");
  const ObjectInfo stat = storage_->Stat(Uri("s/one.csv"));
  const auto listed = storage_->List(Uri("s/"));
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(stat.uri, Uri("s/one.csv"));
  EXPECT_EQ(stat.size, 8);
  EXPECT_EQ(stat.etag, listed[0].etag);
  EXPECT_EQ(stat.mtime_ns, listed[0].mtime_ns);
  Put(Uri("s/one.csv"), "changed");
  EXPECT_NE(storage_->Stat(Uri("s/one.csv")).etag, stat.etag);
}

TEST_F(AzuriteTest, AMissingBlobOrContainerIsAnInputErrorNamingTheUri) {
  try {
    storage_->Stat(Uri("no/such.csv"));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInput);
    EXPECT_NE(std::string(e.what()).find(Uri("no/such.csv")), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("404"), std::string::npos) << e.what();
  }
  const std::string read = ErrorOf([&] {
    char buf[4];
    storage_->ReadRange(Uri("no/such.csv"), 0, 4, buf);
  });
  EXPECT_NE(read.find("no such blob: " + Uri("no/such.csv")), std::string::npos) << read;
  const std::string list = ErrorOf([&] { storage_->List("az://sluice-missing-container/x"); });
  EXPECT_NE(list.find("ContainerNotFound"), std::string::npos) << list;
  EXPECT_NE(list.find("az://sluice-missing-container/x"), std::string::npos) << list;
}

TEST_F(AzuriteTest, ReadRangeReturnsExactBytesAndFewerOnlyAtTheEnd) {
  const std::string bytes = RandomBytes(1000, 1);
  Put(Uri("r.bin"), bytes);
  char buf[200];
  ASSERT_EQ(storage_->ReadRange(Uri("r.bin"), 10, 20, buf), 20u);
  EXPECT_EQ(std::string(buf, 20), bytes.substr(10, 20));
  ASSERT_EQ(storage_->ReadRange(Uri("r.bin"), 990, 100, buf), 10u);
  EXPECT_EQ(std::string(buf, 10), bytes.substr(990));
  EXPECT_EQ(storage_->ReadRange(Uri("r.bin"), 1000, 10, buf), 0u);
  EXPECT_EQ(storage_->ReadRange(Uri("r.bin"), 5000, 10, buf), 0u);
  EXPECT_EQ(storage_->ReadRange(Uri("r.bin"), 3, 0, buf), 0u);
}

TEST_F(AzuriteTest, AnEmptyBlobIsWrittenStatedAndReadAsEmpty) {
  Put(Uri("empty"), "");
  EXPECT_EQ(storage_->Stat(Uri("empty")).size, 0);
  char buf[8];
  EXPECT_EQ(storage_->ReadRange(Uri("empty"), 0, 8, buf), 0u);
  EXPECT_EQ(ReadAll(Uri("empty")), "");
}

TEST_F(AzuriteTest, LargeWritesGoUpAsBlocksAndReadBackByteExact) {
  AzureConfig small_blocks = config_;
  small_blocks.block_size = 4 << 20;
  auto storage = MakeAzureStorage(small_blocks, http_);
  const std::string bytes = RandomBytes((20 << 20) + 12345, 2);
  auto writer = storage->OpenWrite(Uri("big/blob.bin"));
  for (size_t pos = 0; pos < bytes.size();) {
    const size_t n = std::min<size_t>(bytes.size() - pos, 1000003);  // not aligned to blocks
    writer->Write(bytes.data() + pos, n);
    pos += n;
  }
  // Blocks are staged but nothing is visible before Commit.
  EXPECT_THROW(storage->Stat(Uri("big/blob.bin")), Error);
  writer->Commit();
  EXPECT_EQ(storage->Stat(Uri("big/blob.bin")).size, int64_t(bytes.size()));
  const std::string back = ReadAll(*storage, Uri("big/blob.bin"));
  ASSERT_EQ(back.size(), bytes.size());
  EXPECT_TRUE(back == bytes);
  // 5 full blocks of 4 MiB and the rest: the service holds six committed blocks.
  const HttpResponse blocks = testing::SendSignedAzureRequest(
      config_, "GET", "/" + container_ + "/big/blob.bin?comp=blocklist&blocklisttype=committed");
  ASSERT_EQ(blocks.status, 200) << blocks.body;
  size_t count = 0;
  for (size_t p = 0; (p = blocks.body.find("<Block>", p)) != std::string::npos; p++) count++;
  EXPECT_EQ(count, 6u) << blocks.body;
}

TEST_F(AzuriteTest, AnUncommittedWriterLeavesNothingBehind) {
  AzureConfig small_blocks = config_;
  small_blocks.block_size = 1 << 20;
  auto storage = MakeAzureStorage(small_blocks, http_);
  Put(*storage, Uri("keep"), "old");
  {
    auto writer = storage->OpenWrite(Uri("keep"));
    const std::string bytes = RandomBytes(3 << 20, 3);  // three blocks staged
    writer->Write(bytes.data(), bytes.size());
    auto fresh = storage->OpenWrite(Uri("fresh"));
    fresh->Write("x", 1);
  }
  EXPECT_EQ(ReadAll(*storage, Uri("keep")), "old");
  EXPECT_EQ(ListedUris(*storage, Uri("")), (std::vector<std::string>{Uri("keep")}));
}

TEST_F(AzuriteTest, RemoveDeletesAndAMissingBlobIsNotAnError) {
  Put(Uri("gone"), "x");
  storage_->Remove(Uri("gone"));
  EXPECT_THROW(storage_->Stat(Uri("gone")), Error);
  EXPECT_NO_THROW(storage_->Remove(Uri("gone")));
}

TEST_F(AzuriteTest, NamesWithSpacesPlusPercentAndUnicodeRoundTrip) {
  const std::string name = "odd dir/a b+c%25 (1)&x=y/\xC3\xBC\xE2\x82\xAC.txt";
  Put(Uri(name), "content");
  EXPECT_EQ(ListedUris(*storage_, Uri("odd dir/")), std::vector<std::string>{Uri(name)});
  EXPECT_EQ(storage_->Stat(Uri(name)).size, 7);
  EXPECT_EQ(ReadAll(Uri(name)), "content");
}

TEST_F(AzuriteTest, AWrongKeyIsAClearAccessDeniedErrorThatShowsNoSecret) {
  AzureConfig wrong = config_;
  wrong.account_key = "d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXk=";
  auto storage = MakeAzureStorage(wrong, http_);
  try {
    storage->List(Uri("x/"));
    FAIL() << "no error";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_EQ(e.kind(), ErrorKind::kInput);
    EXPECT_NE(message.find("access denied"), std::string::npos) << message;
    EXPECT_NE(message.find("403"), std::string::npos) << message;
    // azurite says AuthorizationFailure where Azure says AuthenticationFailed.
    EXPECT_TRUE(message.find("AuthorizationFailure") != std::string::npos ||
                message.find("AuthenticationFailed") != std::string::npos)
        << message;
    EXPECT_EQ(message.find(wrong.account_key), std::string::npos) << message;
  }
}

TEST_F(AzuriteTest, AnAccountSasGrantsAccessWithoutTheKey) {
  AzureConfig sas = config_;
  sas.account_key.clear();
  sas.sas_token = testing::MakeAccountSas(config_, "rwdlac");
  auto storage = MakeAzureStorage(sas, http_);
  AzureConfig sas_blocks = sas;
  sas_blocks.block_size = 1 << 20;
  const std::string bytes = RandomBytes((2 << 20) + 7, 4);
  Put(*MakeAzureStorage(sas_blocks, http_), Uri("sas/blocks"), bytes);
  Put(*storage, Uri("sas/small"), "via sas");
  EXPECT_EQ(ListedUris(*storage, Uri("sas/")),
            (std::vector<std::string>{Uri("sas/blocks"), Uri("sas/small")}));
  EXPECT_EQ(ReadAll(*storage, Uri("sas/small")), "via sas");
  EXPECT_TRUE(ReadAll(*storage, Uri("sas/blocks")) == bytes);
  storage->Remove(Uri("sas/small"));
  EXPECT_THROW(storage->Stat(Uri("sas/small")), Error);
}

TEST_F(AzuriteTest, ATamperedOrReadOnlySasIsRefusedWithoutPrintingTheToken) {
  AzureConfig tampered = config_;
  tampered.account_key.clear();
  tampered.sas_token = testing::MakeAccountSas(config_, "rl");
  tampered.sas_token.replace(tampered.sas_token.find("sp=rl"), 5, "sp=rw");
  const std::string error = ErrorOf([&] { MakeAzureStorage(tampered, http_)->List(Uri("x/")); });
  EXPECT_NE(error.find("access denied"), std::string::npos) << error;
  EXPECT_EQ(error.find("sig="), std::string::npos) << error;
  EXPECT_EQ(error.find("sv="), std::string::npos) << error;

  AzureConfig read_only = config_;
  read_only.account_key.clear();
  read_only.sas_token = testing::MakeAccountSas(config_, "rl");
  auto storage = MakeAzureStorage(read_only, http_);
  EXPECT_TRUE(storage->List(Uri("x/")).empty());
  const std::string write = ErrorOf([&] { Put(*storage, Uri("x/y"), "no"); });
  EXPECT_NE(write.find("access denied"), std::string::npos) << write;
  // A refused block upload (running in the background) surfaces by Commit at the latest.
  read_only.block_size = 1 << 20;
  const std::string blocks = ErrorOf(
      [&] { Put(*MakeAzureStorage(read_only, http_), Uri("x/big"), std::string(3 << 20, 'b')); });
  EXPECT_NE(blocks.find("access denied: put block of " + Uri("x/big")), std::string::npos)
      << blocks;
  EXPECT_TRUE(MakeAzureStorage(config_, http_)->List(Uri("x/")).empty());
}

TEST_F(AzuriteTest, AbfsUrlsAddressTheSameBlobsAndKeepTheirScheme) {
  Put(Uri("lake/part-0.csv"), "abc");
  const std::string root =
      "abfss://" + container_ + "@" + config_.account + ".dfs.core.windows.net/";
  EXPECT_EQ(ListedUris(*storage_, root + "lake/"),
            std::vector<std::string>{root + "lake/part-0.csv"});
  EXPECT_EQ(storage_->Stat(root + "lake/part-0.csv").size, 3);
  EXPECT_EQ(ReadAll(root + "lake/part-0.csv"), "abc");
  Put(root + "lake/part-1.csv", "de");
  EXPECT_EQ(ReadAll(Uri("lake/part-1.csv")), "de");
  const std::string other = ErrorOf(
      [&] { storage_->Stat("abfs://" + container_ + "@someoneelse.dfs.core.windows.net/x"); });
  EXPECT_NE(other.find("names account 'someoneelse'"), std::string::npos) << other;
}

TEST_F(AzuriteTest, TheConformanceHarnessGivesFreshEmptyPrefixes) {
  auto harness = testing::MakeAzureHarness();
  ASSERT_NE(harness, nullptr);
  const std::string a = harness->FreshPrefix(), b = harness->FreshPrefix();
  EXPECT_NE(a, b);
  EXPECT_TRUE(harness->storage().List(a).empty());
  Put(harness->storage(), a + "x", "1");
  EXPECT_TRUE(harness->storage().List(b).empty());
  EXPECT_EQ(harness->storage().List(a).size(), 1u);
}

}  // namespace
}  // namespace sluice
