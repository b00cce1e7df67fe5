#include "destinations/duckdb/duckdb_destination.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "core/error.h"
#include "destinations/duckdb/duckdb_test_util.h"

namespace sluice {
namespace {

// Builds a batch from rows of text, converting each column to the given type.
Batch MakeBatch(const std::string& table, std::vector<std::string> names,
                std::vector<DataType> types, std::vector<std::vector<const char*>> rows) {
  Batch b;
  b.table = table;
  b.names = std::move(names);
  for (const auto& t : types) b.columns.emplace_back(t);
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size(); c++) {
      Column& col = b.columns[c];
      if (row[c] == nullptr) {
        col.AppendNull();
        continue;
      }
      const std::string v = row[c];
      switch (types[c].id) {
        case TypeId::kInt64:
          col.AppendInt64(std::stoll(v));
          break;
        case TypeId::kDouble:
          col.AppendDouble(std::stod(v));
          break;
        case TypeId::kDecimal:
          col.AppendDecimal(std::stoll(v));
          break;  // unscaled
        case TypeId::kBoolean:
          col.AppendBoolean(v == "true");
          break;
        default:
          col.AppendString(v);
      }
    }
  }
  b.num_rows = rows.size();
  return b;
}

class DuckDbDestinationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("sluice_duckdb_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "test.duckdb").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  LoadPlan Plan(WriteMode mode, std::vector<std::string> key = {}) {
    LoadPlan p;
    p.load_id = "load-" + std::to_string(++loads_);
    p.pipeline = "test";
    p.mode = mode;
    p.primary_key = std::move(key);
    p.root_table = "t";
    return p;
  }
  void Load(WriteMode mode, std::vector<Batch> batches, std::vector<std::string> key = {}) {
    auto dest = DuckDbDestination::Open(path_);
    dest->Begin(Plan(mode, key));
    for (auto& b : batches) dest->Write(b);
    LoadRecord record;
    record.rows_per_table["t"] = 1;
    dest->Commit(record);
  }
  std::vector<std::string> Rows(const std::string& sql) {
    return testing_util::QueryRows(path_, sql);
  }

  std::filesystem::path dir_;
  std::string path_;
  int loads_ = 0;
};

const DataType kInt = DataType::Of(TypeId::kInt64);
const DataType kText = DataType::Of(TypeId::kText);

TEST_F(DuckDbDestinationTest, CreatesTableWithInferredTypesAndAppends) {
  Load(WriteMode::kAppend,
       {MakeBatch("t", {"id", "name", "price"}, {kInt, kText, DataType::Decimal(2)},
                  {{"1", "a", "1050"}, {"2", nullptr, "-5"}})});
  EXPECT_EQ(Rows("SELECT column_name, data_type FROM duckdb_columns() WHERE table_name='t' "
                 "ORDER BY column_index"),
            (std::vector<std::string>{"id|BIGINT", "name|VARCHAR", "price|DECIMAL(18,2)"}));
  EXPECT_EQ(Rows("SELECT * FROM t ORDER BY id"),
            (std::vector<std::string>{"1|a|10.50", "2|NULL|-0.05"}));
  Load(WriteMode::kAppend, {MakeBatch("t", {"id"}, {kInt}, {{"3"}})});
  EXPECT_EQ(Rows("SELECT count(*) FROM t"), std::vector<std::string>{"3"});
  EXPECT_EQ(Rows("SELECT status, pipeline FROM _sluice_loads ORDER BY load_id"),
            (std::vector<std::string>{"committed|test", "committed|test"}));
}

TEST_F(DuckDbDestinationTest, AFirstAppendIsStagedAndStillAtomic) {
  {
    auto dest = DuckDbDestination::Open(path_);
    dest->Begin(Plan(WriteMode::kAppend));
    Batch b = MakeBatch("t", {"id"}, {kInt}, {{"1"}});
    dest->Write(b);
    dest->Rollback();
  }
  EXPECT_EQ(Rows("SELECT count(*) FROM duckdb_tables() WHERE table_name NOT LIKE '_sluice_%'"),
            std::vector<std::string>{"0"});
  Load(WriteMode::kAppend, {MakeBatch("t", {"id"}, {kInt}, {{"1"}, {"2"}})});
  Load(WriteMode::kAppend, {MakeBatch("t", {"id"}, {kInt}, {{"3"}})});
  EXPECT_EQ(Rows("SELECT id FROM t ORDER BY id"), (std::vector<std::string>{"1", "2", "3"}));
}

