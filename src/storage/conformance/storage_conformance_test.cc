// The behaviour every storage backend shares, proven against each: local disk, HTTP(S), S3
// (s3rver), Azure Blob (azurite) and GCS's JSON API (in-test server). A backend whose service is
// not running is skipped, unless SLUICE_REQUIRE_STORAGE_EMULATORS=1 (the test command).
#include <gtest/gtest.h>

#include <functional>
#include <random>

#include "core/error.h"
#include "storage/conformance/storage_harness.h"
#include "storage/glob_pattern.h"
#include "storage/range_reader.h"

namespace sluice::testing {
namespace {

struct Backend {
  std::string name;
  std::function<std::unique_ptr<StorageHarness>()> make;
  friend void PrintTo(const Backend& b, std::ostream* os) { *os << b.name; }
};

std::vector<Backend> Backends() {
  return {
      {"Local", MakeLocalHarness},
      {"Http", MakeHttpHarness},
      {"S3", MakeS3Harness},
      {"Azure", MakeAzureHarness},
      {"GcsJson", MakeGcsJsonHarness},
  };
}

std::string RandomBytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

std::string ReadAll(InputStream& in) {
  std::string out;
  char buf[100000];
  for (size_t n; (n = in.Read(buf, sizeof buf)) > 0;) out.append(buf, n);
  return out;
}

class StorageConformance : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    harness_ = GetParam().make();
    if (!harness_) {
      if (RequireStorageEmulators()) FAIL() << GetParam().name << " service is not configured";
      GTEST_SKIP() << GetParam().name << " service not configured";
    }
    prefix_ = harness_->FreshPrefix();
  }
  Storage& storage() { return harness_->storage(); }
  void Put(const std::string& name, const std::string& bytes) {
    harness_->Seed(prefix_ + name, bytes);
  }

  std::unique_ptr<StorageHarness> harness_;
  std::string prefix_;
};

TEST_P(StorageConformance, AnObjectReadsBackByteExactWithItsSize) {
  const std::string bytes = RandomBytes(3 << 20, 1);
  Put("dir/object.bin", bytes);
  const ObjectInfo info = storage().Stat(prefix_ + "dir/object.bin");
  EXPECT_EQ(info.uri, prefix_ + "dir/object.bin");
  EXPECT_EQ(info.size, static_cast<int64_t>(bytes.size()));
  auto in = storage().OpenRead(prefix_ + "dir/object.bin");
  EXPECT_EQ(ReadAll(*in), bytes);
}

TEST_P(StorageConformance, AnEmptyObjectExistsWithSizeZero) {
  Put("empty", "");
  EXPECT_EQ(storage().Stat(prefix_ + "empty").size, 0);
  auto in = storage().OpenRead(prefix_ + "empty");
  EXPECT_EQ(ReadAll(*in), "");
}

TEST_P(StorageConformance, RangeReadsReturnExactlyTheBytesAskedAndFewerOnlyAtTheEnd) {
  const std::string bytes = RandomBytes(100000, 2);
  Put("r.bin", bytes);
  std::string out(1000, '\0');
  ASSERT_EQ(storage().ReadRange(prefix_ + "r.bin", 5000, 1000, out.data()), 1000u);
  EXPECT_EQ(out, bytes.substr(5000, 1000));
  ASSERT_EQ(storage().ReadRange(prefix_ + "r.bin", 99500, 1000, out.data()), 500u);
  EXPECT_EQ(out.substr(0, 500), bytes.substr(99500));
  EXPECT_EQ(storage().ReadRange(prefix_ + "r.bin", 100000, 1000, out.data()), 0u);
}

TEST_P(StorageConformance, ParallelRangeReadsReassembleALargeObjectInOrder) {
  const std::string bytes = RandomBytes(9 << 20, 3);
  Put("big.bin", bytes);
  RangeReadOptions options;
  options.range_size = 1 << 20;
  options.parallelism = 4;
  auto in = MakeRangeInputStream(storage(), storage().Stat(prefix_ + "big.bin"), options);
  EXPECT_EQ(ReadAll(*in), bytes);
  EXPECT_EQ(in->StoredBytesRead(), bytes.size());
}

TEST_P(StorageConformance, AMissingObjectIsAnInputErrorNamingIt) {
  try {
    storage().Stat(prefix_ + "no/such.csv");
    FAIL() << "Stat of a missing object succeeded";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInput);
    EXPECT_NE(std::string(e.what()).find("no/such.csv"), std::string::npos) << e.what();
  }
}

