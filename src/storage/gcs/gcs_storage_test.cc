#include "storage/gcs/gcs_storage.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <chrono>
#include <random>
#include <thread>

#include "core/error.h"
#include "storage/gcs/fake_gcs_server_test_util.h"
#include "storage/http/fault_proxy_test_util.h"

namespace sluice {
namespace {

using testing::FakeGcsServer;

const std::string kBucketUri = std::string("gs://") + FakeGcsServer::kBucket + "/";

std::string RandomBytes(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(rng());
  return out;
}

std::string HexMd5(const std::string& data) {
  unsigned char digest[16];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_md5(), nullptr);
  std::string hex;
  for (unsigned i = 0; i < len; ++i) {
    hex += "0123456789abcdef"[digest[i] >> 4];
    hex += "0123456789abcdef"[digest[i] & 15];
  }
  return hex;
}

template <typename F>
Error ErrorOf(F f) {
  try {
    f();
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "expected an error";
  return Error(ErrorKind::kInternal, "none");
}

class GcsStorageTest : public ::testing::Test {
 protected:
  std::unique_ptr<Storage> Make(GcsConfig config) {
    config.endpoint = server_.endpoint();
    HttpOptions http;
    http.backoff_base = std::chrono::milliseconds(5);
    http.max_attempts = 3;
    return MakeGcsStorage(std::move(config), http);
  }
  std::unique_ptr<Storage> MakeWithKey(size_t chunk = 8 << 20, int page = 1000) {
    GcsConfig config;
    config.service_account_key_file = server_.key_file();
    config.upload_chunk_size = chunk;
    config.list_page_size = page;
    return Make(config);
  }
  void WriteObject(Storage& storage, const std::string& uri, const std::string& data) {
    auto writer = storage.OpenWrite(uri);
    writer->Write(data.data(), data.size());
    writer->Commit();
  }

  FakeGcsServer server_;
};

TEST_F(GcsStorageTest, ListPagesThroughEveryObjectUnderThePrefixInOrder) {
  for (int i = 6; i >= 0; --i) {
    server_.PutObject(FakeGcsServer::kBucket, "in/f" + std::to_string(i) + ".csv",
                      std::string(i, 'x'));
  }
  server_.PutObject(FakeGcsServer::kBucket, "inside.csv", "not under in/");
  server_.PutObject(FakeGcsServer::kBucket, "out/g.csv", "elsewhere");
  auto storage = MakeWithKey(8 << 20, 2);
  std::vector<ObjectInfo> listed = storage->List(kBucketUri + "in/");
  ASSERT_EQ(listed.size(), 7u);
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ(listed[i].uri, kBucketUri + "in/f" + std::to_string(i) + ".csv");
    EXPECT_EQ(listed[i].size, i);
    EXPECT_EQ(listed[i].etag, HexMd5(std::string(i, 'x')));
    EXPECT_GT(listed[i].mtime_ns, 0);
  }
  EXPECT_EQ(server_.counters().list_pages, 4);  // 2 + 2 + 2 + 1
  EXPECT_TRUE(storage->List(kBucketUri + "nothing-here/").empty());
  EXPECT_EQ(storage->List(kBucketUri).size(), 9u);
}

TEST_F(GcsStorageTest, StatReportsSizeContentMd5AndUpdatedTime) {
  auto storage = MakeWithKey();
  auto before = std::chrono::system_clock::now();
  WriteObject(*storage, kBucketUri + "a/b.csv", "id,name\n1,x\n");
  ObjectInfo info = storage->Stat(kBucketUri + "a/b.csv");
  EXPECT_EQ(info.uri, kBucketUri + "a/b.csv");
  EXPECT_EQ(info.size, 12);
  EXPECT_EQ(info.etag, HexMd5("id,name\n1,x\n"));
  int64_t before_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(before.time_since_epoch()).count();
  EXPECT_GE(info.mtime_ns, before_ns - 1'000'000);  // the server keeps milliseconds
  EXPECT_LT(info.mtime_ns, before_ns + 60'000'000'000);
}

TEST_F(GcsStorageTest, ObjectNamesWithSlashesSpacesAndPlusSignsArePercentEncoded) {
  auto storage = MakeWithKey();
  const std::string name = "dir one/a b+c%d?.csv";
  WriteObject(*storage, kBucketUri + name, "payload");
  EXPECT_EQ(server_.GetObject(FakeGcsServer::kBucket, name), "payload");
  EXPECT_EQ(storage->Stat(kBucketUri + name).size, 7);
  char buf[16];
  EXPECT_EQ(storage->ReadRange(kBucketUri + name, 1, 3, buf), 3u);
  EXPECT_EQ(std::string(buf, 3), "ayl");
  ASSERT_EQ(storage->List(kBucketUri + "dir one/a b+").size(), 1u);
  storage->Remove(kBucketUri + name);
  EXPECT_FALSE(server_.GetObject(FakeGcsServer::kBucket, name));
}

TEST_F(GcsStorageTest, RangeReadsReturnExactBytesClippedAtTheEndAndZeroPastIt) {
  std::string data = RandomBytes(100000, 1);
  server_.PutObject(FakeGcsServer::kBucket, "r.bin", data);
  auto storage = MakeWithKey();
  std::string buf(70000, '\0');
  EXPECT_EQ(storage->ReadRange(kBucketUri + "r.bin", 12345, 50000, buf.data()), 50000u);
  EXPECT_EQ(buf.substr(0, 50000), data.substr(12345, 50000));
  EXPECT_EQ(storage->ReadRange(kBucketUri + "r.bin", 40000, 70000, buf.data()), 60000u);
  EXPECT_EQ(buf.substr(0, 60000), data.substr(40000));
  EXPECT_EQ(storage->ReadRange(kBucketUri + "r.bin", 100000, 10, buf.data()), 0u);
  EXPECT_EQ(storage->ReadRange(kBucketUri + "r.bin", 250000, 10, buf.data()), 0u);
}

TEST_F(GcsStorageTest, ParallelRangeReadsAreEachByteExact) {
  std::string data = RandomBytes(1 << 20, 2);
  server_.PutObject(FakeGcsServer::kBucket, "p.bin", data);
  auto storage = MakeWithKey();
  std::vector<std::thread> threads;
  std::vector<int> ok(8, 0);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      std::string buf(1 << 17, '\0');
      size_t off = static_cast<size_t>(t) << 17;
      size_t n = storage->ReadRange(kBucketUri + "p.bin", off, buf.size(), buf.data());
      ok[t] = n == buf.size() && buf == data.substr(off, buf.size());
    });
  }
  for (auto& t : threads) t.join();
  for (int t = 0; t < 8; ++t) EXPECT_TRUE(ok[t]) << t;
  EXPECT_EQ(server_.counters().token_requests, 1);
}

