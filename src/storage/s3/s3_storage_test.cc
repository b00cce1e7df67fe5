#include "storage/s3/s3_storage.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "storage/s3/s3_test_util.h"

namespace sluice {
namespace {

using testing::CreateS3TestBucket;
using testing::RandomHex;
using testing::S3TestConfig;
using testing::S3TestHttpOptions;

// Bytes that are not all alike, so an offset mistake shows.
std::string Pattern(size_t size, unsigned seed) {
  std::string out(size, '\0');
  uint32_t x = seed * 2654435761u + 1;
  for (size_t i = 0; i < size; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    out[i] = static_cast<char>(x);
  }
  return out;
}

void Put(Storage& storage, const std::string& uri, const std::string& bytes) {
  auto writer = storage.OpenWrite(uri);
  writer->Write(bytes.data(), bytes.size());
  writer->Commit();
}

std::string ReadAll(Storage& storage, const std::string& uri) {
  auto in = storage.OpenRead(uri);
  std::string out;
  char buffer[64 * 1024];
  while (size_t n = in->Read(buffer, sizeof buffer)) out.append(buffer, n);
  return out;
}

template <typename F>
Error CatchError(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "expected a sluice::Error";
  return Error(ErrorKind::kInternal, "none");
}

// Runs against s3rver at SLUICE_TEST_S3_ENDPOINT: one bucket per test binary, a fresh prefix per
// test.
class S3StorageTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::optional<S3Config> config = S3TestConfig();
    if (!config) return;
    config->list_page_size = 2;
    config_ = new S3Config(*config);
    bucket_ = new std::string(CreateS3TestBucket(*config_));
  }
  static void TearDownTestSuite() {
    delete config_;
    delete bucket_;
    config_ = nullptr;
    bucket_ = nullptr;
  }
  void SetUp() override {
    if (!config_) {
      const char* required = std::getenv("SLUICE_REQUIRE_STORAGE_EMULATORS");
      if (required && std::string(required) == "1") FAIL() << "SLUICE_TEST_S3_ENDPOINT is not set";
      GTEST_SKIP() << "SLUICE_TEST_S3_ENDPOINT is not set (start s3rver)";
    }
    storage_ = MakeS3Storage(*config_, S3TestHttpOptions());
    prefix_ = "s3://" + *bucket_ + "/" + RandomHex() + "/";
  }

  static S3Config* config_;
  static std::string* bucket_;
  std::unique_ptr<Storage> storage_;
  std::string prefix_;
};

S3Config* S3StorageTest::config_ = nullptr;
std::string* S3StorageTest::bucket_ = nullptr;

TEST_F(S3StorageTest, ListFollowsContinuationTokensAndReturnsEveryObjectSortedByUri) {
  // Page size 2: seven objects take four pages. Keys need percent-encoding in URLs.
  std::vector<std::string> names = {"a.csv",     "b/c.csv", "b/d e.csv", "b/f+g.csv",
                                    "h=i&j.csv", "k/ü.csv", "z.csv"};
  for (size_t i = 0; i < names.size(); ++i) Put(*storage_, prefix_ + names[i], Pattern(10 + i, i));
  Put(*storage_, prefix_.substr(0, prefix_.size() - 1) + "-sibling.csv", "outside the prefix");

  std::vector<ObjectInfo> listed = storage_->List(prefix_);
  ASSERT_EQ(listed.size(), names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ(listed[i].uri, prefix_ + names[i]);
    EXPECT_EQ(listed[i].size, static_cast<int64_t>(10 + i));
    EXPECT_FALSE(listed[i].etag.empty());
    EXPECT_EQ(listed[i].etag.find('"'), std::string::npos);
    EXPECT_GT(listed[i].mtime_ns, int64_t{1600000000} * 1000000000);
  }
  std::vector<ObjectInfo> sub = storage_->List(prefix_ + "b/");
  ASSERT_EQ(sub.size(), 3u);
  EXPECT_EQ(sub[1].uri, prefix_ + "b/d e.csv");
  EXPECT_TRUE(storage_->List(prefix_ + "nothing-here/").empty());
}

TEST_F(S3StorageTest, StatReportsSizeEtagAndModificationTimeLikeList) {
  Put(*storage_, prefix_ + "s.bin", Pattern(1234, 7));
  ObjectInfo info = storage_->Stat(prefix_ + "s.bin");
  EXPECT_EQ(info.uri, prefix_ + "s.bin");
  EXPECT_EQ(info.size, 1234);
  std::vector<ObjectInfo> listed = storage_->List(prefix_);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(info.etag, listed[0].etag);
  EXPECT_EQ(info.mtime_ns, listed[0].mtime_ns) << "one fingerprint, however it was obtained";
}

