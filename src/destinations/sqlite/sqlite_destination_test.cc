// The SQLite destination's loads: URIs, append, replace, metadata, rejects, isolation between
// connections and processes, hostile names.
#include "destinations/sqlite/sqlite_destination.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "destinations/sqlite/sqlite_options.h"
#include "destinations/sqlite/sqlite_test_util.h"

namespace sluice::sqlite_test {
namespace {

using sqlite::SqliteOptions;

// --- URIs ----------------------------------------------------------------------------------

TEST(SqliteUri, ThreeSlashesAreRelativeAndFourAbsolute) {
  std::string path;
  SqliteOptions options;
  sqlite::ParseSqliteUri("sqlite:///data/x.db", &path, &options);
  EXPECT_EQ(path, "data/x.db");
  sqlite::ParseSqliteUri("sqlite:////abs/x.db", &path, &options);
  EXPECT_EQ(path, "/abs/x.db");
}

TEST(SqliteUri, QueryKeysSetTheOptions) {
  std::string path;
  SqliteOptions options;
  sqlite::ParseSqliteUri("sqlite:///x.db?busy_timeout=250&synchronous=normal&cache_mb=8", &path,
                         &options);
  EXPECT_EQ(path, "x.db");
  EXPECT_EQ(options.busy_timeout_ms, 250);
  EXPECT_EQ(options.synchronous, "NORMAL");
  EXPECT_EQ(options.cache_mb, 8);
}

TEST(SqliteUri, AnUnknownKeyIsAUsageErrorThatNamesIt) {
  std::string path;
  SqliteOptions options;
  try {
    sqlite::ParseSqliteUri("sqlite:///x.db?journal_mode=delete", &path, &options);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUsage);
    EXPECT_NE(std::string(e.what()).find("'journal_mode'"), std::string::npos) << e.what();
  }
}

TEST(SqliteUri, BadValuesAndMissingPathsAreUsageErrors) {
  std::string path;
  SqliteOptions options;
  for (const char* uri :
       {"sqlite:///x.db?busy_timeout=soon", "sqlite:///x.db?synchronous=fast",
        "sqlite:///x.db?cache_mb=0", "sqlite:///", "sqlite://x.db", "sqlite:///dir/"}) {
    EXPECT_THROW(sqlite::ParseSqliteUri(uri, &path, &options), Error) << uri;
  }
}

class SqliteDestinationTest : public SqliteTest {};

TEST_F(SqliteDestinationTest, OpenDestinationPicksSqliteByScheme) {
  auto dest = OpenDestination("sqlite:///" + path_ + "?busy_timeout=100");  // path_ is absolute
  EXPECT_EQ(dest->Describe(), "sqlite:" + path_);
}

TEST_F(SqliteDestinationTest, TheDatabaseIsInWalMode) {
  Open();
  EXPECT_EQ(Query("PRAGMA journal_mode"), Rows{"wal"});
}

// --- append --------------------------------------------------------------------------------

TEST_F(SqliteDestinationTest, AppendAddsRowsAndRecordsEachLoad) {
  LoadRecord record;
  record.source = "in.csv";
  record.started_at_micros = 1700000000000000;
  record.finished_at_micros = 1700000001500000;
  record.rows_per_table = {{"t", 2}};
  record.rows_rejected = 1;
  Load(Plan(WriteMode::kAppend),
       {MakeBatch("t", {"id", "name"}, {kInt, kText}, {{"1", "a"}, {"2", std::nullopt}})}, record);
  Load(WriteMode::kAppend, {MakeBatch("t", {"id", "name"}, {kInt, kText}, {{"3", "c"}})});
  EXPECT_EQ(Query("SELECT id, name FROM t ORDER BY rowid"), (Rows{"1|a", "2|NULL", "3|c"}));
  EXPECT_EQ(Query("SELECT load_id, pipeline, source, mode, status, started_at, finished_at, "
                  "rows_per_table, rows_rejected, error FROM _sluice_loads ORDER BY load_id"),
            (Rows{"load-1|test|in.csv|append|committed|2023-11-14 22:13:20.000000Z|"
                  "2023-11-14 22:13:21.500000Z|{\"t\":2}|1|NULL",
                  "load-2|test||append|committed|1970-01-01 00:00:00.000000Z|"
                  "1970-01-01 00:00:00.000000Z|{}|0|NULL"}));
}

TEST_F(SqliteDestinationTest, BatchesNameTheirColumnsInAnyOrderAndMissingOnesAreNull) {
  auto dest = Open();
  dest->Begin(Plan(WriteMode::kAppend));
  dest->CreateTable({"t", {{"a", kInt}, {"b", kText}, {"c", kDouble}}});
  Batch b1 = MakeBatch("t", {"c", "a"}, {kDouble, kInt}, {{"1.5", "1"}});
  Batch b2 = MakeBatch("t", {"b"}, {kText}, {{"x"}});
  dest->Write(b1);
  dest->Write(b2);
  dest->Commit({});
  EXPECT_EQ(Query("SELECT a, b, c FROM t ORDER BY rowid"), (Rows{"1|NULL|1.5", "NULL|x|NULL"}));
}

TEST_F(SqliteDestinationTest, ABatchThatDoesNotMatchTheTableIsRefused) {
  auto dest = Open();
  dest->Begin(Plan(WriteMode::kAppend));
  dest->CreateTable({"t", {{"a", kInt}}});
  Batch wrong_type = MakeBatch("t", {"a"}, {kText}, {{"1"}});
  Batch unknown_column = MakeBatch("t", {"b"}, {kInt}, {{"1"}});
  Batch unknown_table = MakeBatch("u", {"a"}, {kInt}, {{"1"}});
  EXPECT_THROW(dest->Write(wrong_type), Error);
  EXPECT_THROW(dest->Write(unknown_column), Error);
  EXPECT_THROW(dest->Write(unknown_table), Error);
  dest->Rollback();
}

TEST_F(SqliteDestinationTest, ABatchOfManyRowsLoadsEveryRow) {
  Batch b = MakeBatch("t", {"i", "s"}, {kInt, kText}, {});
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
  EXPECT_EQ(Query("SELECT count(*), sum(i), count(s), max(s) FROM t"),
            Rows{"10000|49995000|8571|value number 9999"});
}

// --- replace -------------------------------------------------------------------------------

class SqliteReplaceTest : public SqliteTest {
 protected:
  void LoadFamily() {
    Load(WriteMode::kAppend,
         {MakeBatch("t", {"_sluice_id", "v", "old"}, {kText, kInt, kText},
                    {{"p1", "1", "x"}, {"p2", "2", "y"}}),
          MakeBatch("t__items", {"_sluice_parent_id", "_sluice_id", "sku"}, {kText, kText, kText},
                    {{"p1", "i1", "a"}}),
          MakeBatch("t__items__tags", {"_sluice_parent_id", "_sluice_id", "tag"},
                    {kText, kText, kText}, {{"i1", "g1", "red"}}),
          MakeBatch("tx", {"keep"}, {kText}, {{"me"}})});
  }
};

TEST_F(SqliteReplaceTest, TheLoadsRowsBecomeTheWholeFamilysContent) {
  LoadFamily();
  Load(WriteMode::kReplace, {MakeBatch("t", {"_sluice_id", "v"}, {kText, kInt}, {{"p3", "3"}}),
                             MakeBatch("t__items", {"_sluice_parent_id", "_sluice_id", "sku"},
                                       {kText, kText, kText}, {{"p3", "i3", "b"}})});
  EXPECT_EQ(Query("SELECT _sluice_id, v, old FROM t"), Rows{"p3|3|NULL"});
  EXPECT_EQ(Query("SELECT sku FROM t__items"), Rows{"b"});
  EXPECT_EQ(Query("SELECT count(*) FROM t__items__tags"), Rows{"0"})
      << "a child table the load wrote nothing to holds no rows of replaced parents";
  EXPECT_EQ(Query("SELECT keep FROM tx"), Rows{"me"}) << "tx is not in t's family";
  EXPECT_EQ(UserTables(), (Rows{"t", "t__items", "t__items__tags", "tx"}))
      << "tables and their columns stay (the evolver only grows them)";
}

TEST_F(SqliteReplaceTest, ALoadWithoutRowsEmptiesTheFamily) {
  LoadFamily();
  Load(WriteMode::kReplace, {});
  EXPECT_EQ(Query("SELECT (SELECT count(*) FROM t) + (SELECT count(*) FROM t__items) + "
                  "(SELECT count(*) FROM t__items__tags), (SELECT count(*) FROM tx)"),
            Rows{"0|1"});
  EXPECT_EQ(Query("SELECT name FROM pragma_table_info('t') ORDER BY cid"),
            (Rows{"_sluice_id", "v", "old"}));
}

TEST_F(SqliteReplaceTest, AnotherConnectionSeesTheOldContentUntilCommit) {
  LoadFamily();
  sqlite::Connection reader(path_);
  auto dest = Open();
  dest->Begin(Plan(WriteMode::kReplace));
  Batch b = MakeBatch("t", {"_sluice_id", "v"}, {kText, kInt}, {{"p3", "3"}});
  dest->Write(b);
  EXPECT_EQ(QueryRows(reader, "SELECT v FROM t ORDER BY v"), (Rows{"1", "2"}));
  EXPECT_EQ(QueryRows(reader, "SELECT count(*) FROM t__items"), Rows{"1"});
  dest->Commit({});
  EXPECT_EQ(QueryRows(reader, "SELECT v FROM t ORDER BY v"), Rows{"3"});
  EXPECT_EQ(QueryRows(reader, "SELECT count(*) FROM t__items"), Rows{"0"});
}

// --- concurrency and transactions ------------------------------------------------------------

TEST_F(SqliteDestinationTest, ASecondLoaderWaitsForTheFirstAndThenFailsRetriably) {
  auto first = Open();
  first->Begin(Plan(WriteMode::kAppend));
  SqliteOptions impatient;
  impatient.busy_timeout_ms = 50;
  auto second = Open(impatient);
  try {
    second->Begin(Plan(WriteMode::kAppend));
    FAIL() << "two loads wrote at once";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kDestination);
    EXPECT_TRUE(e.retriable());
    EXPECT_NE(std::string(e.what()).find("busy_timeout"), std::string::npos) << e.what();
  }
  second->Rollback();
  first->Commit({});
  second->Begin(Plan(WriteMode::kAppend));  // the lock is free again
  second->Commit({});
  EXPECT_EQ(Query("SELECT count(*) FROM _sluice_loads"), Rows{"2"});
}