TEST_F(GcsStorageTest, OpenReadStreamsTheWholeObject) {
  std::string data = RandomBytes(3 << 20, 3);
  server_.PutObject(FakeGcsServer::kBucket, "s.bin", data);
  auto storage = MakeWithKey();
  auto in = storage->OpenRead(kBucketUri + "s.bin");
  std::string got, buf(100000, '\0');
  while (size_t n = in->Read(buf.data(), buf.size())) got.append(buf, 0, n);
  EXPECT_EQ(got, data);
}

TEST_F(GcsStorageTest, ObjectsThatFitOneChunkGoUpInASingleMediaUpload) {
  auto storage = MakeWithKey(256 * 1024);
  std::string data = RandomBytes(256 * 1024, 4);  // exactly one chunk: still one request
  WriteObject(*storage, kBucketUri + "small.bin", data);
  WriteObject(*storage, kBucketUri + "empty.bin", "");
  EXPECT_EQ(server_.GetObject(FakeGcsServer::kBucket, "small.bin"), data);
  EXPECT_EQ(server_.GetObject(FakeGcsServer::kBucket, "empty.bin"), "");
  EXPECT_EQ(server_.counters().media_uploads, 2);
  EXPECT_EQ(server_.counters().resumable_sessions, 0);
}

TEST_F(GcsStorageTest, ResumableUploadOfTenMiBInOneMiBChunksIsByteExactAndInvisibleUntilCommit) {
  auto storage = MakeWithKey(1 << 20);
  std::string data = RandomBytes((10 << 20) + 12345, 5);
  auto writer = storage->OpenWrite(kBucketUri + "big/object.bin");
  // Odd-sized writes, so chunks never line up with them.
  for (size_t off = 0; off < data.size(); off += 100003) {
    writer->Write(data.data() + off, std::min<size_t>(100003, data.size() - off));
    if (off > (5 << 20) && off < (5 << 20) + 100003) {
      EXPECT_FALSE(server_.GetObject(FakeGcsServer::kBucket, "big/object.bin"));
      EXPECT_EQ(server_.open_upload_sessions(), 1);
    }
  }
  EXPECT_FALSE(server_.GetObject(FakeGcsServer::kBucket, "big/object.bin"));
  writer->Commit();
  EXPECT_EQ(server_.GetObject(FakeGcsServer::kBucket, "big/object.bin"), data);
  auto c = server_.counters();
  EXPECT_EQ(c.resumable_sessions, 1);
  EXPECT_EQ(c.chunk_puts, 11);  // ten full chunks, then the last with the total
  EXPECT_EQ(c.largest_chunk, 1u << 20);
  EXPECT_EQ(server_.open_upload_sessions(), 0);
  EXPECT_EQ(storage->Stat(kBucketUri + "big/object.bin").etag, HexMd5(data));
}