TEST_F(S3StorageTest, ReadRangeReturnsExactBytesClippedAtTheEndAndZeroAtOrPastIt) {
  std::string bytes = Pattern(1000, 3);
  Put(*storage_, prefix_ + "r.bin", bytes);
  std::string out(300, '\0');
  EXPECT_EQ(storage_->ReadRange(prefix_ + "r.bin", 100, 300, out.data()), 300u);
  EXPECT_EQ(out, bytes.substr(100, 300));
  EXPECT_EQ(storage_->ReadRange(prefix_ + "r.bin", 900, 300, out.data()), 100u);
  EXPECT_EQ(out.substr(0, 100), bytes.substr(900));
  EXPECT_EQ(storage_->ReadRange(prefix_ + "r.bin", 1000, 10, out.data()), 0u);
  EXPECT_EQ(storage_->ReadRange(prefix_ + "r.bin", 5000, 10, out.data()), 0u);
  EXPECT_EQ(storage_->ReadRange(prefix_ + "r.bin", 0, 0, out.data()), 0u);
}

TEST_F(S3StorageTest, SmallWriteIsInvisibleUntilCommitThenReadsBackWhole) {
  std::string bytes = Pattern(100000, 11);
  auto writer = storage_->OpenWrite(prefix_ + "small.bin");
  writer->Write(bytes.data(), 60000);
  writer->Write(bytes.data() + 60000, 40000);
  EXPECT_TRUE(storage_->List(prefix_).empty());
  writer->Commit();
  EXPECT_EQ(ReadAll(*storage_, prefix_ + "small.bin"), bytes);
}

TEST_F(S3StorageTest, EmptyObjectWritesAndReadsAsEmpty) {
  Put(*storage_, prefix_ + "empty", "");
  EXPECT_EQ(storage_->Stat(prefix_ + "empty").size, 0);
  EXPECT_EQ(ReadAll(*storage_, prefix_ + "empty"), "");
}

TEST_F(S3StorageTest, MultipartUploadOfTwelveMiBInFiveMiBPartsReadsBackByteExact) {
  ASSERT_EQ(config_->part_size, size_t{5} << 20);
  std::string bytes = Pattern((size_t{12} << 20) + 12345, 5);
  auto writer = storage_->OpenWrite(prefix_ + "big.bin");
  // Uneven writes, so part boundaries fall inside them.
  for (size_t at = 0; at < bytes.size();) {
    size_t n = std::min<size_t>(bytes.size() - at, 777777);
    writer->Write(bytes.data() + at, n);
    at += n;
  }
  EXPECT_TRUE(storage_->List(prefix_).empty()) << "parts are not an object before completion";
  writer->Commit();
  ObjectInfo info = storage_->Stat(prefix_ + "big.bin");
  EXPECT_EQ(info.size, static_cast<int64_t>(bytes.size()));
  EXPECT_EQ(ReadAll(*storage_, prefix_ + "big.bin"), bytes);
  std::string tail(20000, '\0');
  ASSERT_EQ(storage_->ReadRange(prefix_ + "big.bin", (size_t{5} << 20) - 10000, 20000, tail.data()),
            20000u);
  EXPECT_EQ(tail, bytes.substr((size_t{5} << 20) - 10000, 20000)) << "across a part boundary";
}

// s3rver implements neither AbortMultipartUpload (it answers 405) nor ListMultipartUploads, so
// here only the object's absence is checked; s3_protocol_test.cc checks the abort request.
TEST_F(S3StorageTest, DestroyingAnUncommittedMultipartWriterLeavesNothing) {
  std::string bytes = Pattern(size_t{6} << 20, 9);
  {
    auto writer = storage_->OpenWrite(prefix_ + "aborted.bin");
    writer->Write(bytes.data(), bytes.size());  // one part uploaded, the rest buffered
  }
  EXPECT_TRUE(storage_->List(prefix_).empty());
  Error e = CatchError([&] { storage_->Stat(prefix_ + "aborted.bin"); });
  EXPECT_EQ(e.kind(), ErrorKind::kInput);
}

TEST_F(S3StorageTest, MissingObjectsAreInputErrorsNamingTheUri) {
  std::string uri = prefix_ + "missing.csv";
  for (auto call : std::vector<std::function<void()>>{[&] { storage_->Stat(uri); },
                                                      [&] {
                                                        char c;
                                                        storage_->ReadRange(uri, 0, 1, &c);
                                                      },
                                                      [&] { storage_->OpenRead(uri); }}) {
    Error e = CatchError(call);
    EXPECT_EQ(e.kind(), ErrorKind::kInput);
    EXPECT_NE(std::string(e.what()).find(uri), std::string::npos) << e.what();
  }
  Error e = CatchError([&] { storage_->List("s3://no-such-bucket-" + RandomHex() + "/x"); });
  EXPECT_EQ(e.kind(), ErrorKind::kInput);
  EXPECT_NE(std::string(e.what()).find("no such bucket"), std::string::npos) << e.what();
}

