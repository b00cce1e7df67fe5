// `sluice load` from every object store end to end: globs across "directories", and reruns that
// load only new or changed objects (fingerprints by size + ETag), on S3 (s3rver), Azure Blob
// (azurite) and GCS (in-test JSON API server).
#include <gtest/gtest.h>

#include <functional>

#include "cli/cli_test_util.h"
#include "storage/conformance/storage_harness.h"

namespace sluice {
namespace {

using testing::StorageHarness;
using testing_util::QueryRows;
using testing_util::RunSluice;
using testing_util::TempDir;
using Rows = std::vector<std::string>;

struct Backend {
  std::string name;
  std::function<std::unique_ptr<StorageHarness>()> make;
  friend void PrintTo(const Backend& b, std::ostream* os) { *os << b.name; }
};

class RemoteBackends : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    harness_ = GetParam().make();
    if (!harness_) {
      if (testing::RequireStorageEmulators()) FAIL() << GetParam().name << " not configured";
      GTEST_SKIP() << GetParam().name << " not configured";
    }
    prefix_ = harness_->FreshPrefix();
  }
  std::unique_ptr<StorageHarness> harness_;
  std::string prefix_;
};

TEST_P(RemoteBackends, AGlobLoadsMatchingObjectsAndRerunsLoadOnlyNewOrChangedOnes) {
  TempDir dir;
  const std::string db = dir.File("w.duckdb");
  harness_->Seed(prefix_ + "events/2024/01/a.csv", "id,v\n1,a\n2,b\n");
  harness_->Seed(prefix_ + "events/2024/02/deep/b.csv", "id,v\n3,c\n");
  harness_->Seed(prefix_ + "events/2024/02/notes.txt", "not,this\n");
  const std::string load = "load '" + prefix_ + "events/**/*.csv' duckdb:///" + db +
                           " --table events --report json";
  auto first = RunSluice(load, "", harness_->CliEnvironment());
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(QueryRows(db, "SELECT id, v FROM events ORDER BY id"), (Rows{"1|a", "2|b", "3|c"}));

  auto unchanged = RunSluice(load, "", harness_->CliEnvironment());
  ASSERT_EQ(unchanged.exit_code, 0) << unchanged.err;
  EXPECT_NE(unchanged.out.find("\"status\":\"unchanged\""), std::string::npos) << unchanged.out;

  harness_->Seed(prefix_ + "events/2024/02/deep/b.csv", "id,v\n3,c\n4,d\n");  // changed
  harness_->Seed(prefix_ + "events/2024/03/c.csv", "id,v\n5,e\n");            // new
  auto third = RunSluice(load, "", harness_->CliEnvironment());
  ASSERT_EQ(third.exit_code, 0) << third.err;
  // Append mode: the changed object's rows load again (the first version's rows stay).
  EXPECT_EQ(QueryRows(db, "SELECT id, v FROM events ORDER BY id"),
            (Rows{"1|a", "2|b", "3|c", "3|c", "4|d", "5|e"}));
  EXPECT_EQ(QueryRows(db, "SELECT count(*) FROM _sluice_state WHERE key LIKE 'file:%'"),
            Rows{"3"});
}

TEST_P(RemoteBackends, AMissingObjectFailsNamingIt) {
  TempDir dir;
  auto r = RunSluice("load '" + prefix_ + "nope/orders.csv' duckdb:///" + dir.File("w.duckdb"),
                     "", harness_->CliEnvironment());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("nope/orders.csv"), std::string::npos) << r.err;
}

INSTANTIATE_TEST_SUITE_P(ObjectStores, RemoteBackends,
                         ::testing::Values(Backend{"S3", testing::MakeS3Harness},
                                           Backend{"Azure", testing::MakeAzureHarness},
                                           Backend{"GcsJson", testing::MakeGcsJsonHarness}),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace sluice
