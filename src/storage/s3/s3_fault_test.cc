// The S3 backend behind a proxy that injects failures into s3rver's responses (500, 503
// SlowDown, 429, dropped connections, truncated bodies, stalls): writes, listings and reads
// still produce exactly the bytes written, or fail cleanly.
#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "storage/http/fault_proxy_test_util.h"
#include "storage/s3/s3_storage.h"
#include "storage/s3/s3_test_util.h"

namespace sluice {
namespace {

using testing::Fault;
using testing::FaultProxy;

std::string Pattern(size_t size, uint32_t seed) {
  std::string out(size, '\0');
  uint32_t x = seed * 2654435761u + 1;
  for (char& c : out) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = static_cast<char>(x);
  }
  return out;
}

std::string ReadAll(Storage& storage, const std::string& uri) {
  auto in = storage.OpenRead(uri);
  std::string out;
  char buffer[1 << 16];
  while (size_t n = in->Read(buffer, sizeof buffer)) out.append(buffer, n);
  return out;
}

HttpOptions PatientOptions() {
  HttpOptions options;
  options.max_attempts = 8;
  options.backoff_base = std::chrono::milliseconds(5);
  options.backoff_max = std::chrono::milliseconds(50);
  options.low_speed_time = std::chrono::seconds(1);  // a stalled response is abandoned quickly
  options.low_speed_bytes = 1;
  return options;
}

class S3FaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::optional<S3Config> config = testing::S3TestConfig();
    if (!config) {
      const char* required = std::getenv("SLUICE_REQUIRE_STORAGE_EMULATORS");
      if (required && std::string(required) == "1") FAIL() << "SLUICE_TEST_S3_ENDPOINT is not set";
      GTEST_SKIP() << "SLUICE_TEST_S3_ENDPOINT is not set (start s3rver)";
    }
    bucket_ = testing::CreateS3TestBucket(*config);
    proxy_ = std::make_unique<FaultProxy>(config->endpoint);
    proxy_->set_slow_seconds(2);
    config->endpoint = proxy_->endpoint();
    config->list_page_size = 2;
    config->upload_parallelism = 2;
    storage_ = MakeS3Storage(*config, PatientOptions());
    prefix_ = "s3://" + bucket_ + "/faults/";
  }

  std::string bucket_;
  std::unique_ptr<FaultProxy> proxy_;
  std::unique_ptr<Storage> storage_;
  std::string prefix_;
};

TEST_F(S3FaultTest, EveryOperationCompletesWithTheIdenticalResultDespiteRecurringFaults) {
  proxy_->FailEvery(3, {Fault::kStatus500, Fault::kSlowDown503, Fault::kDrop, Fault::kTruncate,
                        Fault::kTooMany429, Fault::kSlow});
  std::vector<std::string> small;
  for (int i = 0; i < 5; ++i) {
    small.push_back(Pattern(1000 + i, i));
    auto writer = storage_->OpenWrite(prefix_ + "small-" + std::to_string(i));
    writer->Write(small.back().data(), small.back().size());
    writer->Commit();
  }
  // Three parts of 5 MiB and a tail: a dropped or truncated CompleteMultipartUpload response
  // makes the retry meet NoSuchUpload, which must still count as written.
  std::string big = Pattern((size_t{15} << 20) + 4321, 99);
  {
    auto writer = storage_->OpenWrite(prefix_ + "big");
    for (size_t at = 0; at < big.size(); at += 1 << 20) {
      writer->Write(big.data() + at, std::min<size_t>(1 << 20, big.size() - at));
    }
    writer->Commit();
  }

  std::vector<ObjectInfo> listed = storage_->List(prefix_);
  ASSERT_EQ(listed.size(), 6u);
  EXPECT_EQ(listed[0].uri, prefix_ + "big");
  EXPECT_EQ(listed[0].size, static_cast<int64_t>(big.size()));
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(ReadAll(*storage_, prefix_ + "small-" + std::to_string(i)), small[i]);
  }
  EXPECT_EQ(ReadAll(*storage_, prefix_ + "big"), big);
  std::string range(100000, '\0');
  ASSERT_EQ(storage_->ReadRange(prefix_ + "big", 7000000, range.size(), range.data()),
            range.size());
  EXPECT_EQ(range, big.substr(7000000, range.size()));
  EXPECT_GT(proxy_->faults_injected(), 10);
}

TEST_F(S3FaultTest, AServiceThatNeverRecoversFailsCleanlyWithARetriableErrorAndNoObject) {
  proxy_->FailAlways(Fault::kSlowDown503);
  std::string bytes = Pattern(5000, 1);
  auto writer = storage_->OpenWrite(prefix_ + "never");
  writer->Write(bytes.data(), bytes.size());
  try {
    writer->Commit();
    FAIL() << "commit succeeded against a failing service";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kIo);
    EXPECT_TRUE(e.retriable());
    EXPECT_EQ(std::string(e.what()).find("S3RVER"), std::string::npos) << e.what();
  }
  proxy_->FailAlways(Fault::kNone);
  EXPECT_TRUE(storage_->List(prefix_).empty());
}

}  // namespace
}  // namespace sluice