TEST_F(SqliteDestinationTest, RollbackLeavesNothingOfTheLoad) {
  Load(WriteMode::kAppend, {MakeBatch("t", {"id"}, {kInt}, {{"1"}})});
  const Rows schema_before = Query("SELECT type, name, sql FROM sqlite_schema ORDER BY name");
  auto dest = Open();
  dest->Begin(Plan(WriteMode::kReplace));
  dest->CreateTable({"t__new", {{"x", kText}}});
  dest->AddColumn("t", {"extra", kText});
  dest->WidenColumn("t", {"id", kDouble});
  Batch b = MakeBatch("t", {"id", "extra"}, {kDouble, kText}, {{"9", "y"}});
  dest->Write(b);
  RejectedRecord r;
  r.table = "t";
  r.reason = "bad";
  dest->WriteRejects({r});
  dest->Rollback();
  dest.reset();
  EXPECT_EQ(Query("SELECT type, name, sql FROM sqlite_schema ORDER BY name"), schema_before);
  EXPECT_EQ(Query("SELECT id FROM t"), Rows{"1"});
  EXPECT_EQ(Query("SELECT count(*) FROM _sluice_rejects"), Rows{"0"});
  EXPECT_EQ(Query("SELECT count(*) FROM _sluice_loads"), Rows{"1"});
}