TEST_F(DuckDbDestinationTest, AddsColumnsThatLaterBatchesBring) {
  Load(WriteMode::kAppend, {MakeBatch("t", {"id"}, {kInt}, {{"1"}}),
                            MakeBatch("t", {"id", "extra"}, {kInt, kText}, {{"2", "x"}})});
  EXPECT_EQ(Rows("SELECT id, extra FROM t ORDER BY id"),
            (std::vector<std::string>{"1|NULL", "2|x"}));
}

TEST_F(DuckDbDestinationTest, WidensAColumnWhenALaterBatchNeedsIt) {
  Load(WriteMode::kAppend, {MakeBatch("t", {"v"}, {kInt}, {{"7"}}),
                            MakeBatch("t", {"v"}, {DataType::Decimal(1)}, {{"25"}}),
                            MakeBatch("t", {"v"}, {kText}, {{"n/a"}})});
  EXPECT_EQ(Rows("SELECT data_type FROM duckdb_columns() WHERE table_name='t'"),
            std::vector<std::string>{"VARCHAR"});
  EXPECT_EQ(Rows("SELECT v FROM t ORDER BY rowid"),
            (std::vector<std::string>{"7.0", "2.5", "n/a"}));
}

TEST_F(DuckDbDestinationTest, CastsANarrowerBatchUpToTheTableType) {
  Load(WriteMode::kAppend, {MakeBatch("t", {"v"}, {kText}, {{"abc"}})});
  Load(WriteMode::kAppend, {MakeBatch("t", {"v"}, {kInt}, {{"42"}})});
  EXPECT_EQ(Rows("SELECT v FROM t ORDER BY rowid"), (std::vector<std::string>{"abc", "42"}));
}

TEST_F(DuckDbDestinationTest, ReplaceSwapsTheWholeTable) {
  Load(WriteMode::kAppend, {MakeBatch("t", {"id", "old"}, {kInt, kText}, {{"1", "x"}})});
  Load(WriteMode::kReplace, {MakeBatch("t", {"id"}, {kInt}, {{"5"}, {"6"}})});
  EXPECT_EQ(Rows("SELECT * FROM t ORDER BY id"), (std::vector<std::string>{"5", "6"}));
}

TEST_F(DuckDbDestinationTest, MergeUpsertsByKeyAndTheLastOccurrenceWins) {
  Load(WriteMode::kAppend,
       {MakeBatch("t", {"id", "v"}, {kInt, kText}, {{"1", "old"}, {"2", "keep"}})});
  Load(WriteMode::kMerge,
       {MakeBatch("t", {"id", "v"}, {kInt, kText}, {{"1", "first"}, {"3", "new"}}),
        MakeBatch("t", {"id", "v"}, {kInt, kText}, {{"1", "last"}})},
       {"id"});
  EXPECT_EQ(Rows("SELECT id, v FROM t ORDER BY id"),
            (std::vector<std::string>{"1|last", "2|keep", "3|new"}));
  EXPECT_EQ(Rows("SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE '_sluice_stage%'"),
            std::vector<std::string>{"0"});
}

TEST_F(DuckDbDestinationTest, MergeWithACompoundKey) {
  Load(WriteMode::kMerge,
       {MakeBatch("t", {"a", "b", "v"}, {kInt, kText, kInt},
                  {{"1", "x", "1"}, {"1", "y", "2"}, {"1", "x", "3"}})},
       {"a", "b"});
  EXPECT_EQ(Rows("SELECT a, b, v FROM t ORDER BY a, b"),
            (std::vector<std::string>{"1|x|3", "1|y|2"}));
}

TEST_F(DuckDbDestinationTest, MergeRejectsAMissingKeyColumn) {
  auto dest = DuckDbDestination::Open(path_);
  dest->Begin(Plan(WriteMode::kMerge, {"nope"}));
  Batch b = MakeBatch("t", {"id"}, {kInt}, {{"1"}});
  EXPECT_THROW(dest->Write(b), Error);
  dest->Rollback();
}

TEST_F(DuckDbDestinationTest, RollbackLeavesNothingBehind) {
  Load(WriteMode::kAppend, {MakeBatch("t", {"id"}, {kInt}, {{"1"}})});
  {
    auto dest = DuckDbDestination::Open(path_);
    dest->Begin(Plan(WriteMode::kReplace));
    Batch b = MakeBatch("t", {"id", "x"}, {kInt, kText}, {{"9", "y"}});
    dest->Write(b);
    dest->Rollback();
  }
  EXPECT_EQ(Rows("SELECT * FROM t"), std::vector<std::string>{"1"});
}