TEST_F(GcsStorageTest, AChunkTheServerStoredOnlyInPartIsCompletedByResending) {
  auto storage = MakeWithKey(1 << 20);
  server_.StoreHalfOfNextChunks(3);
  std::string data = RandomBytes((4 << 20) + 7, 6);
  WriteObject(*storage, kBucketUri + "partial.bin", data);
  EXPECT_EQ(server_.GetObject(FakeGcsServer::kBucket, "partial.bin"), data);
  EXPECT_EQ(server_.counters().chunk_puts, 5 + 3);
}

TEST_F(GcsStorageTest, AnAbortedUploadLeavesNothingVisibleAndCancelsItsSession) {
  auto storage = MakeWithKey(1 << 20);
  {
    auto writer = storage->OpenWrite(kBucketUri + "aborted.bin");
    std::string data = RandomBytes(3 << 20, 7);
    writer->Write(data.data(), data.size());
    EXPECT_EQ(server_.open_upload_sessions(), 1);
  }
  {
    auto writer = storage->OpenWrite(kBucketUri + "aborted-small.bin");
    writer->Write("abc", 3);
  }
  EXPECT_TRUE(server_.ObjectNames(FakeGcsServer::kBucket).empty());
  EXPECT_TRUE(storage->List(kBucketUri).empty());
  EXPECT_EQ(server_.open_upload_sessions(), 0);
  EXPECT_EQ(server_.counters().cancelled_sessions, 1);
  EXPECT_EQ(server_.counters().media_uploads, 0);
}

TEST_F(GcsStorageTest, AnOverwriteReplacesTheObjectWhole) {
  auto storage = MakeWithKey(256 * 1024);
  WriteObject(*storage, kBucketUri + "o.bin", RandomBytes(1 << 20, 8));
  WriteObject(*storage, kBucketUri + "o.bin", "short");
  EXPECT_EQ(server_.GetObject(FakeGcsServer::kBucket, "o.bin"), "short");
}

TEST_F(GcsStorageTest, RemoveDeletesAndAMissingObjectIsFine) {
  auto storage = MakeWithKey();
  WriteObject(*storage, kBucketUri + "x.csv", "x");
  storage->Remove(kBucketUri + "x.csv");
  EXPECT_FALSE(server_.GetObject(FakeGcsServer::kBucket, "x.csv"));
  storage->Remove(kBucketUri + "x.csv");
}