TEST_P(StorageConformance, ListFindsEveryObjectUnderThePrefixRecursivelyInOrder) {
  if (!harness_->Listable()) GTEST_SKIP() << "no listing";
  Put("b/d/e.csv", "3");
  Put("a.csv", "1");
  Put("b/c.csv", "2");
  Put("bz.csv", "4");
  std::vector<std::string> uris;
  for (const auto& o : storage().List(prefix_ + "b")) uris.push_back(o.uri);
  EXPECT_EQ(uris, (std::vector<std::string>{prefix_ + "b/c.csv", prefix_ + "b/d/e.csv",
                                            prefix_ + "bz.csv"}));
  const auto all = storage().List(prefix_);
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].uri, prefix_ + "a.csv");
  EXPECT_EQ(all[0].size, 1);
  EXPECT_TRUE(storage().List(prefix_ + "nothing/").empty());
}

TEST_P(StorageConformance, GlobStarsStayInASegmentAndGlobstarsCrossThem) {
  if (!harness_->Listable()) GTEST_SKIP() << "no listing";
  Put("logs/2024-01/a.csv", "a");
  Put("logs/2024-01/deep/b.csv", "b");
  Put("logs/2024-02/c.csv", "c");
  Put("logs/2024-02/c.json", "j");
  Put("logs/2023-12/d.csv", "d");
  auto names = [&](const std::string& pattern) {
    std::vector<std::string> out;
    for (const auto& o : ExpandGlob(storage(), prefix_ + pattern)) {
      out.push_back(o.uri.substr(prefix_.size()));
    }
    return out;
  };
  EXPECT_EQ(names("logs/2024-*/*.csv"),
            (std::vector<std::string>{"logs/2024-01/a.csv", "logs/2024-02/c.csv"}));
  EXPECT_EQ(names("logs/**/*.csv"),
            (std::vector<std::string>{"logs/2023-12/d.csv", "logs/2024-01/a.csv",
                                      "logs/2024-01/deep/b.csv", "logs/2024-02/c.csv"}));
  EXPECT_EQ(names("logs/2024-0[2-9]/c.{csv,json}"),
            (std::vector<std::string>{"logs/2024-02/c.csv", "logs/2024-02/c.json"}));
  EXPECT_THROW(names("logs/*.parquet"), Error);
}

TEST_P(StorageConformance, NothingIsVisibleBeforeCommit) {
  if (!harness_->Writable()) GTEST_SKIP() << "read-only backend";
  {
    auto writer = storage().OpenWrite(prefix_ + "partial.csv");
    const std::string bytes = RandomBytes(1 << 20, 4);
    writer->Write(bytes.data(), bytes.size());
    EXPECT_THROW(storage().Stat(prefix_ + "partial.csv"), Error);
  }  // destroyed uncommitted: aborted
  EXPECT_THROW(storage().Stat(prefix_ + "partial.csv"), Error);
  EXPECT_TRUE(storage().List(prefix_).empty());
}

TEST_P(StorageConformance, WritesInManyPiecesCommitOneObjectAndOverwriteReplacesIt) {
  if (!harness_->Writable()) GTEST_SKIP() << "read-only backend";
  const std::string bytes = RandomBytes(11 << 20, 5);
  {
    auto writer = storage().OpenWrite(prefix_ + "out/data.bin");
    for (size_t at = 0; at < bytes.size(); at += 300000) {
      writer->Write(bytes.data() + at, std::min<size_t>(300000, bytes.size() - at));
    }
    writer->Commit();
  }
  const ObjectInfo first = storage().Stat(prefix_ + "out/data.bin");
  EXPECT_EQ(first.size, static_cast<int64_t>(bytes.size()));
  auto in = storage().OpenRead(prefix_ + "out/data.bin");
  EXPECT_EQ(ReadAll(*in), bytes);

  Put("out/data.bin", "replaced");
  const ObjectInfo second = storage().Stat(prefix_ + "out/data.bin");
  EXPECT_EQ(second.size, 8);
  if (!first.etag.empty()) EXPECT_NE(first.etag, second.etag);
}

TEST_P(StorageConformance, RemoveDeletesAndIgnoresMissingObjects) {
  if (!harness_->Writable()) GTEST_SKIP() << "read-only backend";
  Put("gone.csv", "x");
  storage().Remove(prefix_ + "gone.csv");
  EXPECT_THROW(storage().Stat(prefix_ + "gone.csv"), Error);
  EXPECT_NO_THROW(storage().Remove(prefix_ + "gone.csv"));
}

INSTANTIATE_TEST_SUITE_P(Backends, StorageConformance, ::testing::ValuesIn(Backends()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace sluice::testing
