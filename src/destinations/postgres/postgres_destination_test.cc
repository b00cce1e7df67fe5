#include "destinations/postgres/postgres_destination.h"

#include <gtest/gtest.h>

#include <thread>

#include "core/error.h"
#include "destinations/postgres/postgres_destination_test_util.h"

namespace sluice {
namespace {

using testing_util::kBool;
using testing_util::kDouble;
using testing_util::kInt;
using testing_util::kJson;
using testing_util::kText;
using testing_util::kUuid;
using testing_util::MakeBatch;
using V = std::vector<std::string>;

class PostgresDestinationTest : public testing_util::PostgresDestinationTest {};

// uuid n as 32 hex digits, and as PostgreSQL prints it.
std::string Id(int n) {
  char buf[33];
  std::snprintf(buf, sizeof buf, "%032x", n);
  return buf;
}

TEST_F(PostgresDestinationTest, AppendCreatesTablesWithPostgresTypesAndAddsRows) {
  Load(WriteMode::kAppend,
       {MakeBatch("t", {"id", "name", "price", "ok"}, {kInt, kText, DataType::Decimal(2), kBool},
                  {{"1", "a", "1050", "true"}, {"2", nullptr, "-5", nullptr}})});
  EXPECT_EQ(
      Rows("SELECT column_name, data_type, numeric_precision, numeric_scale FROM "
           "information_schema.columns WHERE table_schema = current_schema() AND "
           "table_name = 't' ORDER BY ordinal_position"),
      (V{"id|bigint|64|0", "name|text|NULL|NULL", "price|numeric|18|2", "ok|boolean|NULL|NULL"}));
  EXPECT_EQ(Rows("SELECT * FROM t ORDER BY id"), (V{"1|a|10.50|t", "2|NULL|-0.05|NULL"}));
  Load(WriteMode::kAppend, {MakeBatch("t", {"id"}, {kInt}, {{"3"}})});
  EXPECT_EQ(Rows("SELECT id, name FROM t ORDER BY id"), (V{"1|a", "2|NULL", "3|NULL"}));
  EXPECT_EQ(Rows("SELECT load_id, pipeline, source, mode, status, started_at, rows_per_table, "
                 "rows_rejected, error FROM _sluice_loads ORDER BY load_id"),
            (V{"load-1|test|test.csv|append|committed|2023-11-14 22:13:20+00|{\"t\":1}|0|NULL",
               "load-2|test|test.csv|append|committed|2023-11-14 22:13:20+00|{\"t\":1}|0|NULL"}));
  EXPECT_EQ(StageTables(), "0");
}

TEST_F(PostgresDestinationTest, ParallelCopyConnectionsLoadEveryRowOnceOnFirstAndLaterAppends) {
  auto batches = [](int first) {
    std::vector<Batch> out;
    for (int b = 0; b < 12; b++) {
      std::vector<std::vector<std::string>> text;
      for (int i = 0; i < 5000; i++) {
        text.push_back({std::to_string(first + b * 5000 + i), "row " + std::to_string(i)});
      }
      std::vector<std::vector<const char*>> rows;
      for (auto& r : text) rows.push_back({r[0].c_str(), r[1].c_str()});
      out.push_back(MakeBatch("t", {"id", "s"}, {kInt, kText}, rows));
    }
    return out;
  };
  // The first load creates the table (filled by 3 connections, renamed in at commit); the
  // second appends straight into it.
  Load(WriteMode::kAppend, batches(0), {}, {}, "copy_connections=3");
  EXPECT_EQ(Value("SELECT count(*), count(DISTINCT id), min(id), max(id) FROM t"),
            "60000|60000|0|59999");
  Load(WriteMode::kAppend, batches(60000), {}, {}, "copy_connections=3");
  EXPECT_EQ(Value("SELECT count(*), count(DISTINCT id), min(id), max(id) FROM t"),
            "120000|120000|0|119999");
  EXPECT_EQ(StageTables(), "0");
}

TEST_F(PostgresDestinationTest, RollbackLeavesNothingBehindInEveryMode) {
  Load(WriteMode::kAppend, {MakeBatch("t", {"id"}, {kInt}, {{"1"}})});
  for (WriteMode mode : {WriteMode::kAppend, WriteMode::kReplace, WriteMode::kMerge}) {
    for (const char* extra : {"copy_connections=1", "copy_connections=2"}) {
      auto d = Open(extra);
      Begin(*d, Plan(mode, {"id"}));
      Feed(*d, MakeBatch("t", {"id", "x"}, {kInt, kText}, {{"9", "y"}}));
      Feed(*d,
           MakeBatch("t__new", {"_sluice_parent_id", "v"}, {kUuid, kText}, {{Id(1).c_str(), "z"}}));
      RejectedRecord r;
      r.reason = "bad";
      d->WriteRejects({r});
      d->Rollback();
      EXPECT_EQ(Rows("SELECT * FROM t"), V{"1"}) << WriteModeName(mode) << " " << extra;
      EXPECT_EQ(Tables(),
                (V{"_sluice_loads", "_sluice_rejects", "_sluice_schemas", "_sluice_state", "t"}));
      EXPECT_EQ(Value("SELECT count(*) FROM _sluice_rejects"), "0");
      EXPECT_EQ(Value("SELECT count(*) FROM _sluice_loads"), "1");
    }
  }
}

TEST_F(PostgresDestinationTest, ADestinationIsReusableAfterCommitAndAfterRollback) {
  auto d = Open();
  Begin(*d, Plan(WriteMode::kAppend));
  Feed(*d, MakeBatch("t", {"id"}, {kInt}, {{"1"}}));
  d->Commit(Record());
  Begin(*d, Plan(WriteMode::kReplace));
  Feed(*d, MakeBatch("t", {"id"}, {kInt}, {{"2"}}));
  d->Rollback();
  Begin(*d, Plan(WriteMode::kAppend));
  Feed(*d, MakeBatch("t", {"id"}, {kInt}, {{"3"}}));
  d->Commit(Record());
  EXPECT_EQ(Rows("SELECT id FROM t ORDER BY id"), (V{"1", "3"}));
}

TEST_F(PostgresDestinationTest, ReplaceReplacesTheWholeFamilyAndKeepsTheTables) {
  Load(WriteMode::kAppend,
       {MakeBatch("t", {"_sluice_id", "old"}, {kUuid, kText}, {{Id(1).c_str(), "x"}}),
        MakeBatch("t__items", {"_sluice_parent_id", "sku"}, {kUuid, kText},
                  {{Id(1).c_str(), "a"}})});
  // What users hang on their tables survives a replace.
  admin_->Execute("CREATE INDEX t_old ON t (old)");
  admin_->Execute("CREATE VIEW v AS SELECT count(*) AS n FROM t");
  admin_->Execute("COMMENT ON TABLE t IS 'kept'");
  const std::string oid = Value("SELECT 't'::regclass::oid");
  Load(WriteMode::kReplace,
       {MakeBatch("t", {"_sluice_id"}, {kUuid}, {{Id(2).c_str()}, {Id(3).c_str()}})});
  EXPECT_EQ(Rows("SELECT _sluice_id, old FROM t ORDER BY 1"),
            (V{"00000000-0000-0000-0000-000000000002|NULL",
               "00000000-0000-0000-0000-000000000003|NULL"}));
  EXPECT_EQ(Value("SELECT count(*) FROM t__items"), "0")
      << "children of replaced parents must not survive";
  EXPECT_EQ(Value("SELECT n FROM v"), "2");
  EXPECT_EQ(Value("SELECT 't'::regclass::oid"), oid) << "the same table, not a new one";
  EXPECT_EQ(Value("SELECT count(*) FROM pg_indexes WHERE indexname = 't_old'"), "1");
  EXPECT_EQ(Value("SELECT obj_description('t'::regclass)"), "kept");
  EXPECT_EQ(StageTables(), "0");
}

TEST_F(PostgresDestinationTest, ReplaceSwapsInANewTableWhenNothingHangsOnTheOldOne) {
  Load(WriteMode::kAppend, {MakeBatch("t", {"id", "n", "old"}, {kInt, kInt, kText},
                                      {{"1", "1", "x"}, {"2", "2", "y"}})});
  const std::string oid = Value("SELECT 't'::regclass::oid");
  Load(WriteMode::kReplace, {MakeBatch("t", {"id", "n"}, {kInt, kInt}, {{"5", "1"}}),
                             MakeBatch("t", {"id", "n", "more"},
                                       {kInt, DataType::Decimal(1), kText}, {{"6", "25", "m"}})});
  EXPECT_NE(Value("SELECT 't'::regclass::oid"), oid)
      << "the rows were written once, to a new table";
  EXPECT_EQ(Rows("SELECT column_name, data_type FROM information_schema.columns WHERE "
                 "table_schema = current_schema() AND table_name = 't' ORDER BY ordinal_position"),
            (V{"id|bigint", "n|numeric", "old|text", "more|text"}))
      << "the table's columns stay, widened and extended by the load";
  EXPECT_EQ(Rows("SELECT * FROM t ORDER BY id"), (V{"5|1.0|NULL|NULL", "6|2.5|NULL|m"}));
  EXPECT_EQ(StageTables(), "0");
}

TEST_F(PostgresDestinationTest, ReplaceKeepsATableThatAnythingHangsOn) {
  const std::vector<std::string> attachments = {
      "CREATE INDEX ON t (id)",
      "GRANT SELECT ON t TO PUBLIC",
      "CREATE VIEW v AS SELECT id FROM t",
      "COMMENT ON COLUMN t.id IS 'c'",
      "ALTER TABLE t ALTER COLUMN id SET DEFAULT 0",
      "ALTER TABLE t ALTER COLUMN id SET NOT NULL",
      "ALTER TABLE t ADD CHECK (id > 0)",
      "ALTER TABLE t SET (fillfactor = 90)",
      "ALTER TABLE t ALTER COLUMN s TYPE text COLLATE \"C\"",
      "CREATE TABLE holder (x t)",
      "CREATE FUNCTION tr() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END'; "
      "CREATE TRIGGER keep BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION tr()",
  };
  for (const auto& attach : attachments) {
    admin_->Execute("DROP SCHEMA IF EXISTS " + QuoteIdentifier(schema_) + " CASCADE");
    Load(WriteMode::kAppend, {MakeBatch("t", {"id", "s"}, {kInt, kText}, {{"1", "a"}})});
    admin_->Execute(attach);
    const std::string oid = Value("SELECT 't'::regclass::oid");
    Load(WriteMode::kReplace, {MakeBatch("t", {"id", "s"}, {kInt, kText}, {{"2", "b"}})});
    EXPECT_EQ(Value("SELECT 't'::regclass::oid"), oid) << attach;
    EXPECT_EQ(Rows("SELECT id, s FROM t"), (V{"2|b"})) << attach;
  }
}

TEST_F(PostgresDestinationTest, ReplaceReadersWaitingDuringTheCommitSeeTheNewRows) {
  for (const char* attach : {"", "CREATE INDEX ON t (id)"}) {
    admin_->Execute("DROP SCHEMA IF EXISTS " + QuoteIdentifier(schema_) + " CASCADE");
    Load(WriteMode::kAppend, {MakeBatch("t", {"id"}, {kInt}, {{"1"}, {"2"}})});
    if (*attach) admin_->Execute(attach);  // TRUNCATE + INSERT instead of the swap
    auto d = Open();
    Begin(*d, Plan(WriteMode::kReplace));
    Feed(*d, MakeBatch("t", {"id"}, {kInt}, {{"7"}, {"8"}, {"9"}}));
    // A reader holds the table, so the commit waits for it; a second reader queues behind the
    // commit's lock and must see the new rows when it gets through (never an empty table, never
    // "relation does not exist").
    auto holder = Connect(DestinationUri());
    auto reader = Connect(DestinationUri());
    const std::string table = QuoteIdentifier(schema_) + ".t";
    holder->Execute("BEGIN; SELECT count(*) FROM " + table);
    std::thread commit([&] { d->Commit(Record()); });
    auto waiting_for_lock = [&](int n) {
      for (int i = 0; i < 200; i++) {
        if (std::stoi(admin_->QueryValue(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND "
                "datname = current_database() AND query LIKE '%' || $1 || '%'",
                {schema_})) >= n) {
          return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      return false;
    };
    EXPECT_TRUE(waiting_for_lock(1)) << "the commit should wait for the holder";
    std::string seen;
    std::thread read([&] {
      seen = reader->QueryValue("SELECT string_agg(id::text, ',' ORDER BY id) FROM " + table);
    });
    EXPECT_TRUE(waiting_for_lock(2)) << "the reader should queue behind the commit";
    holder->Execute("COMMIT");
    commit.join();
    read.join();
    EXPECT_EQ(seen, "7,8,9") << (*attach ? "keep" : "swap");
  }
}

TEST_F(PostgresDestinationTest, ReplaceWithNoRowsEmptiesTheFamily) {
  Load(WriteMode::kAppend, {MakeBatch("t", {"_sluice_id"}, {kUuid}, {{Id(1).c_str()}}),
                            MakeBatch("t__items", {"_sluice_parent_id", "sku"}, {kUuid, kText},
                                      {{Id(1).c_str(), "a"}})});
  Load(WriteMode::kReplace, {});
  EXPECT_EQ(Value("SELECT (SELECT count(*) FROM t) + (SELECT count(*) FROM t__items)"), "0");
  EXPECT_EQ(Rows("SELECT status FROM _sluice_loads ORDER BY load_id"),
            (V{"committed", "committed"}));
}

TEST_F(PostgresDestinationTest, ReplaceLeavesUnrelatedTablesWithTheSamePrefixAlone) {
  admin_->Execute("CREATE SCHEMA IF NOT EXISTS " + QuoteIdentifier(schema_));
  admin_->Execute("CREATE TABLE t__archive (x int)");  // no _sluice_parent_id: not a child
  admin_->Execute("INSERT INTO t__archive VALUES (1)");
  Load(WriteMode::kReplace, {MakeBatch("t", {"id"}, {kInt}, {{"1"}})});
  EXPECT_EQ(Value("SELECT count(*) FROM t__archive"), "1");
}

TEST_F(PostgresDestinationTest, ReplaceReadersSeeTheOldRowsUntilCommitThenTheNew) {
  Load(WriteMode::kAppend, {MakeBatch("t", {"id"}, {kInt}, {{"1"}, {"2"}})});
  auto reader = Connect(DestinationUri());
  const std::string count = "SELECT count(*), sum(id) FROM " + QuoteIdentifier(schema_) + ".t";
  for (const char* extra : {"copy_connections=1", "copy_connections=2"}) {
    auto d = Open(extra);
    Begin(*d, Plan(WriteMode::kReplace));
    Feed(*d, MakeBatch("t", {"id"}, {kInt}, {{"7"}}));
    EXPECT_EQ(reader->QueryValue(count), "2") << "a replace in progress shows the old rows";
    Feed(*d, MakeBatch("t", {"id", "extra"}, {kInt, kText}, {{"8", "x"}}));
    EXPECT_EQ(reader->QueryValue(count), "2");
    EXPECT_EQ(reader->QueryValue("SELECT sum(id) FROM " + QuoteIdentifier(schema_) + ".t"), "3");
    d->Commit(Record());
    EXPECT_EQ(reader->QueryValue("SELECT sum(id) FROM " + QuoteIdentifier(schema_) + ".t"), "15");
    Load(WriteMode::kReplace, {MakeBatch("t", {"id"}, {kInt}, {{"1"}, {"2"}})});
  }
}

TEST_F(PostgresDestinationTest, MergeDeleteInsertReplacesEveryTargetRowOfALoadedKey) {
  Load(WriteMode::kAppend, {MakeBatch("t", {"a", "b", "v"}, {kInt, kText, kText},
                                      {{"1", "x", "old"}, {"1", "x", "dup"}, {"1", "y", "keep"}})});
  Load(WriteMode::kMerge,
       {MakeBatch("t", {"a", "b", "v"}, {kInt, kText, kText},
                  {{"1", "x", "first"}, {"2", "z", "new"}}),
        MakeBatch("t", {"a", "b", "v"}, {kInt, kText, kText}, {{"1", "x", "last"}})},
       {"a", "b"});
  EXPECT_EQ(Rows("SELECT a, b, v FROM t ORDER BY a, b"), (V{"1|x|last", "1|y|keep", "2|z|new"}));
  EXPECT_EQ(StageTables(), "0");
}

TEST_F(PostgresDestinationTest, MergeDedupWithinABatchTakesTheLastRow) {
  Load(
      WriteMode::kMerge,
      {MakeBatch("t", {"k", "v"}, {kInt, kText}, {{"1", "a"}, {"1", "b"}, {"2", "c"}, {"1", "d"}})},
      {"k"});
  EXPECT_EQ(Rows("SELECT k, v FROM t ORDER BY k"), (V{"1|d", "2|c"}));
}

TEST_F(PostgresDestinationTest, MergeDedupBySortColumnDescendingNullsLoseTiesGoToTheLastArrival) {
  auto rows = [] {
    return std::vector<Batch>{
        MakeBatch("t", {"k", "ver", "v"}, {kInt, kInt, kText},
                  {{"1", "5", "high"},
                   {"1", nullptr, "null-late"},
                   {"2", nullptr, "only-null"},
                   {"3", "2", "tie-first"}}),
        MakeBatch("t", {"k", "ver", "v"}, {kInt, kInt, kText},
                  {{"1", "3", "low-late"}, {"3", "2", "tie-last"}, {"2", nullptr, "null-last"}})};
  };
  Load(WriteMode::kMerge, rows(), {"k"}, [](LoadPlan& p) { p.dedup_sort = "ver"; });
  EXPECT_EQ(Rows("SELECT k, v FROM t ORDER BY k"), (V{"1|high", "2|null-last", "3|tie-last"}));
  admin_->Execute("TRUNCATE t");
  Load(WriteMode::kMerge, rows(), {"k"}, [](LoadPlan& p) {
    p.dedup_sort = "ver";
    p.dedup_sort_descending = false;
  });
  EXPECT_EQ(Rows("SELECT k, v FROM t ORDER BY k"), (V{"1|low-late", "2|null-last", "3|tie-last"}));
}

TEST_F(PostgresDestinationTest, MergeUpsertUpdatesRowsInPlaceBehindAUniqueIndex) {
  Load(WriteMode::kAppend, {MakeBatch("t", {"k", "v", "w"}, {kInt, kText, kText},
                                      {{"1", "old", "x"}, {"2", "keep", "y"}})});
  const std::string ctid = Value("SELECT xmin::text FROM t WHERE k = 2");
  Load(WriteMode::kMerge,
       {MakeBatch("t", {"k", "v"}, {kInt, kText}, {{"1", "new"}, {"3", "added"}, {"1", "newer"}})},
       {"k"}, [](LoadPlan& p) { p.merge_strategy = MergeStrategy::kUpsert; });
  EXPECT_EQ(Rows("SELECT k, v, w FROM t ORDER BY k"),
            (V{"1|newer|NULL", "2|keep|y", "3|added|NULL"}))
      << "every non-key column takes the load's value, NULL included";
  EXPECT_EQ(Value("SELECT xmin::text FROM t WHERE k = 2"), ctid) << "untouched keys stay put";
  EXPECT_EQ(Value("SELECT count(*) FROM pg_index WHERE indrelid = 't'::regclass AND indisunique"),
            "1");
  // A second upsert finds the index and uses it.
  Load(WriteMode::kMerge, {MakeBatch("t", {"k", "v"}, {kInt, kText}, {{"2", "changed"}})}, {"k"},
       [](LoadPlan& p) { p.merge_strategy = MergeStrategy::kUpsert; });
  EXPECT_EQ(Value("SELECT v FROM t WHERE k = 2"), "changed");
  EXPECT_EQ(Value("SELECT count(*) FROM pg_index WHERE indrelid = 't'::regclass"), "1");
}

TEST_F(PostgresDestinationTest, UpsertWithOnlyKeyColumnsInsertsNewKeys) {
  Load(WriteMode::kMerge, {MakeBatch("t", {"a", "b"}, {kInt, kInt}, {{"1", "1"}, {"1", "2"}})},
       {"a", "b"}, [](LoadPlan& p) { p.merge_strategy = MergeStrategy::kUpsert; });
  Load(WriteMode::kMerge, {MakeBatch("t", {"a", "b"}, {kInt, kInt}, {{"1", "1"}, {"2", "2"}})},
       {"a", "b"}, [](LoadPlan& p) { p.merge_strategy = MergeStrategy::kUpsert; });
  EXPECT_EQ(Rows("SELECT a, b FROM t ORDER BY a, b"), (V{"1|1", "1|2", "2|2"}));
}

TEST_F(PostgresDestinationTest, UpsertIntoATableWithDuplicateKeysSaysToUseDeleteInsert) {
  Load(WriteMode::kAppend, {MakeBatch("t", {"k", "v"}, {kInt, kText}, {{"1", "a"}, {"1", "b"}})});
  try {
    Load(WriteMode::kMerge, {MakeBatch("t", {"k", "v"}, {kInt, kText}, {{"2", "c"}})}, {"k"},
         [](LoadPlan& p) { p.merge_strategy = MergeStrategy::kUpsert; });
    FAIL() << "upsert over duplicate keys";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--merge-strategy delete-insert"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(Rows("SELECT v FROM t ORDER BY v"), (V{"a", "b"}));
}

TEST_F(PostgresDestinationTest, HardDeletesRemoveTheKeyAndItsChildren) {
  for (MergeStrategy strategy : {MergeStrategy::kDeleteInsert, MergeStrategy::kUpsert}) {
    admin_->Execute("DROP SCHEMA IF EXISTS " + QuoteIdentifier(schema_) + " CASCADE");
    auto plan = [&](LoadPlan& p) {
      p.merge_strategy = strategy;
      p.delete_column = "gone";
    };
    Load(
        WriteMode::kMerge,
        {MakeBatch("t", {"k", "_sluice_id", "v", "gone"}, {kInt, kUuid, kText, kBool},
                   {{"1", Id(1).c_str(), "a", nullptr},
                    {"2", Id(2).c_str(), "b", "false"},
                    {"3", Id(3).c_str(), "c", nullptr}}),
         MakeBatch("t__items", {"_sluice_parent_id", "_sluice_id", "x"}, {kUuid, kUuid, kText},
                   {{Id(1).c_str(), Id(11).c_str(), "1a"}, {Id(2).c_str(), Id(12).c_str(), "2a"}})},
        {"k"}, plan);
    Load(WriteMode::kMerge,
         {MakeBatch("t", {"k", "_sluice_id", "v", "gone"}, {kInt, kUuid, kText, kBool},
                    {{"1", Id(1).c_str(), "a2", "true"},
                     {"2", Id(2).c_str(), "b2", nullptr},
                     {"4", Id(4).c_str(), "never", "true"}}),
          MakeBatch("t__items", {"_sluice_parent_id", "_sluice_id", "x"}, {kUuid, kUuid, kText},
                    {{Id(1).c_str(), Id(11).c_str(), "1b"},
                     {Id(2).c_str(), Id(12).c_str(), "2b"},
                     {Id(4).c_str(), Id(14).c_str(), "4b"}})},
         {"k"}, plan);
    EXPECT_EQ(Rows("SELECT k, v, gone FROM t ORDER BY k"), (V{"2|b2|NULL", "3|c|NULL"}))
        << MergeStrategyName(strategy);
    EXPECT_EQ(Rows("SELECT x FROM t__items ORDER BY x"), (V{"2b"}))
        << "children of deleted keys go and do not land; others are replaced";
  }
}

TEST_F(PostgresDestinationTest, MergedKeysReplaceTheirDescendantsInEveryChildTable) {
  // Root 1 and 2 with children and grandchildren; the merge brings key 1 with one child, no
  // grandchildren, and no rows at all for the grandchild table.
  Load(WriteMode::kMerge,
       {MakeBatch("t", {"k", "_sluice_id"}, {kInt, kUuid},
                  {{"1", Id(1).c_str()}, {"2", Id(2).c_str()}}),
        MakeBatch("t__a", {"_sluice_parent_id", "_sluice_id", "x"}, {kUuid, kUuid, kText},
                  {{Id(1).c_str(), Id(11).c_str(), "1-a"},
                   {Id(1).c_str(), Id(12).c_str(), "1-b"},
                   {Id(2).c_str(), Id(21).c_str(), "2-a"}}),
        MakeBatch("t__a__b", {"_sluice_parent_id", "_sluice_id", "y"}, {kUuid, kUuid, kText},
                  {{Id(11).c_str(), Id(111).c_str(), "1-a-x"},
                   {Id(21).c_str(), Id(211).c_str(), "2-a-x"}})},
       {"k"});
  Load(WriteMode::kMerge,
       {MakeBatch("t", {"k", "_sluice_id"}, {kInt, kUuid}, {{"1", Id(1).c_str()}}),
        MakeBatch("t__a", {"_sluice_parent_id", "_sluice_id", "x"}, {kUuid, kUuid, kText},
                  {{Id(1).c_str(), Id(11).c_str(), "1-new"}})},
       {"k"});
  EXPECT_EQ(Rows("SELECT x FROM t__a ORDER BY x"), (V{"1-new", "2-a"}));
  EXPECT_EQ(Rows("SELECT y FROM t__a__b ORDER BY y"), (V{"2-a-x"}));
}

TEST_F(PostgresDestinationTest, ColumnsAddedAndWidenedMidLoadReachTheTargetInEveryMode) {
  for (WriteMode mode : {WriteMode::kAppend, WriteMode::kReplace, WriteMode::kMerge}) {
    for (const char* extra : {"copy_connections=1", "copy_connections=2"}) {
      admin_->Execute("DROP SCHEMA IF EXISTS " + QuoteIdentifier(schema_) + " CASCADE");
      Load(WriteMode::kAppend,
           {MakeBatch("t", {"k", "n", "s"}, {kInt, kInt, kText}, {{"1", "7", "plain"}})});
      Load(mode,
           {MakeBatch("t", {"k", "n"}, {kInt, kInt}, {{"2", "8"}}),
            MakeBatch("t", {"k", "n", "extra"}, {kInt, DataType::Decimal(1), kText},
                      {{"3", "25", "x"}}),
            MakeBatch("t", {"k", "n", "s"}, {kInt, kDouble, kJson}, {{"4", "0.5", "{\"j\":1}"}})},
           {"k"}, {}, extra);
      const std::string what = std::string(WriteModeName(mode)) + " " + extra;
      EXPECT_EQ(Rows("SELECT column_name, data_type FROM information_schema.columns WHERE "
                     "table_schema = current_schema() AND table_name = 't' ORDER BY "
                     "ordinal_position"),
                (V{"k|bigint", "n|double precision", "s|jsonb", "extra|text"}))
          << what;
      const V loaded = {"2|8|NULL|NULL", "3|2.5|NULL|x", "4|0.5|{\"j\": 1}|NULL"};
      V expected = loaded;
      if (mode != WriteMode::kReplace) expected.insert(expected.begin(), "1|7|\"plain\"|NULL");
      EXPECT_EQ(Rows("SELECT k, n, s, extra FROM t ORDER BY k"), expected) << what;
    }
  }
}

TEST_F(PostgresDestinationTest, AnAllNullTextColumnTakesAFirstRealType) {
  Load(WriteMode::kAppend, {MakeBatch("t", {"k", "later"}, {kInt, kText}, {{"1", nullptr}})});
  auto d = Open();
  Begin(*d, Plan(WriteMode::kAppend));
  EXPECT_FALSE(d->ColumnHasValues("t", "later"));
  d->WidenColumn("t", {"later", kInt});
  d->Write(*std::make_unique<Batch>(MakeBatch("t", {"k", "later"}, {kInt, kInt}, {{"2", "42"}})));
  d->Commit(Record());
  EXPECT_EQ(Rows("SELECT k, later, pg_typeof(later) FROM t ORDER BY k"),
            (V{"1|NULL|bigint", "2|42|bigint"}));
  EXPECT_TRUE(d->ColumnHasValues("t", "later"));
}

TEST_F(PostgresDestinationTest, ReadTablesMapsTypesBackAndListsTheFamily) {
  Load(WriteMode::kAppend,
       {MakeBatch("t", {"_sluice_id", "d", "f", "day", "ts", "tz", "j", "bin", "ok"},
                  {kUuid, DataType::Decimal(3), kDouble, DataType::Of(TypeId::kDate),
                   DataType::Of(TypeId::kTimestamp), DataType::Of(TypeId::kTimestampTz), kJson,
                   DataType::Of(TypeId::kBinary), kBool},
                  {}),
        MakeBatch("t__c", {"_sluice_parent_id"}, {kUuid}, {})});
  admin_->Execute("ALTER TABLE t ADD COLUMN theirs integer, ADD COLUMN wide numeric(20,2)");
  admin_->Execute("CREATE TABLE tx (a int)");  // another family
  auto d = Open();
  const auto tables = d->ReadTables("t");
  ASSERT_EQ(tables.size(), 2u);
  EXPECT_EQ(tables[0].name, "t");
  EXPECT_EQ(tables[1].name, "t__c");
  std::string types;
  for (const auto& c : tables[0].columns) types += c.name + ":" + TypeName(c.type) + " ";
  EXPECT_EQ(types,
            "_sluice_id:uuid d:decimal(18,3) f:double day:date ts:timestamp tz:timestamptz "
            "j:json bin:binary ok:boolean theirs:text wide:text ");
  EXPECT_TRUE(d->ReadTables("nope").empty());
}

TEST_F(PostgresDestinationTest, AppendCastsIntoColumnsOfTypesSluiceDidNotCreate) {
  admin_->Execute("CREATE SCHEMA " + QuoteIdentifier(schema_));
  admin_->Execute("CREATE TABLE t (id integer, name varchar(10), doc json)");
  // The evolver sees these columns as text and sends text.
  Load(WriteMode::kAppend,
       {MakeBatch("t", {"id", "name", "doc"}, {kText, kText, kText}, {{"5", "ann", "[1, 2]"}})});
  EXPECT_EQ(Rows("SELECT id + 1, name, doc->>1 FROM t"), (V{"6|ann|2"}));
  EXPECT_EQ(Value("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE "
                  "attrelid = 't'::regclass AND attname = 'id'"),
            "integer");
}

TEST_F(PostgresDestinationTest, IntegerDigitsAndValuesOfCommittedColumns) {
  Load(WriteMode::kAppend,
       {MakeBatch("t", {"i", "d", "e"}, {kInt, DataType::Decimal(2), kInt},
                  {{"-9223372036854775808", "-12345", nullptr}, {"12", "5", nullptr}})});
  auto d = Open();
  EXPECT_EQ(d->LoadedIntegerDigits("t", "i"), 19);
  EXPECT_EQ(d->LoadedIntegerDigits("t", "d"), 3);
  EXPECT_EQ(d->LoadedIntegerDigits("t", "e"), 0);
  EXPECT_TRUE(d->ColumnHasValues("t", "d"));
  EXPECT_FALSE(d->ColumnHasValues("t", "e"));
}

TEST_F(PostgresDestinationTest, StateEntriesUpsertAndAnEmptyValueDeletes) {
  auto d = Open();
  EXPECT_TRUE(d->ReadState("test").empty());
  auto commit_state = [&](std::vector<StateEntry> state) {
    Begin(*d, Plan(WriteMode::kAppend));
    LoadRecord r = Record();
    r.state = std::move(state);
    d->Commit(r);
  };
  commit_state({{"test", "t", "file:/a", "{\"size\":1,\"xxh3\":\"ab\"}", "", ""},
                {"test", "t", "file:/b", "{\"size\":2}", "", ""}});
  commit_state(
      {{"test", "t", "file:/a", "{\"size\":3}", "", ""}, {"test", "t", "file:/b", "", "", ""}});
  const auto state = d->ReadState("test");
  ASSERT_EQ(state.size(), 1u);
  EXPECT_EQ(state[0].key, "file:/a");
  EXPECT_EQ(state[0].value, "{\"size\":3}") << "the JSON text comes back as written";
  EXPECT_EQ(state[0].load_id, "load-2");
  EXPECT_TRUE(d->ReadState("other").empty());
  EXPECT_EQ(d->ResetState("test"), 1u);
  EXPECT_TRUE(d->ReadState("test").empty());
}

TEST_F(PostgresDestinationTest, SchemaVersionsAreInsertedOnce) {
  auto d = Open();
  for (int i = 0; i < 2; i++) {
    Begin(*d, Plan(WriteMode::kAppend));
    LoadRecord r = Record();
    r.schemas = {{"t", "h1", "{\"columns\":[]}"}, {"t", i == 0 ? "h1" : "h2", "{\"columns\":[1]}"}};
    d->Commit(r);
  }
  EXPECT_EQ(
      Rows("SELECT table_name, version_hash, schema, load_id FROM _sluice_schemas ORDER BY 2"),
      (V{"t|h1|{\"columns\":[]}|load-1", "t|h2|{\"columns\":[1]}|load-2"}));
}

TEST_F(PostgresDestinationTest, RejectsCommitWithTheLoadInEveryMode) {
  for (WriteMode mode : {WriteMode::kAppend, WriteMode::kReplace, WriteMode::kMerge}) {
    admin_->Execute("DROP SCHEMA IF EXISTS " + QuoteIdentifier(schema_) + " CASCADE");
    auto d = Open();
    Begin(*d, Plan(mode, {"id"}));
    Feed(*d, MakeBatch("t", {"id"}, {kInt}, {{"1"}}));
    RejectedRecord r;
    r.table = "t";
    r.source = "in.csv";
    r.line = 7;
    r.byte_offset = 120;
    r.column = "amount";
    r.raw = "1,\xff,3";
    r.reason = "too many fields";
    d->WriteRejects({r});
    EXPECT_EQ(Value("SELECT count(*) FROM _sluice_rejects"), "0") << "not before the commit";
    d->Commit(Record());
    EXPECT_EQ(
        Rows("SELECT load_id, table_name, source, line, byte_offset, column_name, raw, "
             "reason FROM _sluice_rejects"),
        (V{"load-" + std::to_string(loads_) + "|t|in.csv|7|120|amount|1,\\xFF,3|too many fields"}))
        << WriteModeName(mode);
  }
}

TEST_F(PostgresDestinationTest, HostileIdentifiersAreQuotedEverywhere) {
  // The schema itself too.
  schema_ = "we\"ird sch;ema \xC3\xA9";
  admin_->Execute("DROP SCHEMA IF EXISTS " + QuoteIdentifier(schema_) + " CASCADE");
  admin_->Execute("SET search_path = " + QuoteIdentifier(schema_));
  const std::string long_name(63, 'n');
  const std::string table = "t";
  const std::vector<std::string> names = {"we\"ird; DROP TABLE t; --", "select", "sp ace",
                                          "\xC3\xA9t\xC3\xA9 \xE2\x9C\x93", long_name};
  std::string uri = base_uri_ + "?schema=we%22ird%20sch%3Bema%20%C3%A9";
  for (WriteMode mode : {WriteMode::kAppend, WriteMode::kReplace, WriteMode::kMerge}) {
    for (const char* connections : {"1", "2"}) {
      auto d = PostgresDestination::Open(uri + "&copy_connections=" + connections);
      EXPECT_EQ(d->schema(), schema_);
      LoadPlan p = Plan(mode, {"select", long_name});
      p.dedup_sort = "sp ace";
      Begin(*d, p);
      Feed(*d, MakeBatch(table, names, {kText, kText, kInt, kText, kInt},
                         {{"a", "b", "1", "c", "2"}, {"a", "b", "3", "c2", "2"}}));
      Feed(*d, MakeBatch(table, {"select", long_name, "new;col\""}, {kText, kInt, kText},
                         {{"z", "9", "q"}}));
      d->Commit(Record());
    }
  }
  EXPECT_EQ(Rows("SELECT \"we\"\"ird; DROP TABLE t; --\", \"select\", \"sp ace\", "
                 "\"\xC3\xA9t\xC3\xA9 \xE2\x9C\x93\", \"" +
                 long_name + "\", \"new;col\"\"\" FROM t ORDER BY 2"),
            (V{"a|b|3|c2|2|NULL", "NULL|z|NULL|NULL|9|q"}));
  admin_->Execute("DROP SCHEMA " + QuoteIdentifier(schema_) + " CASCADE");
}

TEST_F(PostgresDestinationTest, DescribeNamesTheDestinationWithoutThePassword) {
  auto d = Open();
  const std::string described = d->Describe();
  EXPECT_NE(described.find("sluice_test"), std::string::npos) << described;
  EXPECT_NE(described.find("schema=" + schema_), std::string::npos) << described;
  EXPECT_EQ(described.find(PostgresUri::Parse(base_uri_).password_raw), std::string::npos);
  EXPECT_EQ(d->MaxIdentifierBytes(), 63u);
}

TEST_F(PostgresDestinationTest, AFailedLoadIsRecordedInItsOwnTransaction) {
  auto d = Open();
  Begin(*d, Plan(WriteMode::kAppend));
  Feed(*d, MakeBatch("t", {"id"}, {kInt}, {{"1"}}));
  d->Rollback();
  d->RecordFailure(Record(), "it broke");
  EXPECT_EQ(Rows("SELECT load_id, status, error FROM _sluice_loads"),
            (V{"load-1|failed|it broke"}));
  EXPECT_EQ(Tables(), (V{"_sluice_loads", "_sluice_rejects", "_sluice_schemas", "_sluice_state"}));
}

}  // namespace
}  // namespace sluice