TEST_F(SqliteDestinationTest, ALoadCannotWriteOutsideBeginAndCommit) {
  auto dest = Open();
  Batch b = MakeBatch("t", {"id"}, {kInt}, {{"1"}});
  EXPECT_THROW(dest->Write(b), Error);
  EXPECT_THROW(dest->CreateTable({"t", {{"id", kInt}}}), Error);
  EXPECT_THROW(dest->Commit({}), Error);
}

TEST_F(SqliteDestinationTest, MergeWithoutAKeyIsAUsageError) {
  auto dest = Open();
  try {
    dest->Begin(Plan(WriteMode::kMerge));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUsage);
  }
}

// --- metadata ------------------------------------------------------------------------------

TEST_F(SqliteDestinationTest, MetadataTablesHaveTheContractsColumns) {
  auto dest = Open();
  dest->Begin(Plan(WriteMode::kAppend));
  dest->Commit({});
  auto columns = [&](const std::string& table) {
    std::string out;
    for (const auto& row :
         Query("SELECT name || ' ' || type FROM pragma_table_info('" + table + "') ORDER BY cid")) {
      out += (out.empty() ? "" : ", ") + row;
    }
    return out;
  };
  EXPECT_EQ(columns("_sluice_loads"),
            "load_id TEXT, pipeline TEXT, source TEXT, mode TEXT, status TEXT, "
            "started_at TIMESTAMPTZ_TEXT, finished_at TIMESTAMPTZ_TEXT, rows_per_table JSON_TEXT, "
            "rows_rejected BIGINT, error TEXT");
  EXPECT_EQ(columns("_sluice_rejects"),
            "load_id TEXT, table_name TEXT, source TEXT, line BIGINT, byte_offset BIGINT, "
            "column_name TEXT, raw TEXT, reason TEXT");
  EXPECT_EQ(columns("_sluice_state"),
            "pipeline TEXT, resource TEXT, key TEXT, value JSON_TEXT, load_id TEXT, "
            "updated_at TIMESTAMPTZ_TEXT");
  EXPECT_EQ(columns("_sluice_schemas"),
            "pipeline TEXT, table_name TEXT, version_hash TEXT, schema JSON_TEXT, load_id TEXT, "
            "created_at TIMESTAMPTZ_TEXT");
}