TEST_F(GcsStorageTest, ARevokedTokenIsReplacedAfterOne401AndTheCallSucceeds) {
  server_.PutObject(FakeGcsServer::kBucket, "t.csv", "t");
  auto storage = MakeWithKey();
  EXPECT_EQ(storage->Stat(kBucketUri + "t.csv").size, 1);
  server_.RevokeIssuedTokens();
  EXPECT_EQ(storage->Stat(kBucketUri + "t.csv").size, 1);
  auto c = server_.counters();
  EXPECT_EQ(c.unauthorized, 1);
  EXPECT_EQ(c.token_requests, 2);
}

TEST_F(GcsStorageTest, ATokenNearItsExpiryIsRenewedBeforeUse) {
  server_.set_token_lifetime(std::chrono::seconds(61));
  server_.PutObject(FakeGcsServer::kBucket, "t.csv", "t");
  auto storage = MakeWithKey();
  storage->Stat(kBucketUri + "t.csv");
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  storage->Stat(kBucketUri + "t.csv");
  EXPECT_EQ(server_.counters().token_requests, 2);
  EXPECT_EQ(server_.counters().unauthorized, 0);
}

TEST_F(GcsStorageTest, ADirectTokenIsSentAsIsWithoutTheTokenEndpoint) {
  server_.AcceptStaticToken("given-token-123");
  GcsConfig config;
  config.bearer_token = "given-token-123";
  config.service_account_key_file = server_.key_file();  // the direct token wins
  auto storage = Make(config);
  WriteObject(*storage, kBucketUri + "d.csv", "direct");
  char buf[8];
  EXPECT_EQ(storage->ReadRange(kBucketUri + "d.csv", 0, 8, buf), 6u);
  EXPECT_EQ(std::string(buf, 6), "direct");
  EXPECT_EQ(server_.counters().token_requests, 0);
}

TEST_F(GcsStorageTest, ARejectedDirectTokenIsAnInputErrorThatDoesNotPrintIt) {
  GcsConfig config;
  config.bearer_token = "wrong-token-456";
  auto storage = Make(config);
  Error e = ErrorOf([&] { storage->Stat(kBucketUri + "t.csv"); });
  EXPECT_EQ(e.kind(), ErrorKind::kInput);
  EXPECT_NE(std::string(e.what()).find("Invalid Credentials"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find(kBucketUri + "t.csv"), std::string::npos) << e.what();
  EXPECT_EQ(std::string(e.what()).find("wrong-token-456"), std::string::npos) << e.what();
  EXPECT_EQ(server_.counters().unauthorized, 1);  // no pointless retry with the same token
}

TEST_F(GcsStorageTest, AMissingObjectIsAnInputErrorNamingIt) {
  auto storage = MakeWithKey();
  Error e = ErrorOf([&] { storage->Stat(kBucketUri + "no/such.csv"); });
  EXPECT_EQ(e.kind(), ErrorKind::kInput);
  EXPECT_NE(std::string(e.what()).find(kBucketUri + "no/such.csv"), std::string::npos);
  char buf[4];
  EXPECT_EQ(ErrorOf([&] { storage->ReadRange(kBucketUri + "no/such.csv", 0, 4, buf); }).kind(),
            ErrorKind::kInput);
  EXPECT_EQ(ErrorOf([&] { storage->OpenRead(kBucketUri + "no/such.csv"); }).kind(),
            ErrorKind::kInput);
  Error bucket = ErrorOf([&] { storage->List("gs://no-such-bucket/x/"); });
  EXPECT_EQ(bucket.kind(), ErrorKind::kInput);
  EXPECT_NE(std::string(bucket.what()).find("gs://no-such-bucket/x/"), std::string::npos);
}

TEST_F(GcsStorageTest, ForbiddenIsAnInputErrorCarryingGooglesMessage) {
  auto storage = MakeWithKey();
  server_.FailNextStorageCalls(
      1, 403,
      "loader@sluice-test.iam.gserviceaccount.com does not have storage.objects.list access");
  Error e = ErrorOf([&] { storage->List(kBucketUri + "a/"); });
  EXPECT_EQ(e.kind(), ErrorKind::kInput);
  EXPECT_NE(std::string(e.what()).find("does not have storage.objects.list access"),
            std::string::npos)
      << e.what();
}

TEST_F(GcsStorageTest, ServerErrorsAreRetriedThenSucceed) {
  server_.PutObject(FakeGcsServer::kBucket, "t.csv", "t");
  auto storage = MakeWithKey();
  server_.FailNextStorageCalls(2, 503, "Backend Error");
  EXPECT_EQ(storage->Stat(kBucketUri + "t.csv").size, 1);
  server_.FailNextStorageCalls(5, 503, "Backend Error");
  Error e = ErrorOf([&] { storage->Stat(kBucketUri + "t.csv"); });
  EXPECT_EQ(e.kind(), ErrorKind::kIo);
  EXPECT_TRUE(e.retriable());
}

TEST_F(GcsStorageTest, NoCredentialsAndBadUrisAreUsageErrors) {
  EXPECT_EQ(ErrorOf([&] { Make(GcsConfig()); }).kind(), ErrorKind::kUsage);
  auto storage = MakeWithKey();
  EXPECT_EQ(ErrorOf([&] { storage->Stat("s3://b/k"); }).kind(), ErrorKind::kUsage);
  EXPECT_EQ(ErrorOf([&] { storage->Stat("gs:///k"); }).kind(), ErrorKind::kUsage);
  EXPECT_EQ(ErrorOf([&] { storage->OpenWrite(kBucketUri); }).kind(), ErrorKind::kUsage);
}

TEST(SplitGcsUri, SeparatesBucketAndObjectName) {
  std::string bucket, object;
  SplitGcsUri("gs://b/a/b/c.csv", &bucket, &object);
  EXPECT_EQ(bucket, "b");
  EXPECT_EQ(object, "a/b/c.csv");
  SplitGcsUri("gs://b", &bucket, &object);
  EXPECT_EQ(bucket, "b");
  EXPECT_EQ(object, "");
}

}  // namespace
}  // namespace sluice

