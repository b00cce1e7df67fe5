// What every destination guarantees, run against each of them (DuckDB, SQLite, PostgreSQL when a
// server is configured). Loads are driven as the runner drives them: through the schema evolver.
#include <gtest/gtest.h>

#include "core/error.h"
#include "core/identifiers.h"
#include "destinations/conformance/destination_harness.h"

namespace sluice {
namespace {

using testing_util::MakeBatch;
using testing_util::TestLoad;
using Rows = std::vector<std::string>;

const DataType kInt = DataType::Of(TypeId::kInt64);
const DataType kText = DataType::Of(TypeId::kText);
const DataType kBool = DataType::Of(TypeId::kBoolean);

class DestinationConformance : public ::testing::TestWithParam<size_t> {
 protected:
  void SetUp() override {
    const auto harnesses = testing_util::AllHarnesses();
    harness_ =
        harnesses[GetParam()].make(::testing::UnitTest::GetInstance()->current_test_info()->name());
  }

  LoadPlan Plan(WriteMode mode, std::vector<std::string> key = {}) {
    LoadPlan p;
    p.load_id = "load-" + std::to_string(++loads_);
    p.pipeline = "test";
    p.mode = mode;
    p.primary_key = std::move(key);
    p.root_table = "t";
    return p;
  }
  void Load(const LoadPlan& plan, std::vector<Batch> batches, SchemaContract contract = {}) {
    auto dest = harness_->Open();
    TestLoad load(*dest, plan, contract);
    for (auto& b : batches) load.Write(std::move(b));
    load.Commit();
  }
  void Load(WriteMode mode, std::vector<Batch> batches, std::vector<std::string> key = {}) {
    Load(Plan(mode, std::move(key)), std::move(batches));
  }
  Rows Query(const std::string& sql) { return harness_->Query(sql); }
  // A destination without merge must refuse it before writing anything.
  bool RefusesMerge() {
    if (harness_->SupportsMerge()) return false;
    auto dest = harness_->Open();
    EXPECT_THROW(dest->Begin(Plan(WriteMode::kMerge, {"id"})), Error);
    EXPECT_EQ(harness_->UserTables(), Rows{});
    return true;
  }