TEST_F(SqliteDestinationTest, RejectsCommitWithTheLoadAndInvalidUtf8IsEscaped) {
  Load(WriteMode::kAppend, {});  // the metadata tables exist from here on
  auto dest = Open();
  dest->Begin(Plan(WriteMode::kAppend));
  RejectedRecord r;
  r.table = "t";
  r.source = "in\xff.csv";
  r.line = 7;
  r.byte_offset = 120;
  r.column = "amount";
  r.raw = "1,\xfe\xff,3";
  r.reason = "too many fields";
  RejectedRecord unknown_place;
  unknown_place.table = "t";
  unknown_place.reason = "bad";
  dest->WriteRejects({r, unknown_place});
  EXPECT_EQ(Query("SELECT count(*) FROM _sluice_rejects"), Rows{"0"}) << "not before commit";
  dest->Commit({});
  EXPECT_EQ(Query("SELECT load_id, table_name, source, line, byte_offset, column_name, raw, "
                  "reason FROM _sluice_rejects ORDER BY rowid"),
            (Rows{"load-2|t|in\\xFF.csv|7|120|amount|1,\\xFE\\xFF,3|too many fields",
                  "load-2|t||NULL|0|NULL||bad"}));
}

TEST_F(SqliteDestinationTest, StateEntriesUpsertAndAnEmptyValueDeletesTheKey) {
  LoadRecord first;
  first.state = {{"test", "t", "file:a", "{\"size\":1}", "", ""},
                 {"test", "t", "file:b", "{\"size\":2}", "", ""}};
  Load(Plan(WriteMode::kAppend), {}, first);
  LoadRecord second;
  second.state = {{"test", "t", "file:a", "{\"size\":3}", "", ""},
                  {"test", "t", "file:b", "", "", ""}};
  Load(Plan(WriteMode::kAppend), {}, second);
  const auto state = Open()->ReadState("test");
  ASSERT_EQ(state.size(), 1u);
  EXPECT_EQ(state[0].key, "file:a");
  EXPECT_EQ(state[0].value, "{\"size\":3}");
  EXPECT_EQ(state[0].load_id, "load-2");
  EXPECT_EQ(state[0].updated_at.size(), 27u) << state[0].updated_at;  // fixed-width UTC text
  EXPECT_TRUE(Open()->ReadState("other").empty());
}

TEST_F(SqliteDestinationTest, ResetStateForgetsOnePipeline) {
  EXPECT_EQ(Open()->ResetState("test"), 0u) << "a fresh database has no state";
  EXPECT_TRUE(Open()->ReadState("test").empty());
  LoadRecord record;
  record.state = {{"test", "t", "k1", "1", "", ""},
                  {"test", "t", "k2", "2", "", ""},
                  {"other", "t", "k1", "1", "", ""}};
  Load(Plan(WriteMode::kAppend), {}, record);
  EXPECT_EQ(Open()->ResetState("test"), 2u);
  EXPECT_TRUE(Open()->ReadState("test").empty());
  EXPECT_EQ(Open()->ReadState("other").size(), 1u);
}

