// The filesystem destination: files per table and load, a manifest per committed load written
// last, state and schemas from the manifests. Values are read back with DuckDB the way the
// documentation tells readers to (filesystem_test_util.h).
#include "destinations/filesystem/filesystem_destination.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/cli_test_util.h"
#include "core/error.h"
#include "destinations/conformance/destination_harness.h"
#include "destinations/filesystem/filesystem_test_util.h"
#include "storage/local/local_storage.h"

namespace sluice {
namespace {

using testing_util::MakeBatch;
using testing_util::TempDir;
using testing_util::TestLoad;
using Rows = std::vector<std::string>;

const DataType kInt = DataType::Of(TypeId::kInt64);
const DataType kText = DataType::Of(TypeId::kText);

std::vector<std::string> FilesUnder(const std::filesystem::path& dir) {
  std::vector<std::string> out;
  if (!std::filesystem::exists(dir)) return out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) out.push_back(std::filesystem::relative(e.path(), dir).string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string ReadText(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class FilesystemDestinationTest : public ::testing::Test {
 protected:
  std::string Uri(const std::string& query = "") const {
    return "file://" + dir_.path().string() + (query.empty() ? "" : "?" + query);
  }
  std::unique_ptr<FilesystemDestination> Open(const std::string& query = "") {
    return FilesystemDestination::Open(Uri(query));
  }
  LoadPlan Plan(WriteMode mode = WriteMode::kAppend, const std::string& root = "t") {
    LoadPlan p;
    char id[32];  // shaped like the runner's load ids: cleanup only touches names shaped so
    std::snprintf(id, sizeof id, "20260101T000000Z-%08d", ++loads_);
    p.load_id = id;
    p.pipeline = "test";
    p.mode = mode;
    p.root_table = root;
    return p;
  }
  void Load(Destination& dest, const LoadPlan& plan, std::vector<Batch> batches,
            LoadRecord record = {}) {
    TestLoad load(dest, plan);
    for (auto& b : batches) load.Write(std::move(b));
    load.Commit(record);
  }
  Rows Query(const std::string& sql) {
    return testing_util::QueryFilesystemDestination(StorageFor(Uri()), Uri() + "/", sql);
  }
  std::vector<std::string> Files() const { return FilesUnder(dir_.path()); }

  TempDir dir_;
  int loads_ = 0;
};

TEST_F(FilesystemDestinationTest, FilesAreLaidOutAsTableLoadIdNAndTheManifestNamesThem) {
  auto dest = Open("format=csv");
  Load(*dest, Plan(), {MakeBatch("t", {"id"}, {kInt}, {{"1"}, {"2"}})});
  EXPECT_EQ(Files(), (Rows{"_sluice/loads/00000000000000000001-20260101T000000Z-00000001.json", "t/20260101T000000Z-00000001.0.csv"}));
  const std::string manifest =
      ReadText(dir_.path() / "_sluice/loads/00000000000000000001-20260101T000000Z-00000001.json");
  EXPECT_NE(manifest.find("\"path\":\"t/20260101T000000Z-00000001.0.csv\",\"rows\":2"), std::string::npos) << manifest;
  EXPECT_NE(manifest.find("\"pipeline\":\"test\""), std::string::npos) << manifest;
  EXPECT_EQ(Query("SELECT id, _sluice_load_id FROM t ORDER BY id"), (Rows{"1|20260101T000000Z-00000001", "2|20260101T000000Z-00000001"}));
}

TEST_F(FilesystemDestinationTest, FilesRollAtTheRowThresholdWithDeterministicNames) {
  auto dest = Open("format=jsonl&file_rows=2");
  Load(*dest, Plan(),
       {MakeBatch("t", {"id"}, {kInt}, {{"1"}, {"2"}, {"3"}}),
        MakeBatch("t", {"id"}, {kInt}, {{"4"}, {"5"}})});
  EXPECT_EQ(Files(), (Rows{"_sluice/loads/00000000000000000001-20260101T000000Z-00000001.json", "t/20260101T000000Z-00000001.0.jsonl",
                           "t/20260101T000000Z-00000001.1.jsonl", "t/20260101T000000Z-00000001.2.jsonl"}));
  EXPECT_EQ(
      ReadText(dir_.path() / "t/20260101T000000Z-00000001.1.jsonl"),
      "{\"id\":3,\"_sluice_load_id\":\"20260101T000000Z-00000001\"}\n{\"id\":4,\"_sluice_load_id\":\"20260101T000000Z-00000001\"}\n");
  EXPECT_EQ(Query("SELECT count(*), sum(id) FROM t"), Rows{"5|15"});
}

TEST_F(FilesystemDestinationTest, FilesRollAtTheByteThreshold) {
  auto dest = Open("format=csv&file_bytes=1");
  Load(*dest, Plan(),
       {MakeBatch("t", {"id"}, {kInt}, {{"1"}}), MakeBatch("t", {"id"}, {kInt}, {{"2"}})});
  EXPECT_EQ(Files().size(), 3u) << "a file per batch once a file exceeds file_bytes";
  EXPECT_EQ(Query("SELECT count(*) FROM t"), Rows{"2"});
}

TEST_F(FilesystemDestinationTest, NothingIsVisibleUntilTheManifestAndRollbackRemovesTheFiles) {
  auto dest = Open("format=csv&file_rows=1");
  {
    TestLoad load(*dest, Plan());
    load.Write(MakeBatch("t", {"id"}, {kInt}, {{"1"}, {"2"}}));
    EXPECT_TRUE(std::filesystem::exists(dir_.path() / "t/20260101T000000Z-00000001.0.csv"))
        << "a full file is finished while rows stream in";
    EXPECT_EQ(dest->ReadCatalog().AllTables().size(), 0u) << "but no reader sees it";
    load.Rollback();
  }
  EXPECT_EQ(Files(), Rows{});
}

// A storage that simulates a process killed just before its manifest: data files land, the
// manifest never does, and nothing cleans up.
class DiesBeforeManifest : public Storage {
 public:
  explicit DiesBeforeManifest(Storage& inner) : inner_(inner) {}
  std::vector<ObjectInfo> List(const std::string& p) override { return inner_.List(p); }
  ObjectInfo Stat(const std::string& u) override { return inner_.Stat(u); }
  size_t ReadRange(const std::string& u, uint64_t o, size_t n, char* out) override {
    return inner_.ReadRange(u, o, n, out);
  }
  std::unique_ptr<InputStream> OpenRead(const std::string& u) override {
    return inner_.OpenRead(u);
  }
  std::unique_ptr<ObjectWriter> OpenWrite(const std::string& u) override {
    if (u.find("/_sluice/loads/") != std::string::npos) throw Error(ErrorKind::kIo, "killed");
    return inner_.OpenWrite(u);
  }
  void Remove(const std::string&) override {}

 private:
  Storage& inner_;
};

TEST_F(FilesystemDestinationTest, CleanupNeverTouchesFilesWhoseNamesSluiceDidNotGive) {
  Load(*Open("format=csv"), Plan(), {MakeBatch("t", {"id"}, {kInt}, {{"1"}})});
  for (const char* name : {"t/sales.2024.csv", "exports/orders.1.parquet", "t/notes.txt"}) {
    auto writer = StorageFor(Uri()).OpenWrite(Uri() + "/" + name);
    writer->Commit();
  }
  Load(*Open("format=csv"), Plan(), {MakeBatch("t", {"id"}, {kInt}, {{"2"}})});
  const Rows files = Files();
  for (const char* name : {"t/sales.2024.csv", "exports/orders.1.parquet", "t/notes.txt"}) {
    EXPECT_NE(std::find(files.begin(), files.end(), name), files.end()) << name;
  }
}

TEST_F(FilesystemDestinationTest, ALoadThatDiesBeforeItsManifestLeavesOrphansTheNextLoadRemoves) {
  Load(*Open("format=parquet"), Plan(), {MakeBatch("t", {"id"}, {kInt}, {{"1"}})});
  {
    DiesBeforeManifest dying(StorageFor(Uri()));
    FilesystemDestination dest(dying, ParseFilesystemUri(Uri("format=parquet")));
    LoadPlan plan = Plan();
    TestLoad load(dest, plan);
    load.Write(MakeBatch("t", {"id"}, {kInt}, {{"2"}}));
    LoadRecord record;
    record.state = {{"", "t", "file:x", "{\"etag\":\"e\"}", "", ""}};
    EXPECT_THROW(load.Commit(record), Error);
    load.Rollback();  // removes nothing: the process is "dead"
  }
  EXPECT_EQ(Files(), (Rows{"_sluice/loads/00000000000000000001-20260101T000000Z-00000001.json", "t/20260101T000000Z-00000001.0.parquet",
                           "t/20260101T000000Z-00000002.0.parquet"}))
      << "the orphan is there";
  EXPECT_EQ(Query("SELECT id FROM t"), Rows{"1"}) << "readers that follow manifests ignore it";
  auto dest = Open("format=parquet");
  EXPECT_TRUE(dest->ReadState("test").empty()) << "its state never committed";
  Load(*dest, Plan(), {MakeBatch("t", {"id"}, {kInt}, {{"3"}})});
  EXPECT_EQ(Files(), (Rows{"_sluice/loads/00000000000000000001-20260101T000000Z-00000001.json",
                           "_sluice/loads/00000000000000000002-20260101T000000Z-00000003.json", "t/20260101T000000Z-00000001.0.parquet",
                           "t/20260101T000000Z-00000003.0.parquet"}))
      << "the next load removed the orphan";
  EXPECT_EQ(Query("SELECT id FROM t ORDER BY id"), (Rows{"1", "3"}));
}

// A store that completes the manifest but loses the response (the connection dropped).
class LosesTheManifestResponse : public DiesBeforeManifest {
 public:
  explicit LosesTheManifestResponse(Storage& inner) : DiesBeforeManifest(inner), inner_(inner) {}
  std::unique_ptr<ObjectWriter> OpenWrite(const std::string& u) override {
    if (u.find("/_sluice/loads/") == std::string::npos) return inner_.OpenWrite(u);
    class Lossy : public ObjectWriter {
     public:
      explicit Lossy(std::unique_ptr<ObjectWriter> w) : w_(std::move(w)) {}
      void Write(const char* d, size_t n) override { w_->Write(d, n); }
      void Commit() override {
        w_->Commit();
        throw Error(ErrorKind::kIo, "connection reset after the upload completed", true);
      }

     private:
      std::unique_ptr<ObjectWriter> w_;
    };
    return std::make_unique<Lossy>(inner_.OpenWrite(u));
  }
  void Remove(const std::string& u) override { inner_.Remove(u); }

 private:
  Storage& inner_;
};

TEST_F(FilesystemDestinationTest, AManifestWhoseResponseWasLostStillCommitsTheLoad) {
  LosesTheManifestResponse lossy(StorageFor(Uri()));
  FilesystemDestination dest(lossy, ParseFilesystemUri(Uri("format=csv")));
  Load(dest, Plan(), {MakeBatch("t", {"id"}, {kInt}, {{"1"}})});
  EXPECT_EQ(Query("SELECT id FROM t"), Rows{"1"}) << "the files the manifest lists are all there";
}

TEST_F(FilesystemDestinationTest, FilesThatAreNotSluicesAreLeftAlone) {
  std::filesystem::create_directories(dir_.path() / "t");
  std::ofstream(dir_.path() / "t" / "notes.txt") << "mine";
  std::ofstream(dir_.path() / "README") << "mine";
  Load(*Open("format=csv"), Plan(), {MakeBatch("t", {"id"}, {kInt}, {{"1"}})});
  Load(*Open("format=csv"), Plan(), {MakeBatch("t", {"id"}, {kInt}, {{"2"}})});
  EXPECT_TRUE(std::filesystem::exists(dir_.path() / "t" / "notes.txt"));
  EXPECT_TRUE(std::filesystem::exists(dir_.path() / "README"));
}

TEST_F(FilesystemDestinationTest, ReplaceMakesTheLoadTheFamilysContentAndRemovesOldFiles) {
  auto dest = Open("format=parquet");
  Load(*dest, Plan(),
       {MakeBatch("t", {"_sluice_id", "v"}, {kText, kText}, {{"p1", "old"}}),
        MakeBatch("t__items", {"_sluice_parent_id", "_sluice_id", "sku"}, {kText, kText, kText},
                  {{"p1", "c1", "a"}})});
  Load(*dest, Plan(), {MakeBatch("t", {"_sluice_id", "v"}, {kText, kText}, {{"p0", "older"}})});
  Load(*dest, Plan(WriteMode::kReplace), {MakeBatch("t", {"_sluice_id"}, {kText}, {{"p2"}})});
  EXPECT_EQ(Query("SELECT _sluice_id, v FROM t"), Rows{"p2|NULL"}) << "columns are kept";
  EXPECT_EQ(Query("SELECT count(*) FROM t__items"), Rows{"0"}) << "children are replaced too";
  EXPECT_EQ(Files(), (Rows{"_sluice/loads/00000000000000000001-20260101T000000Z-00000001.json",
                           "_sluice/loads/00000000000000000002-20260101T000000Z-00000002.json",
                           "_sluice/loads/00000000000000000003-20260101T000000Z-00000003.json", "t/20260101T000000Z-00000003.0.parquet"}))
      << "superseded files are removed after the commit";
  const std::string manifest =
      ReadText(dir_.path() / "_sluice/loads/00000000000000000003-20260101T000000Z-00000003.json");
  EXPECT_NE(manifest.find("\"name\":\"t__items\",\"replace\":true,\"rows\":0"), std::string::npos)
      << manifest;
  Load(*dest, Plan(WriteMode::kReplace), {});
  EXPECT_EQ(Query("SELECT count(*) FROM t"), Rows{"0"}) << "an empty replace empties the table";
}

TEST_F(FilesystemDestinationTest, MergeIsRefusedWithAUsageError) {
  auto dest = Open();
  LoadPlan plan = Plan(WriteMode::kMerge);
  plan.primary_key = {"id"};
  try {
    dest->Begin(plan);
    FAIL() << "merge must be refused";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUsage);
    EXPECT_NE(std::string(e.what()).find("does not support --mode merge"), std::string::npos);
  }
}

TEST_F(FilesystemDestinationTest, StateComesFromCommittedManifestsLaterWinsAndResetForgets) {
  auto dest = Open("format=jsonl");
  LoadRecord first;
  first.state = {{"", "t", "cursor", "{\"v\":1}", "", ""}, {"", "t", "gone", "2", "", ""}};
  Load(*dest, Plan(), {MakeBatch("t", {"id"}, {kInt}, {{"1"}})}, first);
  LoadRecord second;
  second.state = {{"", "t", "gone", "", "", ""}, {"", "t", "cursor", "{\"v\": 2}", "", ""}};
  Load(*dest, Plan(), {MakeBatch("t", {"id"}, {kInt}, {{"2"}})}, second);
  LoadPlan other = Plan();
  other.pipeline = "other";
  LoadRecord third;
  third.state = {{"", "t", "cursor", "{\"v\":9}", "", ""}};
  Load(*dest, other, {}, third);
  const auto state = dest->ReadState("test");
  ASSERT_EQ(state.size(), 1u);
  EXPECT_EQ(state[0].key, "cursor");
  EXPECT_EQ(state[0].value, "{\"v\":2}");
  EXPECT_EQ(state[0].load_id, "20260101T000000Z-00000002");
  EXPECT_EQ(Query("SELECT table_name, load_id FROM _sluice_schemas"), Rows{"t|20260101T000000Z-00000001"})
      << "an unchanged schema is recorded once";
  EXPECT_EQ(dest->ResetState("test"), 1u);
  EXPECT_TRUE(dest->ReadState("test").empty());
  EXPECT_EQ(dest->ReadState("other").size(), 1u) << "other pipelines keep theirs";
  EXPECT_EQ(Query("SELECT count(*) FROM t"), Rows{"2"}) << "a reset does not touch data";
}

TEST_F(FilesystemDestinationTest, NewColumnsAppearInLaterFilesAndWideningIsRecorded) {
  auto dest = Open("format=csv");
  Load(*dest, Plan(), {MakeBatch("t", {"id", "v"}, {kInt, kInt}, {{"1", "7"}, {"22", nullptr}})});
  EXPECT_TRUE(dest->ColumnHasValues("t", "v"));
  EXPECT_EQ(dest->LoadedIntegerDigits("t", "id"), 2);
  Load(*dest, Plan(),
       {MakeBatch("t", {"id", "v", "note"}, {kInt, DataType::Decimal(1), kText},
                  {{"3", "25", "x"}})});
  const auto tables = dest->ReadTables("t");
  ASSERT_EQ(tables.size(), 1u);
  ASSERT_EQ(tables[0].columns.size(), 4u);
  EXPECT_EQ(tables[0].columns[1].name, "v");
  EXPECT_EQ(tables[0].columns[1].type, DataType::Decimal(1)) << "the widening is in the manifest";
  EXPECT_EQ(tables[0].columns[3].name, "note");
  EXPECT_FALSE(dest->ColumnHasValues("t", "missing"));
  EXPECT_EQ(ReadText(dir_.path() / "t/20260101T000000Z-00000001.0.csv"),
            "id,v,_sluice_load_id\r\n1,7,20260101T000000Z-00000001\r\n22,,20260101T000000Z-00000001\r\n")
      << "earlier files keep their columns";
  EXPECT_EQ(Query("SELECT id, v, note FROM t ORDER BY id"),
            (Rows{"1|7.0|NULL", "3|2.5|x", "22|NULL|NULL"}));
}

TEST_F(FilesystemDestinationTest, AColumnAddedMidLoadStartsANewFile) {
  auto dest = Open("format=parquet");
  TestLoad load(*dest, Plan());
  load.Write(MakeBatch("t", {"id"}, {kInt}, {{"1"}}));
  load.Write(MakeBatch("t", {"id", "extra"}, {kInt, kText}, {{"2", "e"}}));
  load.Commit();
  EXPECT_EQ(Files(), (Rows{"_sluice/loads/00000000000000000001-20260101T000000Z-00000001.json", "t/20260101T000000Z-00000001.0.parquet",
                           "t/20260101T000000Z-00000001.1.parquet"}));
  EXPECT_EQ(Query("SELECT id, extra FROM t ORDER BY id"), (Rows{"1|NULL", "2|e"}));
}

TEST_F(FilesystemDestinationTest, RejectsGoToSluiceRejectsFilesListedInTheManifest) {
  auto dest = Open("format=jsonl");
  TestLoad load(*dest, Plan());
  load.Write(MakeBatch("t", {"id"}, {kInt}, {{"1"}}));
  RejectedRecord r;
  r.table = "t";
  r.source = "in.csv";
  r.line = 7;
  r.byte_offset = 120;
  r.column = "amount";
  r.raw = "1,2,\xff";
  r.reason = "too many fields";
  dest->WriteRejects({r});
  load.Commit();
  EXPECT_TRUE(std::filesystem::exists(dir_.path() / "_sluice_rejects/20260101T000000Z-00000001.0.jsonl"));
  EXPECT_EQ(Query("SELECT load_id, table_name, source, line, byte_offset, column_name, raw, "
                  "reason FROM _sluice_rejects"),
            Rows{"20260101T000000Z-00000001|t|in.csv|7|120|amount|1,2,\\xFF|too many fields"});
}

TEST_F(FilesystemDestinationTest, AFailedLoadIsRecordedOutsideTheManifests) {
  auto dest = Open();
  LoadPlan plan = Plan();
  dest->Begin(plan);
  dest->Rollback();
  LoadRecord record;
  record.source = "in.csv";
  dest->RecordFailure(record, "disk full");
  const std::string failure = ReadText(dir_.path() / "_sluice/failed/20260101T000000Z-00000001.json");
  EXPECT_NE(failure.find("\"error\":\"disk full\""), std::string::npos) << failure;
  EXPECT_TRUE(dest->ReadCatalog().manifests().empty());
}

TEST_F(FilesystemDestinationTest, ACorruptManifestIsAnErrorNamingIt) {
  Load(*Open("format=csv"), Plan(), {MakeBatch("t", {"id"}, {kInt}, {{"1"}})});
  std::ofstream(dir_.path() / "_sluice/loads/00000000000000000002-x.json")
      << "{\"format_version\":1";
  try {
    Open()->ReadState("test");
    FAIL() << "a manifest that does not parse must not be skipped (its state would be lost)";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("00000000000000000002-x.json"), std::string::npos)
        << e.what();
  }
}

TEST_F(FilesystemDestinationTest, TableNamesCannotEscapeTheirDirectory) {
  EXPECT_EQ(EncodePathSegment("../etc"), "%2E%2E%2Fetc");
  EXPECT_EQ(EncodePathSegment("orders_2024-x"), "orders_2024-x");
  EXPECT_EQ(EncodePathSegment("naïve"), "naïve");
}

TEST(FilesystemUri, OptionsAndTheirErrors) {
  const FilesystemUri u = ParseFilesystemUri("s3://bucket/some/prefix?format=csv&file_rows=10");
  EXPECT_EQ(u.prefix, "s3://bucket/some/prefix/");
  EXPECT_EQ(u.options.format, FileFormat::kCsv);
  EXPECT_EQ(u.options.file_rows, 10u);
  EXPECT_EQ(ParseFilesystemUri("file:///tmp/x").options.format, FileFormat::kParquet);
  EXPECT_EQ(ParseFilesystemUri("az://c/p?file_bytes=64MB").options.file_bytes, 64u << 20);
  EXPECT_EQ(ParseFilesystemUri("gs://b/p?compression=snappy").options.compression, "snappy");
  EXPECT_EQ(ParseFilesystemUri("gs://b/p").options.compression, "zstd") << "parquet's default";
  EXPECT_EQ(ParseFilesystemUri("gs://b/p?format=csv").options.compression, "none");
  EXPECT_EQ(DataFileExtension(ParseFilesystemUri("gs://b/p?format=csv&compression=gzip").options),
            "csv.gz");
  EXPECT_EQ(DataFileExtension(ParseFilesystemUri("gs://b/p?format=jsonl&compression=zstd").options),
            "jsonl.zst");
  for (const char* bad :
       {"file://relative/dir", "s3:///nobucket", "file:///x?format=xlsx", "file:///x?file_rows=0",
        "file:///x?file_bytes=lots", "file:///x?compression=lz4",
        "file:///x?format=csv&compression=snappy", "file:///x?colour=blue"}) {
    try {
      ParseFilesystemUri(bad);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kUsage) << bad;
    }
  }
  EXPECT_TRUE(IsFilesystemDestinationUri("az://c/p"));
  EXPECT_FALSE(IsFilesystemDestinationUri("duckdb:///x.duckdb"));
}

}  // namespace
}  // namespace sluice