  std::unique_ptr<testing_util::DestinationHarness> harness_;
  int loads_ = 0;
};

TEST_P(DestinationConformance, AppendAddsRowsAndRecordsEachLoad) {
  Load(WriteMode::kAppend, {MakeBatch("t", {"id", "name"}, {kInt, kText}, {{"1", "a"}})});
  Load(WriteMode::kAppend, {MakeBatch("t", {"id", "name"}, {kInt, kText}, {{"2", nullptr}})});
  EXPECT_EQ(Query("SELECT id, name, _sluice_load_id FROM t ORDER BY id"),
            (Rows{"1|a|load-1", "2|NULL|load-2"}));
  EXPECT_EQ(Query("SELECT load_id, pipeline, status FROM _sluice_loads ORDER BY load_id"),
            (Rows{"load-1|test|committed", "load-2|test|committed"}));
}

TEST_P(DestinationConformance, RollbackLeavesNothingBehind) {
  {
    auto dest = harness_->Open();
    TestLoad load(*dest, Plan(WriteMode::kAppend));
    load.Write(MakeBatch("t", {"id"}, {kInt}, {{"1"}}));
    load.Rollback();
  }
  EXPECT_EQ(harness_->UserTables(), Rows{});
  Load(WriteMode::kAppend, {MakeBatch("t", {"id"}, {kInt}, {{"1"}})});
  for (WriteMode mode : {WriteMode::kAppend, WriteMode::kReplace, WriteMode::kMerge}) {
    if (mode == WriteMode::kMerge && !harness_->SupportsMerge()) continue;
    auto dest = harness_->Open();
    TestLoad load(*dest, Plan(mode, {"id"}));
    load.Write(MakeBatch("t", {"id", "extra"}, {kInt, kText}, {{"1", "x"}, {"9", "y"}}));
    load.Rollback();
  }
  EXPECT_EQ(Query("SELECT id FROM t"), Rows{"1"});
  EXPECT_EQ(harness_->UserTables(), Rows{"t"});
  EXPECT_EQ(Query("SELECT count(*) FROM _sluice_loads"), Rows{"1"});
}

TEST_P(DestinationConformance, ReplaceMakesTheLoadTheWholeFamilysContent) {
  Load(WriteMode::kAppend, {MakeBatch("t", {"_sluice_id", "v"}, {kText, kText}, {{"p1", "old"}}),
                            MakeBatch("t__items", {"_sluice_parent_id", "_sluice_id", "sku"},
                                      {kText, kText, kText}, {{"p1", "c1", "a"}})});
  Load(WriteMode::kReplace, {MakeBatch("t", {"_sluice_id"}, {kText}, {{"p2"}})});
  EXPECT_EQ(Query("SELECT _sluice_id, v FROM t"), Rows{"p2|NULL"}) << "columns are kept";
  EXPECT_EQ(Query("SELECT count(*) FROM t__items"), Rows{"0"})
      << "children of replaced parents must not survive";
  Load(WriteMode::kReplace, {});
  EXPECT_EQ(Query("SELECT count(*) FROM t"), Rows{"0"}) << "an empty load empties the table";
}

TEST_P(DestinationConformance, MergeDeleteInsertKeepsTheLastArrivalPerKey) {
  if (RefusesMerge()) GTEST_SKIP() << harness_->Name() << " refuses merge (checked)";
  Load(WriteMode::kAppend,
       {MakeBatch("t", {"id", "v"}, {kInt, kText}, {{"1", "old"}, {"2", "keep"}, {"1", "dup"}})});
  Load(WriteMode::kMerge,
       {MakeBatch("t", {"id", "v"}, {kInt, kText}, {{"1", "first"}, {"3", "new"}}),
        MakeBatch("t", {"id", "v"}, {kInt, kText}, {{"1", "last"}})},
       {"id"});
  EXPECT_EQ(Query("SELECT id, v FROM t ORDER BY id"), (Rows{"1|last", "2|keep", "3|new"}))
      << "delete-insert also removes duplicates the target had";
}

TEST_P(DestinationConformance, MergeUpsertUpdatesRowsInPlace) {
  if (RefusesMerge()) GTEST_SKIP() << harness_->Name() << " refuses merge (checked)";
  LoadPlan plan = Plan(WriteMode::kMerge, {"a", "b"});
  plan.merge_strategy = MergeStrategy::kUpsert;
  Load(plan, {MakeBatch("t", {"a", "b", "v"}, {kInt, kText, kInt},
                        {{"1", "x", "1"}, {"1", "y", "2"}, {"1", "x", "3"}})});
  plan = Plan(WriteMode::kMerge, {"a", "b"});
  plan.merge_strategy = MergeStrategy::kUpsert;
  Load(plan,
       {MakeBatch("t", {"a", "b", "v"}, {kInt, kText, kInt}, {{"1", "y", "20"}, {"2", "x", "5"}})});
  EXPECT_EQ(Query("SELECT a, b, v, _sluice_load_id FROM t ORDER BY a, b"),
            (Rows{"1|x|3|load-1", "1|y|20|load-2", "2|x|5|load-2"}));
}

TEST_P(DestinationConformance, DedupSortChoosesTheWinnerAndNullsLose) {
  if (RefusesMerge()) GTEST_SKIP() << harness_->Name() << " refuses merge (checked)";
  for (bool descending : {true, false}) {
    LoadPlan plan = Plan(WriteMode::kMerge, {"id"});
    plan.dedup_sort = "version";
    plan.dedup_sort_descending = descending;
    Load(plan, {MakeBatch("t", {"id", "version", "v"}, {kInt, kInt, kText},
                          {{"1", "2", "two"},
                           {"1", "3", "three"},
                           {"1", nullptr, "null"},
                           {"1", "1", "one"},
                           {"2", nullptr, "only-null"}})});
    EXPECT_EQ(Query("SELECT id, v FROM t ORDER BY id"),
              (Rows{descending ? "1|three" : "1|one", "2|only-null"}))
        << (descending ? "descending" : "ascending");
  }
}

TEST_P(DestinationConformance, HardDeletesRemoveTheKeyAndItsChildren) {
  if (RefusesMerge()) GTEST_SKIP() << harness_->Name() << " refuses merge (checked)";
  Load(WriteMode::kAppend,
       {MakeBatch("t", {"_sluice_id", "id"}, {kText, kInt}, {{"r1", "1"}, {"r2", "2"}}),
        MakeBatch("t__items", {"_sluice_parent_id", "_sluice_id", "sku"}, {kText, kText, kText},
                  {{"r1", "c1", "a"}, {"r2", "c2", "b"}})});
  LoadPlan plan = Plan(WriteMode::kMerge, {"id"});
  plan.delete_column = "deleted";
  Load(plan, {MakeBatch("t", {"_sluice_id", "id", "deleted"}, {kText, kInt, kBool},
                        {{"r1", "1", "true"}, {"r3", "3", "true"}, {"r2", "2", nullptr}}),
              MakeBatch("t__items", {"_sluice_parent_id", "_sluice_id", "sku"},
                        {kText, kText, kText}, {{"r1", "c9", "z"}, {"r2", "c2", "b2"}})});
  EXPECT_EQ(Query("SELECT id FROM t ORDER BY id"), Rows{"2"});
  EXPECT_EQ(Query("SELECT _sluice_parent_id, sku FROM t__items ORDER BY sku"), Rows{"r2|b2"})
      << "children of a deleted key do not land; merged parents' children are replaced";
}

TEST_P(DestinationConformance, MergeRejectsRowsWithANullKey) {
  if (RefusesMerge()) GTEST_SKIP() << harness_->Name() << " refuses merge (checked)";
  auto dest = harness_->Open();
  TestLoad load(*dest, Plan(WriteMode::kMerge, {"id"}));
  const auto rejects =
      load.Write(MakeBatch("t", {"id", "v"}, {kInt, kText}, {{"1", "a"}, {nullptr, "b"}}));
  load.Commit();
  ASSERT_EQ(rejects.size(), 1u);
  EXPECT_EQ(rejects[0].column, "id");
  EXPECT_EQ(Query("SELECT id, v FROM t"), Rows{"1|a"});
  EXPECT_EQ(Query("SELECT column_name FROM _sluice_rejects"), Rows{"id"});
}

TEST_P(DestinationConformance, MergeNeedsItsKeyInTheData) {
  if (RefusesMerge()) GTEST_SKIP() << harness_->Name() << " refuses merge (checked)";
  auto dest = harness_->Open();
  TestLoad load(*dest, Plan(WriteMode::kMerge, {"nope"}));
  EXPECT_THROW(load.Write(MakeBatch("t", {"id"}, {kInt}, {{"1"}})), Error);
  load.Rollback();
}

TEST_P(DestinationConformance, NewColumnsAndLosslessWideningsEvolveTheTable) {
  Load(WriteMode::kAppend, {MakeBatch("t", {"id", "v"}, {kInt, kInt}, {{"1", "7"}})});
  Load(WriteMode::kAppend, {MakeBatch("t", {"id", "v", "note"}, {kInt, DataType::Decimal(1), kText},
                                      {{"2", "25", "x"}})});
  EXPECT_EQ(Query("SELECT id, v, note FROM t ORDER BY id"), (Rows{"1|7.0|NULL", "2|2.5|x"}));
}

TEST_P(DestinationConformance, ValuesThatDoNotFitGoToAVariantColumn) {
  Load(WriteMode::kAppend, {MakeBatch("t", {"id", "amount"}, {kInt, kInt}, {{"1", "10"}})});
  Load(WriteMode::kAppend,
       {MakeBatch("t", {"id", "amount"}, {kInt, kText}, {{"2", "12"}, {"3", "n/a"}})});
  EXPECT_EQ(Query("SELECT id, amount, amount__v_text FROM t ORDER BY id"),
            (Rows{"1|10|NULL", "2|12|NULL", "3|NULL|n/a"}));
}

TEST_P(DestinationConformance, FrozenColumnsFailTheLoadNamingTheColumnAndValue) {
  Load(WriteMode::kAppend, {MakeBatch("t", {"id"}, {kInt}, {{"1"}})});
  auto dest = harness_->Open();
  TestLoad load(*dest, Plan(WriteMode::kAppend), SchemaContract::Parse("freeze"));
  try {
    load.Write(MakeBatch("t", {"id", "color"}, {kInt, kText}, {{"2", "red"}}));
    FAIL() << "expected a contract violation";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("column 'color', value 'red'"), std::string::npos)
        << e.what();
  }
  load.Rollback();
  EXPECT_EQ(Query("SELECT count(*) FROM t"), Rows{"1"});
}

TEST_P(DestinationConformance, DiscardRowAndDiscardValueContracts) {
  Load(WriteMode::kAppend, {MakeBatch("t", {"id", "n"}, {kInt, kInt}, {{"1", "1"}})});
  {
    auto dest = harness_->Open();
    TestLoad load(*dest, Plan(WriteMode::kAppend), SchemaContract::Parse("data_type=discard_row"));
    const auto rejects =
        load.Write(MakeBatch("t", {"id", "n"}, {kInt, kText}, {{"2", "2"}, {"3", "three"}}));
    load.Commit();
    ASSERT_EQ(rejects.size(), 1u);
    EXPECT_EQ(rejects[0].raw, "three");
  }
  {
    auto dest = harness_->Open();
    TestLoad load(*dest, Plan(WriteMode::kAppend),
                  SchemaContract::Parse("columns=discard_value,data_type=discard_value"));
    load.Write(MakeBatch("t", {"id", "n", "extra"}, {kInt, kText, kText}, {{"4", "four", "e"}}));
    EXPECT_EQ(load.stats().values_discarded, 2u);
    load.Commit();
  }
  EXPECT_EQ(Query("SELECT id, n FROM t ORDER BY id"), (Rows{"1|1", "2|2", "4|NULL"}));
  EXPECT_EQ(Query("SELECT raw FROM _sluice_rejects"), Rows{"three"});
}

TEST_P(DestinationConformance, StateAndSchemasCommitWithTheData) {
  auto dest = harness_->Open();
  {
    TestLoad load(*dest, Plan(WriteMode::kAppend));
    load.Write(MakeBatch("t", {"id"}, {kInt}, {{"1"}}));
    LoadRecord record;
    record.state = {{"", "t", "cursor", "{\"v\":1}", "", ""}, {"", "t", "gone", "2", "", ""}};
    load.Commit(record);
  }
  {
    TestLoad load(*dest, Plan(WriteMode::kAppend));
    load.Write(MakeBatch("t", {"id"}, {kInt}, {{"2"}}));
    LoadRecord record;
    record.state = {{"", "t", "gone", "", "", ""}};
    load.Commit(record);
  }
  const auto state = dest->ReadState("test");
  ASSERT_EQ(state.size(), 1u);
  EXPECT_EQ(state[0].key, "cursor");
  EXPECT_EQ(state[0].load_id, "load-1");
  EXPECT_EQ(Query("SELECT table_name, load_id FROM _sluice_schemas"), Rows{"t|load-1"})
      << "an unchanged schema is stored once";
  EXPECT_EQ(dest->ResetState("test"), 1u);
  EXPECT_TRUE(dest->ReadState("test").empty());
}

TEST_P(DestinationConformance, HostileIdentifiersLoadSafely) {
  const std::string table = "t";
  Load(WriteMode::kAppend,
       {MakeBatch(table, {"we\"ird; DROP TABLE t; --", "select", "naïve column"},
                  {kInt, kText, kText}, {{"1", "ok", "ü"}})});
  EXPECT_EQ(Query("SELECT \"we\"\"ird; DROP TABLE t; --\", \"select\", \"naïve column\" FROM t"),
            Rows{"1|ok|ü"});
}

TEST_P(DestinationConformance, NamesTooLongForTheDestinationAreShortenedDeterministically) {
  const std::string long_name(80, 'a');
  Load(WriteMode::kAppend, {MakeBatch("t", {long_name, "id"}, {kText, kInt}, {{"x", "1"}})});
  Load(WriteMode::kAppend, {MakeBatch("t", {long_name, "id"}, {kText, kInt}, {{"y", "2"}})});
  const size_t max = harness_->Open()->MaxIdentifierBytes();
  const std::string stored = max ? ShortenIdentifier(long_name, max) : long_name;
  EXPECT_EQ(Query("SELECT \"" + stored + "\", id FROM t ORDER BY id"), (Rows{"x|1", "y|2"}))
      << "the same name lands in the same column every time";
}

TEST_P(DestinationConformance, RejectsAreStoredWithTheLoad) {
  auto dest = harness_->Open();
  TestLoad load(*dest, Plan(WriteMode::kReplace));
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
  EXPECT_EQ(Query("SELECT table_name, source, line, byte_offset, column_name, reason FROM "
                  "_sluice_rejects"),
            Rows{"t|in.csv|7|120|amount|too many fields"});
}

INSTANTIATE_TEST_SUITE_P(AllDestinations, DestinationConformance,
                         ::testing::Range(size_t{0}, testing_util::AllHarnesses().size()),
                         [](const ::testing::TestParamInfo<size_t>& info) {
                           return testing_util::AllHarnesses()[info.param].name;
                         });

}  // namespace
}  // namespace sluice