TEST_F(SqliteDestinationTest, ASchemaVersionIsRecordedOnce) {
  LoadRecord first;
  first.schemas = {{"t", "h1", "{\"columns\":[{\"name\":\"a\",\"type\":\"int64\"}]}"}};
  Load(Plan(WriteMode::kAppend), {}, first);
  LoadRecord second;
  second.schemas = {{"t", "h1", "{\"columns\":[{\"name\":\"a\",\"type\":\"int64\"}]}"},
                    {"t", "h2", "{\"columns\":[]}"}};
  Load(Plan(WriteMode::kAppend), {}, second);
  EXPECT_EQ(Query("SELECT pipeline, table_name, version_hash, load_id, length(created_at) FROM "
                  "_sluice_schemas ORDER BY version_hash"),
            (Rows{"test|t|h1|load-1|27", "test|t|h2|load-2|27"}));
}

TEST_F(SqliteDestinationTest, AFailedLoadIsRecordedInItsOwnTransaction) {
  auto dest = Open();
  dest->Begin(Plan(WriteMode::kAppend));
  Batch b = MakeBatch("t", {"id"}, {kInt}, {{"1"}});
  dest->CreateTable(SchemaOf(b));
  dest->Write(b);
  dest->Rollback();
  LoadRecord record;
  record.source = "in.csv";
  record.rows_rejected = 4;
  dest->RecordFailure(record, "boom in \xff");
  dest.reset();
  EXPECT_EQ(UserTables(), Rows{});
  EXPECT_EQ(Query("SELECT load_id, status, rows_per_table, rows_rejected, error FROM "
                  "_sluice_loads"),
            Rows{"load-1|failed|NULL|4|boom in \\xFF"});
}

TEST_F(SqliteDestinationTest, ColumnHasValuesAndLoadedIntegerDigitsLookAtCommittedValues) {
  Load(WriteMode::kAppend, {MakeBatch("t", {"i", "d", "s", "big"}, {kInt, Dec(2), kText, kInt},
                                      {{"-12345", "-123.45", std::nullopt, "-9223372036854775808"},
                                       {"7", "0.05", std::nullopt, std::nullopt}})});
  auto dest = Open();
  EXPECT_EQ(dest->LoadedIntegerDigits("t", "i"), 5);
  EXPECT_EQ(dest->LoadedIntegerDigits("t", "d"), 3);
  EXPECT_EQ(dest->LoadedIntegerDigits("t", "big"), 19);
  EXPECT_TRUE(dest->ColumnHasValues("t", "i"));
  EXPECT_FALSE(dest->ColumnHasValues("t", "s"));
  EXPECT_FALSE(dest->ColumnHasValues("missing", "s"));
  EXPECT_EQ(dest->LoadedIntegerDigits("missing", "i"), 0);
}

TEST_F(SqliteDestinationTest, HostileNamesAreQuotedEverywhere) {
  const std::string table = "we\"ird; DROP TABLE x; --";
  const std::vector<std::string> names = {"a\"b",  "semi;colon", "with space",
                                          "größe", "select",     "order"};
  LoadPlan plan = Merge({"a\"b", "select"}, MergeStrategy::kUpsert);
  plan.root_table = table;
  plan.dedup_sort = "order";
  for (int round = 0; round < 2; round++) {
    auto dest = Open();
    plan.load_id = "load-" + std::to_string(++loads_);
    dest->Begin(plan);
    Batch b = MakeBatch(table, names, {kInt, kText, kText, kText, kText, kInt},
                        {{"1", "x;", "y ", "z\"", "k", "1"}, {"1", "x2", "y2", "z2", "k", "2"}});
    if (round == 0) {
      dest->CreateTable(SchemaOf(b));
    } else {
      dest->AddColumn(table, {"new \"col\"", kText});
      dest->WidenColumn(table, {"größe", kJson});
      b.columns[3] = b.columns[3].CastTo(kJson);
    }
    dest->Write(b);
    dest->Commit({});
  }
  EXPECT_EQ(Query("SELECT * FROM " + sqlite::QuoteIdentifier(table)),
            Rows{"1|x2|y2|\"z2\"|k|2|NULL"});
  EXPECT_EQ(Query("SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND tbl_name = " +
                  std::string("'we\"ird; DROP TABLE x; --'")),
            Rows{"1"});
}

}  // namespace
}  // namespace sluice::sqlite_test