namespace sluice {
namespace {

// 500s, 503s, dropped connections and truncated responses on every third request, including the
// resumable chunks (a chunk whose 308 is lost is sent again; the server skips what it has).
TEST(GcsStorageThroughFaults, WritesAndReadsStayByteExact) {
  FakeGcsServer server;
  testing::FaultProxy proxy(server.endpoint());
  GcsConfig config;
  config.endpoint = proxy.endpoint();
  config.service_account_key_file = server.key_file();
  config.upload_chunk_size = 256 * 1024;
  config.list_page_size = 2;
  HttpOptions http;
  http.backoff_base = std::chrono::milliseconds(5);
  http.max_attempts = 8;
  auto storage = MakeGcsStorage(config, http);
  proxy.FailEvery(3, {testing::Fault::kStatus500, testing::Fault::kDrop,
                      testing::Fault::kSlowDown503, testing::Fault::kTruncate});

  std::string data = RandomBytes((3 << 20) + 5, 9);
  for (int i = 0; i < 3; ++i) {
    auto writer = storage->OpenWrite(kBucketUri + "f/" + std::to_string(i) + ".bin");
    for (size_t off = 0; off < data.size(); off += 300000) {
      writer->Write(data.data() + off, std::min<size_t>(300000, data.size() - off));
    }
    writer->Commit();
  }
  std::vector<ObjectInfo> listed = storage->List(kBucketUri + "f/");
  ASSERT_EQ(listed.size(), 3u);
  for (const ObjectInfo& info : listed) {
    EXPECT_EQ(server.GetObject(FakeGcsServer::kBucket, info.uri.substr(kBucketUri.size())), data);
    EXPECT_EQ(info.size, static_cast<int64_t>(data.size()));
    auto in = storage->OpenRead(info.uri);
    std::string got, buf(1 << 16, '\0');
    while (size_t n = in->Read(buf.data(), buf.size())) got.append(buf, 0, n);
    EXPECT_EQ(got, data) << info.uri;
  }
  EXPECT_GT(proxy.faults_injected(), 10);
}

}  // namespace
}  // namespace sluice
