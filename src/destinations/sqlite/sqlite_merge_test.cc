// Merge loads on SQLite: one winner per key in the load, hard deletes, child tables, and what
// each strategy (delete-insert, upsert) does to the target.
#include <gtest/gtest.h>

#include "core/error.h"
#include "destinations/sqlite/sqlite_test_util.h"

namespace sluice {
// Test names and failures show the strategy by name.
inline void PrintTo(MergeStrategy s, std::ostream* os) {
  *os << MergeStrategyName(s);
}
}  // namespace sluice

namespace sluice::sqlite_test {
namespace {

// Root rows: key, id (derived from the key, as the JSON flattener does), value.
Batch Roots(const std::vector<std::vector<Cell>>& rows) {
  return MakeBatch("t", {"k", "_sluice_id", "v"}, {kInt, kText, kText}, rows);
}
Batch Items(const std::vector<std::vector<Cell>>& rows) {
  return MakeBatch("t__items", {"_sluice_parent_id", "_sluice_list_idx", "_sluice_id", "sku"},
                   {kText, kInt, kText, kText}, rows);
}
Batch Tags(const std::vector<std::vector<Cell>>& rows) {
  return MakeBatch("t__items__tags", {"_sluice_parent_id", "_sluice_list_idx", "_sluice_id", "tag"},
                   {kText, kInt, kText, kText}, rows);
}

// Behaviour both strategies share.
class SqliteMergeTest : public SqliteTest, public ::testing::WithParamInterface<MergeStrategy> {
 protected:
  LoadPlan MergePlan(std::vector<std::string> key = {"k"}) { return Merge(key, GetParam()); }
  // A family: keys 1 and 2 with items, item i1 with tags.
  void LoadFamily() {
    Load(MergePlan(),
         {Roots({{"1", "r1", "one"}, {"2", "r2", "two"}}),
          Items({{"r1", "0", "i1", "a"}, {"r1", "1", "i2", "b"}, {"r2", "0", "j1", "c"}}),
          Tags({{"i1", "0", "g1", "red"}})});
  }
};

TEST_P(SqliteMergeTest, NewKeysAreInsertedAndExistingKeysTakeTheLoadsRow) {
  Load(MergePlan(), {Roots({{"1", "r1", "old"}, {"2", "r2", "keep"}})});
  Load(MergePlan(), {Roots({{"1", "r1", "new"}, {"3", "r3", "added"}})});
  EXPECT_EQ(Query("SELECT k, v FROM t ORDER BY k"), (Rows{"1|new", "2|keep", "3|added"}));
}

TEST_P(SqliteMergeTest, TheLastArrivalWinsWithinABatchAndAcrossBatches) {
  Load(MergePlan(), {Roots({{"1", "r1", "first"}, {"2", "r2", "x"}, {"1", "r1", "second"}}),
                     Roots({{"1", "r1", "last"}}), Roots({{"2", "r2", "y"}})});
  EXPECT_EQ(Query("SELECT k, v FROM t ORDER BY k"), (Rows{"1|last", "2|y"}));
}

TEST_P(SqliteMergeTest, ACompoundKeyMatchesOnAllItsColumns) {
  auto rows = [](const std::vector<std::vector<Cell>>& r) {
    return MakeBatch("t", {"a", "b", "v"}, {kInt, kText, kInt}, r);
  };
  Load(Merge({"a", "b"}, GetParam()), {rows({{"1", "x", "1"}, {"1", "y", "2"}, {"2", "x", "3"}})});
  Load(Merge({"a", "b"}, GetParam()),
       {rows({{"1", "x", "10"}, {"2", "y", "20"}, {"1", "x", "11"}})});
  EXPECT_EQ(Query("SELECT a, b, v FROM t ORDER BY a, b"),
            (Rows{"1|x|11", "1|y|2", "2|x|3", "2|y|20"}));
}

TEST_P(SqliteMergeTest, DedupSortDescendingPicksTheHighestAndNullsLose) {
  LoadPlan plan = MergePlan();
  plan.dedup_sort = "ts";
  Load(plan, {MakeBatch("t", {"k", "ts", "v"}, {kInt, kTs, kText},
                        {{"1", "2024-01-02 00:00:00", "newest"},
                         {"1", std::nullopt, "no time"},
                         {"1", "2024-01-01 00:00:00", "older"},
                         {"2", std::nullopt, "only null"},
                         {"3", "2024-01-01 00:00:00", "tie, first"},
                         {"3", "2024-01-01 00:00:00", "tie, last"}})});
  EXPECT_EQ(Query("SELECT k, v FROM t ORDER BY k"),
            (Rows{"1|newest", "2|only null", "3|tie, last"}));
}

TEST_P(SqliteMergeTest, DedupSortAscendingPicksTheLowestAndNullsStillLose) {
  LoadPlan plan = MergePlan();
  plan.dedup_sort = "n";
  plan.dedup_sort_descending = false;
  Load(plan, {MakeBatch("t", {"k", "n", "v"}, {kInt, kInt, kText},
                        {{"1", std::nullopt, "null"},
                         {"1", "5", "five"},
                         {"1", "-3", "minus three"},
                         {"1", "10", "ten"}})});
  EXPECT_EQ(Query("SELECT k, v FROM t"), Rows{"1|minus three"});
}

TEST_P(SqliteMergeTest, DedupSortComparesDecimalsAsNumbersNotText) {
  LoadPlan plan = MergePlan();
  plan.dedup_sort = "amount";
  Load(plan, {MakeBatch("t", {"k", "amount", "v"}, {kInt, Dec(2), kText},
                        {{"1", "10.00", "ten"},
                         {"1", "9.50", "nine and a half"},
                         {"2", "-10.00", "minus ten"},
                         {"2", "-9.50", "minus nine and a half"}})});
  EXPECT_EQ(Query("SELECT k, v FROM t ORDER BY k"), (Rows{"1|ten", "2|minus nine and a half"}));
}

TEST_P(SqliteMergeTest, AWinningDeleteRemovesTheKeyAndItsDescendants) {
  LoadFamily();
  LoadPlan plan = MergePlan();
  plan.delete_column = "deleted";
  Load(plan, {MakeBatch("t", {"k", "_sluice_id", "v", "deleted"}, {kInt, kText, kText, kBool},
                        {{"1", "r1", "gone", "true"},
                         {"3", "r3", "never there", "true"},
                         {"2", "r2", "kept", std::nullopt}}),
              Items({{"r1", "0", "i9", "child of a deleted row"}})});
  EXPECT_EQ(Query("SELECT k, v, deleted FROM t ORDER BY k"), Rows{"2|kept|NULL"});
  EXPECT_EQ(Query("SELECT _sluice_id FROM t__items ORDER BY _sluice_id"), Rows{})
      << "r1's items are deleted; r2's are replaced by its (empty) list in the load";
  EXPECT_EQ(Query("SELECT count(*) FROM t__items__tags"), Rows{"0"});
}

TEST_P(SqliteMergeTest, ADeleteThatLosesTheDedupDeletesNothing) {
  Load(MergePlan(), {Roots({{"1", "r1", "old"}})});
  LoadPlan plan = MergePlan();
  plan.delete_column = "deleted";
  Load(plan, {MakeBatch("t", {"k", "_sluice_id", "v", "deleted"}, {kInt, kText, kText, kBool},
                        {{"1", "r1", "delete me", "true"}, {"1", "r1", "no, keep me", "false"}})});
  EXPECT_EQ(Query("SELECT k, v, deleted FROM t"), Rows{"1|no, keep me|0"});
}

TEST_P(SqliteMergeTest, MergedKeysLoseTheirOldChildrenInEveryChildTable) {
  LoadFamily();
  // Key 1 comes again with one item and no tags at all: its old items and their tags go, even
  // though the load has no rows for the tags table. Key 2 is not in the load and keeps its own.
  Load(MergePlan(), {Roots({{"1", "r1", "one again"}}), Items({{"r1", "0", "i1", "a2"}})});
  EXPECT_EQ(Query("SELECT _sluice_parent_id, _sluice_id, sku FROM t__items ORDER BY _sluice_id"),
            (Rows{"r1|i1|a2", "r2|j1|c"}));
  EXPECT_EQ(Query("SELECT count(*) FROM t__items__tags"), Rows{"0"});
}

TEST_P(SqliteMergeTest, ChildRowsLandOncePerIdAndOnlyUnderAnExistingParent) {
  Load(MergePlan(), {Roots({{"1", "r1", "a"}, {"1", "r1", "b"}}),
                     Items({{"r1", "0", "i1", "from a"},
                            {"r1", "0", "i1", "from b"},
                            {"nobody", "0", "x1", "orphan"}}),
                     Tags({{"i1", "0", "g1", "t"}, {"x1", "0", "g2", "orphan's"}})});
  EXPECT_EQ(Query("SELECT _sluice_id, sku FROM t__items"), Rows{"i1|from b"});
  EXPECT_EQ(Query("SELECT _sluice_id FROM t__items__tags"), Rows{"g1"});
}

TEST_P(SqliteMergeTest, NothingOfTheStagingSurvivesInTheFile) {
  LoadFamily();
  EXPECT_EQ(Query("SELECT name FROM sqlite_schema WHERE name LIKE '%stage%' OR name LIKE "
                  "'%winners%' OR name LIKE '%rebuild%'"),
            Rows{});
  EXPECT_EQ(UserTables(), (Rows{"t", "t__items", "t__items__tags"}));
}

TEST_P(SqliteMergeTest, AKeyColumnMissingFromTheTableIsAUsageError) {
  auto dest = Open();
  dest->Begin(MergePlan({"nope"}));
  Batch b = Roots({{"1", "r1", "x"}});
  dest->CreateTable(SchemaOf(b));
  dest->Write(b);
  try {
    dest->Commit({});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUsage);
    EXPECT_NE(std::string(e.what()).find("'nope'"), std::string::npos) << e.what();
  }
  dest->Rollback();
  EXPECT_EQ(UserTables(), Rows{});
}

TEST_P(SqliteMergeTest, AFamilyWithHostileNamesMergesThroughItsChildTables) {
  const std::string root = "o\"rder; --";
  const std::string items = root + "__line items", tags = items + "__ün\"i";
  LoadPlan plan = Merge({"select"}, GetParam());
  plan.root_table = root;
  auto batches = [&](const char* v) {
    return std::vector<Batch>{
        MakeBatch(root, {"select", "_sluice_id", "v"}, {kInt, kText, kText}, {{"1", "r1", v}}),
        MakeBatch(items, {"_sluice_parent_id", "_sluice_id", "v"}, {kText, kText, kText},
                  {{"r1", "i1", v}}),
        MakeBatch(tags, {"_sluice_parent_id", "_sluice_id", "v"}, {kText, kText, kText},
                  {{"i1", "g1", v}})};
  };
  Load(plan, batches("old"));
  plan.load_id = "second";
  Load(plan, batches("new"));
  for (const auto& table : {root, items, tags}) {
    EXPECT_EQ(Query("SELECT count(*), max(v) FROM " + sqlite::QuoteIdentifier(table)),
              Rows{"1|new"})
        << table;
  }
}

INSTANTIATE_TEST_SUITE_P(Strategies, SqliteMergeTest,
                         ::testing::Values(MergeStrategy::kDeleteInsert, MergeStrategy::kUpsert),
                         [](const auto& info) {
                           return info.param == MergeStrategy::kUpsert ? "Upsert" : "DeleteInsert";
                         });

// --- what differs between the strategies ---------------------------------------------------

class SqliteMergeStrategyTest : public SqliteTest {};

TEST_F(SqliteMergeStrategyTest, DeleteInsertReplacesEveryTargetRowWithALoadedKey) {
  Load(WriteMode::kAppend, {Roots({{"1", "r1", "dup a"}, {"1", "r1", "dup b"}, {"2", "r2", "x"}})});
  Load(Merge({"k"}), {Roots({{"1", "r1", "single"}})});
  EXPECT_EQ(Query("SELECT k, v FROM t ORDER BY k"), (Rows{"1|single", "2|x"}));
}

TEST_F(SqliteMergeStrategyTest, UpsertUpdatesRowsInPlace) {
  Load(Merge({"k"}, MergeStrategy::kUpsert),
       {Roots({{"1", "r1", "a"}, {"2", "r2", "b"}, {"3", "r3", "c"}})});
  const Rows rowids = Query("SELECT rowid, k FROM t ORDER BY k");
  Load(Merge({"k"}, MergeStrategy::kUpsert), {Roots({{"2", "r2", "B"}})});
  EXPECT_EQ(Query("SELECT rowid, k FROM t ORDER BY k"), rowids);
  EXPECT_EQ(Query("SELECT k, v FROM t ORDER BY k"), (Rows{"1|a", "2|B", "3|c"}));
}

TEST_F(SqliteMergeStrategyTest, UpsertSetsColumnsTheLoadLacksToNullLikeDeleteInsert) {
  Load(Merge({"k"}, MergeStrategy::kUpsert), {Roots({{"1", "r1", "a"}})});
  Load(Merge({"k"}, MergeStrategy::kUpsert), {MakeBatch("t", {"k"}, {kInt}, {{"1"}})});
  EXPECT_EQ(Query("SELECT k, _sluice_id, v FROM t"), Rows{"1|NULL|NULL"});
}

TEST_F(SqliteMergeStrategyTest, UpsertCreatesOneUniqueIndexOnTheKey) {
  Load(Merge({"k"}, MergeStrategy::kUpsert), {Roots({{"1", "r1", "a"}})});
  Load(Merge({"k"}, MergeStrategy::kUpsert), {Roots({{"2", "r2", "b"}})});
  EXPECT_EQ(Query("SELECT il.\"unique\", ii.name FROM sqlite_schema s, pragma_index_list('t') il, "
                  "pragma_index_info(il.name) ii WHERE s.type = 'index' AND s.name = il.name"),
            Rows{"1|k"});
}

TEST_F(SqliteMergeStrategyTest, UpsertUsesAUniqueIndexThatIsAlreadyThere) {
  Query("CREATE TABLE t (a BIGINT, b TEXT, v TEXT)");
  Query("CREATE UNIQUE INDEX mine ON t (b, a)");
  Load(Merge({"a", "b"}, MergeStrategy::kUpsert),
       {MakeBatch("t", {"a", "b", "v"}, {kInt, kText, kText}, {{"1", "x", "v"}})});
  EXPECT_EQ(Query("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 't'"),
            Rows{"mine"});
}

TEST_F(SqliteMergeStrategyTest, UpsertIntoATargetWithDuplicateKeysFailsAndSaysWhatToDo) {
  Load(WriteMode::kAppend, {Roots({{"1", "r1", "a"}, {"1", "r1", "b"}})});
  auto dest = Open();
  dest->Begin(Merge({"k"}, MergeStrategy::kUpsert));
  Batch b = Roots({{"2", "r2", "c"}});
  dest->Write(b);
  try {
    dest->Commit({});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kDestination);
    EXPECT_FALSE(e.retriable());
    EXPECT_NE(std::string(e.what()).find("--merge-strategy delete-insert"), std::string::npos)
        << e.what();
  }
  dest->Rollback();
  EXPECT_EQ(Query("SELECT k, v FROM t ORDER BY v"), (Rows{"1|a", "1|b"}));
}

TEST_F(SqliteMergeStrategyTest, UpsertWithOnlyKeyColumnsKeepsExistingRows) {
  Load(Merge({"k"}, MergeStrategy::kUpsert), {MakeBatch("t", {"k"}, {kInt}, {{"1"}})});
  Load(Merge({"k"}, MergeStrategy::kUpsert), {MakeBatch("t", {"k"}, {kInt}, {{"1"}, {"2"}})});
  EXPECT_EQ(Query("SELECT k FROM t ORDER BY k"), (Rows{"1", "2"}));
}

TEST_F(SqliteMergeStrategyTest, OneDestinationCanRunSeveralMergesInARow) {
  auto dest = Open();
  for (const char* v : {"first", "second", "third"}) {
    LoadPlan plan = Merge({"k"});
    plan.load_id = v;
    dest->Begin(plan);
    Batch b = Roots({{"1", "r1", v}, {"2", "r2", v}});
    Evolve(*dest, b);
    dest->Write(b);
    dest->Commit({});
  }
  EXPECT_EQ(Query("SELECT k, v FROM t ORDER BY k"), (Rows{"1|third", "2|third"}));
}

}  // namespace
}  // namespace sluice::sqlite_test