TEST_F(S3StorageTest, RemoveDeletesTheObjectAndIgnoresMissingOnes) {
  Put(*storage_, prefix_ + "gone.csv", "x");
  storage_->Remove(prefix_ + "gone.csv");
  EXPECT_TRUE(storage_->List(prefix_).empty());
  storage_->Remove(prefix_ + "gone.csv");
}

TEST_F(S3StorageTest, UrisOfAnotherSchemeOrWithoutObjectAreUsageErrors) {
  EXPECT_EQ(CatchError([&] { storage_->Stat("gs://b/k"); }).kind(), ErrorKind::kUsage);
  EXPECT_EQ(CatchError([&] { storage_->Stat("s3://b/"); }).kind(), ErrorKind::kUsage);
  EXPECT_EQ(CatchError([&] { storage_->List("s3:///k"); }).kind(), ErrorKind::kUsage);
}

// Sets environment variables for one scope and restores what was there before.
class ScopedEnvironment {
 public:
  void Set(const char* name, const std::string& value) {
    if (!saved_.count(name)) {
      const char* old = std::getenv(name);
      saved_[name] = old ? std::optional<std::string>(old) : std::nullopt;
    }
    setenv(name, value.c_str(), 1);
  }
  ~ScopedEnvironment() {
    for (const auto& [name, value] : saved_) {
      if (value) {
        setenv(name.c_str(), value->c_str(), 1);
      } else {
        unsetenv(name.c_str());
      }
    }
  }

 private:
  std::map<std::string, std::optional<std::string>> saved_;
};

TEST_F(S3StorageTest, ConfigurationFromTheEnvironmentReachesACustomEndpointPathStyle) {
  ScopedEnvironment env;
  env.Set("HOME", "/nonexistent-sluice-home");
  env.Set("AWS_ACCESS_KEY_ID", "S3RVER");
  env.Set("AWS_SECRET_ACCESS_KEY", "S3RVER");
  env.Set("AWS_ENDPOINT_URL_S3", config_->endpoint);
  S3Config config = S3ConfigFromEnvironment(*bucket_);
  EXPECT_TRUE(config.path_style);
  auto storage = MakeS3Storage(config, S3TestHttpOptions());
  Put(*storage, prefix_ + "env.csv", "a,b\n");
  ASSERT_EQ(storage->List(prefix_).size(), 1u);
  EXPECT_EQ(ReadAll(*storage, prefix_ + "env.csv"), "a,b\n");
}

TEST_F(S3StorageTest, GcsHmacModeServesGsUrisOverTheSameProtocol) {
  ScopedEnvironment env;
  env.Set("GCS_HMAC_ACCESS_ID", "S3RVER");
  env.Set("GCS_HMAC_SECRET", "S3RVER");
  env.Set("SLUICE_GCS_XML_ENDPOINT", config_->endpoint);
  ASSERT_TRUE(GcsHmacConfigured());
  auto storage = MakeS3Storage(GcsXmlConfigFromEnvironment(), S3TestHttpOptions());
  std::string prefix = "gs://" + *bucket_ + "/" + RandomHex() + "/";
  Put(*storage, prefix + "g.json", "{}");
  std::vector<ObjectInfo> listed = storage->List(prefix);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].uri, prefix + "g.json");
  EXPECT_EQ(ReadAll(*storage, prefix + "g.json"), "{}");
  EXPECT_EQ(CatchError([&] { storage->Stat(prefix_ + "x"); }).kind(), ErrorKind::kUsage)
      << "an s3:// URI is not a gs:// object";
}

TEST(S3RequestUrl, VirtualHostedOnAwsPathStyleForCustomEndpointsAndDottedBuckets) {
  S3Config aws;
  aws.region = "eu-west-1";
  EXPECT_EQ(S3RequestUrl(aws, "bucket", "dir/a b.csv"),
            "https://bucket.s3.eu-west-1.amazonaws.com/dir/a%20b.csv");
  EXPECT_EQ(S3RequestUrl(aws, "bucket", "", "list-type=2"),
            "https://bucket.s3.eu-west-1.amazonaws.com/?list-type=2");
  EXPECT_EQ(S3RequestUrl(aws, "my.bucket", "k"), "https://s3.eu-west-1.amazonaws.com/my.bucket/k");
  S3Config minio;
  minio.endpoint = "http://127.0.0.1:9000";
  minio.path_style = true;
  EXPECT_EQ(S3RequestUrl(minio, "bucket", "x/y+z"), "http://127.0.0.1:9000/bucket/x/y%2Bz");
  EXPECT_EQ(S3RequestUrl(minio, "bucket", ""), "http://127.0.0.1:9000/bucket");
  minio.path_style = false;
  EXPECT_EQ(S3RequestUrl(minio, "bucket", "k"), "http://bucket.127.0.0.1:9000/k");
}

}  // namespace
}  // namespace sluice
