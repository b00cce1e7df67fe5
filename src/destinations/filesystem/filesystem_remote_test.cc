// The filesystem destination on object stores through the storage suite's harnesses: s3rver
// (SLUICE_TEST_S3_ENDPOINT), azurite (SLUICE_TEST_AZURE_CONNECTION_STRING) and the in-test GCS
// server. Skipped when an emulator is not configured, unless SLUICE_REQUIRE_STORAGE_EMULATORS=1.
#include <gtest/gtest.h>

#include "cli/cli_test_util.h"
#include "core/error.h"
#include "destinations/conformance/destination_harness.h"
#include "destinations/filesystem/filesystem_destination.h"
#include "destinations/filesystem/filesystem_test_util.h"
#include "storage/conformance/storage_harness.h"

namespace sluice {
namespace {

using testing_util::MakeBatch;
using testing_util::TestLoad;
using Rows = std::vector<std::string>;

const DataType kInt = DataType::Of(TypeId::kInt64);
const DataType kText = DataType::Of(TypeId::kText);

struct Backend {
  std::string name;
  std::unique_ptr<sluice::testing::StorageHarness> (*make)();
};

class FilesystemOnObjectStore : public ::testing::TestWithParam<Backend> {};

TEST_P(FilesystemOnObjectStore, LoadsCommitByManifestReplaceAndCleanUpOrphans) {
  auto harness = GetParam().make();
  if (!harness) {
    if (sluice::testing::RequireStorageEmulators())
      FAIL() << GetParam().name << " emulator missing";
    GTEST_SKIP() << GetParam().name << " emulator not configured";
  }
  Storage& storage = harness->storage();
  const std::string prefix = harness->FreshPrefix();
  auto open = [&](const std::string& format) {
    return std::make_unique<FilesystemDestination>(
        storage, ParseFilesystemUri(prefix + "?format=" + format + "&file_rows=2"));
  };
  auto query = [&](const std::string& sql) {
    return testing_util::QueryFilesystemDestination(storage, prefix, sql);
  };
  auto plan = [](const std::string& id, WriteMode mode) {
    LoadPlan p;
    p.load_id = id;
    p.pipeline = "remote";
    p.mode = mode;
    p.root_table = "t";
    return p;
  };
  {
    auto dest = open("parquet");
    TestLoad load(*dest, plan("20260101T000000Z-00000001", WriteMode::kAppend));
    load.Write(MakeBatch("t", {"id", "name"}, {kInt, kText}, {{"1", "a"}, {"2", "b"}, {"3", "c"}}));
    LoadRecord record;
    record.state = {{"", "t", "file:x", "{\"etag\":\"e1\"}", "", ""}};
    load.Commit(record);
  }
  EXPECT_EQ(query("SELECT id, name FROM t ORDER BY id"), (Rows{"1|a", "2|b", "3|c"}));
  {
    // A load that died after finishing a data file: an object no manifest lists.
    auto writer = storage.OpenWrite(prefix + "t/20260101T000000Z-00000002.0.parquet");
    writer->Write("orphan", 6);
    writer->Commit();
  }
  EXPECT_EQ(query("SELECT count(*) FROM t"), Rows{"3"}) << "the orphan is invisible";
  {
    auto dest = open("parquet");
    EXPECT_EQ(dest->ReadState("remote").size(), 1u);
    TestLoad load(*dest, plan("20260101T000000Z-00000003", WriteMode::kReplace));
    load.Write(MakeBatch("t", {"id", "name"}, {kInt, kText}, {{"4", "d"}}));
    load.Commit();
  }
  EXPECT_EQ(query("SELECT id, name FROM t"), Rows{"4|d"});
  Rows objects;
  for (const ObjectInfo& o : storage.List(prefix)) {
    const std::string rel = o.uri.substr(prefix.size());
    if (rel.rfind("_sluice/", 0) != 0) objects.push_back(rel);
  }
  EXPECT_EQ(objects, Rows{"t/20260101T000000Z-00000003.0.parquet"})
      << "the orphan and the replaced files were removed";
}

TEST_P(FilesystemOnObjectStore, SluiceLoadRerunsIdempotentlyOnTheObjectStore) {
  auto harness = GetParam().make();
  if (!harness) {
    if (sluice::testing::RequireStorageEmulators())
      FAIL() << GetParam().name << " emulator missing";
    GTEST_SKIP() << GetParam().name << " emulator not configured";
  }
  testing_util::TempDir dir;
  const std::string csv = dir.Write("data.csv", "id,name\n1,a\n2,b\n");
  const std::string prefix = harness->FreshPrefix();
  const std::string args = "load " + csv + " '" + prefix + "?format=jsonl&compression=gzip'";
  auto first = testing_util::RunSluice(args + " -q", "", harness->CliEnvironment());
  ASSERT_EQ(first.exit_code, 0) << first.err;
  auto second = testing_util::RunSluice(args, "", harness->CliEnvironment());
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.err.find("nothing to load"), std::string::npos) << second.err;
  EXPECT_EQ(testing_util::QueryFilesystemDestination(harness->storage(), prefix,
                                                     "SELECT id, name FROM data ORDER BY id"),
            (Rows{"1|a", "2|b"}));
}

INSTANTIATE_TEST_SUITE_P(Emulators, FilesystemOnObjectStore,
                         ::testing::Values(Backend{"s3", &sluice::testing::MakeS3Harness},
                                           Backend{"azure", &sluice::testing::MakeAzureHarness},
                                           Backend{"gcs", &sluice::testing::MakeGcsJsonHarness}),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace sluice