TEST_F(DuckDbDestinationTest, ReplaceReplacesTheWholeFamilyOfChildTables) {
  Load(WriteMode::kAppend,
       {MakeBatch("t", {"_sluice_id"}, {kText}, {{"p1"}}),
        MakeBatch("t__items", {"_sluice_parent_id", "sku"}, {kText, kText}, {{"p1", "a"}})});
  Load(WriteMode::kReplace, {MakeBatch("t", {"_sluice_id"}, {kText}, {{"p2"}})});
  EXPECT_EQ(Rows("SELECT _sluice_id FROM t"), std::vector<std::string>{"p2"});
  EXPECT_EQ(Rows("SELECT count(*) FROM duckdb_tables() WHERE table_name = 't__items'"),
            std::vector<std::string>{"0"})
      << "children of replaced parents must not survive";
}

TEST_F(DuckDbDestinationTest, AStagingTableLeftByAKilledLoadIsDroppedByTheNextLoad) {
  {
    DuckDbConnection con(path_);
    con.Execute("CREATE TABLE _sluice_stage__t (id BIGINT)");
    con.Execute("INSERT INTO _sluice_stage__t VALUES (666)");
  }
  Load(WriteMode::kReplace, {MakeBatch("t", {"id"}, {kInt}, {{"1"}})});
  EXPECT_EQ(Rows("SELECT id FROM t"), std::vector<std::string>{"1"});
  EXPECT_EQ(Rows("SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE '_sluice_stage%'"),
            std::vector<std::string>{"0"});
}

TEST_F(DuckDbDestinationTest, RejectsOfAStagedLoadCommitWithIt) {
  auto dest = DuckDbDestination::Open(path_);
  dest->Begin(Plan(WriteMode::kReplace));
  Batch b = MakeBatch("t", {"id"}, {kInt}, {{"1"}});
  dest->Write(b);
  RejectedRecord r;
  r.table = "t";
  r.reason = "bad";
  dest->WriteRejects({r});
  dest->Rollback();
  dest.reset();
  EXPECT_EQ(Rows("SELECT count(*) FROM _sluice_rejects"), std::vector<std::string>{"0"});
  dest = DuckDbDestination::Open(path_);
  dest->Begin(Plan(WriteMode::kReplace));
  b = MakeBatch("t", {"id"}, {kInt}, {{"1"}});  // the destination took the first one
  dest->Write(b);
  dest->WriteRejects({r});
  dest->Commit(LoadRecord{});
  dest.reset();
  EXPECT_EQ(Rows("SELECT reason FROM _sluice_rejects"), std::vector<std::string>{"bad"});
}

TEST_F(DuckDbDestinationTest, HostileIdentifiersAreQuoted) {
  Load(WriteMode::kAppend,
       {MakeBatch("t", {"we\"ird; DROP TABLE t", "select"}, {kInt, kText}, {{"1", "ok"}})});
  EXPECT_EQ(Rows("SELECT \"select\" FROM t"), std::vector<std::string>{"ok"});
}

TEST_F(DuckDbDestinationTest, RejectsAreStoredWithTheLoad) {
  auto dest = DuckDbDestination::Open(path_);
  dest->Begin(Plan(WriteMode::kAppend));
  RejectedRecord r;
  r.table = "t";
  r.source = "in.csv";
  r.line = 7;
  r.byte_offset = 120;
  r.column = "amount";
  r.raw = "1,2,3";
  r.reason = "too many fields";
  dest->WriteRejects({r});
  dest->Commit(LoadRecord{});
  EXPECT_EQ(Rows("SELECT table_name, source, line, byte_offset, column_name, raw, reason FROM "
                 "_sluice_rejects"),
            std::vector<std::string>{"t|in.csv|7|120|amount|1,2,3|too many fields"});
}

TEST_F(DuckDbDestinationTest, LargeBatchesSpanManyDataChunks) {
  Batch b;
  b.table = "t";
  b.names = {"i", "s"};
  b.columns = {Column(kInt), Column(kText)};
  for (int i = 0; i < 10000; i++) {
    b.columns[0].AppendInt64(i);
    if (i % 7 == 0) {
      b.columns[1].AppendNull();
    } else {
      b.columns[1].AppendString("value number " + std::to_string(i));
    }
  }
  b.num_rows = 10000;
  Load(WriteMode::kAppend, {std::move(b)});
  EXPECT_EQ(Rows("SELECT count(*), sum(i), count(s), max(s) FROM t"),
            std::vector<std::string>{"10000|49995000|8571|value number 9999"});
}

}  // namespace
}  // namespace sluice
