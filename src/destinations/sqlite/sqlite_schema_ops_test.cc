// CreateTable / AddColumn / WidenColumn on SQLite, in the middle of loads: earlier rows are
// converted exactly (to what Column::CastTo makes of the same value in a batch), and the table
// keeps its rows, their order, its indexes, triggers and the views that use it.
#include <gtest/gtest.h>

#include "core/error.h"
#include "destinations/sqlite/sqlite_test_util.h"

namespace sluice::sqlite_test {
namespace {

class SqliteSchemaOpsTest : public SqliteTest {
 protected:
  // Loads `value` as `from`, then in a second load widens the column to `to` and appends the
  // same value cast up by Column::CastTo. Returns the stored rows ("type|value").
  Rows WidenAndAppendSame(DataType from, const Cell& value, DataType to) {
    Batch first = MakeBatch("t", {"c"}, {from}, {{value}});
    Batch second = MakeBatch("t", {"c"}, {from}, {{value}});
    second.columns[0] = second.columns[0].CastTo(to);
    Load(WriteMode::kAppend, {std::move(first)});
    auto dest = Open();
    dest->Begin(Plan(WriteMode::kAppend));
    dest->WidenColumn("t", {"c", to});
    dest->Write(second);
    dest->Commit({});
    dest.reset();
    return Query("SELECT typeof(c), c FROM t ORDER BY rowid");
  }
  // The same, when both rows must read as `expected`.
  void ExpectWidensTo(DataType from, const Cell& value, DataType to, const std::string& expected) {
    EXPECT_EQ(WidenAndAppendSame(from, value, to), (Rows{expected, expected}))
        << TypeName(from) << " " << value.value_or("NULL") << " -> " << TypeName(to);
    Query("DROP TABLE t");
  }
  DataType TypeOf(const std::string& column) {
    const auto tables = Open()->ReadTables("t");
    const int i = tables.at(0).FindColumn(column);
    return i < 0 ? DataType{} : tables[0].columns[size_t(i)].type;
  }
};

TEST_F(SqliteSchemaOpsTest, AColumnAddedMidLoadIsNullForEarlierRows) {
  auto dest = Open();
  dest->Begin(Plan(WriteMode::kAppend));
  Batch b1 = MakeBatch("t", {"id"}, {kInt}, {{"1"}});
  dest->CreateTable(SchemaOf(b1));
  dest->Write(b1);
  dest->AddColumn("t", {"extra", Dec(3)});
  Batch b2 = MakeBatch("t", {"id", "extra"}, {kInt, Dec(3)}, {{"2", "1.500"}});
  dest->Write(b2);
  dest->Commit({});
  EXPECT_EQ(Query("SELECT id, extra FROM t ORDER BY rowid"), (Rows{"1|NULL", "2|1.500"}));
  EXPECT_EQ(TypeOf("extra"), Dec(3));
}

TEST_F(SqliteSchemaOpsTest, NumbersWidenExactly) {
  ExpectWidensTo(kInt, "-42", Dec(2), "text|-42.00");
  ExpectWidensTo(kInt, "9007199254740993", kDouble, "real|9007199254740992");
  ExpectWidensTo(Dec(2), "1.10", Dec(4), "text|1.1000");
  ExpectWidensTo(Dec(2), "-1.25", kDouble, "real|-1.25");
}

TEST_F(SqliteSchemaOpsTest, ADateWidensToMidnight) {
  ExpectWidensTo(kDate, "2024-02-29", kTs, "text|2024-02-29 00:00:00.000000");
}

TEST_F(SqliteSchemaOpsTest, EveryTypeWidensToTheTextABatchCastWouldHave) {
  ExpectWidensTo(kBool, "true", kText, "text|true");
  ExpectWidensTo(kInt, "-9223372036854775808", kText, "text|-9223372036854775808");
  ExpectWidensTo(Dec(3), "-0.500", kText, "text|-0.500");
  ExpectWidensTo(kDouble, "0.1", kText, "text|0.1");
  ExpectWidensTo(kDate, "2024-01-02", kText, "text|2024-01-02");
  ExpectWidensTo(kTs, "2024-01-02 03:04:05", kText, "text|2024-01-02 03:04:05");
  ExpectWidensTo(kTsTz, "2024-01-02 03:04:05.25Z", kText, "text|2024-01-02 03:04:05.250000+00");
  ExpectWidensTo(kUuid, "00112233-4455-6677-8899-aabbccddeeff", kText,
                 "text|00112233-4455-6677-8899-aabbccddeeff");
  ExpectWidensTo(kJson, "{\"a\":1}", kText, "text|{\"a\":1}");
}

TEST_F(SqliteSchemaOpsTest, TextWidensToJsonAsAQuotedString) {
  ExpectWidensTo(kText, "say \"hi\"", kJson, "text|\"say \\\"hi\\\"\"");
  ExpectWidensTo(kInt, "123", kJson, "text|123");
  ExpectWidensTo(kDate, "2024-01-02", kJson, "text|\"2024-01-02\"");
}

TEST_F(SqliteSchemaOpsTest, TextWidensToBinaryWithTheSameBytes) {
  ExpectWidensTo(kText, "ab", kBinary, "blob|x'6162'");
}

TEST_F(SqliteSchemaOpsTest, NullsStayNullThroughAWidening) {
  ExpectWidensTo(kInt, std::nullopt, Dec(2), "null|NULL");
}

TEST_F(SqliteSchemaOpsTest, ATextColumnThatOnlyHeldNullsTakesAFirstRealType) {
  Load(WriteMode::kAppend, {MakeBatch("t", {"id", "later"}, {kInt, kText}, {{"1", std::nullopt}})});
  auto dest = Open();
  dest->Begin(Plan(WriteMode::kAppend));
  ASSERT_FALSE(dest->ColumnHasValues("t", "later"));
  dest->WidenColumn("t", {"later", kInt});
  Batch b = MakeBatch("t", {"id", "later"}, {kInt, kInt}, {{"2", "5"}});
  dest->Write(b);
  dest->Commit({});
  EXPECT_EQ(Query("SELECT id, typeof(later), later FROM t ORDER BY rowid"),
            (Rows{"1|null|NULL", "2|integer|5"}));
  EXPECT_EQ(TypeOf("later"), kInt);
}

TEST_F(SqliteSchemaOpsTest, ANarrowingOfAColumnWithValuesFailsAndChangesNothing) {
  Load(WriteMode::kAppend, {MakeBatch("t", {"c"}, {kText}, {{"abc"}})});
  auto dest = Open();
  dest->Begin(Plan(WriteMode::kAppend));
  try {
    dest->WidenColumn("t", {"c", kInt});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot widen a text value to int64"), std::string::npos)
        << e.what();
  }
  dest->Rollback();
  EXPECT_EQ(Query("SELECT typeof(c), c FROM t"), Rows{"text|abc"});
  EXPECT_EQ(TypeOf("c"), kText);
}

TEST_F(SqliteSchemaOpsTest, AValueAnotherToolStoredBadlyFailsTheWideningByName) {
  Load(WriteMode::kAppend, {MakeBatch("t", {"c"}, {kInt}, {{"1"}})});
  Query("INSERT INTO t (c) VALUES ('not a number')");
  auto dest = Open();
  dest->Begin(Plan(WriteMode::kAppend));
  try {
    dest->WidenColumn("t", {"c", Dec(2)});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'not a number'"), std::string::npos) << e.what();
  }
  dest->Rollback();
}

TEST_F(SqliteSchemaOpsTest, AWideningKeepsRowOrderIndexesTriggersAndViews) {
  Load(WriteMode::kAppend,
       {MakeBatch("t", {"k", "v"}, {kInt, kText}, {{"3", "c"}, {"1", "a"}, {"2", "b"}})});
  Query("CREATE INDEX by_v ON t (v)");
  Query("CREATE TABLE audit (v TEXT)");
  Query("CREATE TRIGGER t_insert AFTER INSERT ON t BEGIN INSERT INTO audit VALUES (new.v); END");
  Query("CREATE VIEW t_view AS SELECT k, v FROM t");
  auto dest = Open();
  dest->Begin(Plan(WriteMode::kAppend));
  dest->WidenColumn("t", {"k", Dec(1)});
  Batch b = MakeBatch("t", {"k", "v"}, {Dec(1), kText}, {{"4.5", "d"}});
  dest->Write(b);
  dest->Commit({});
  EXPECT_EQ(Query("SELECT k, v FROM t_view ORDER BY rowid"),
            (Rows{"3.0|c", "1.0|a", "2.0|b", "4.5|d"}));
  EXPECT_EQ(Query("SELECT v FROM audit"), Rows{"d"}) << "the trigger was recreated";
  EXPECT_EQ(Query("SELECT name FROM sqlite_schema WHERE type IN ('index', 'trigger', 'view') "
                  "AND name NOT LIKE 'sqlite_autoindex%' ORDER BY name"),
            (Rows{"by_v", "t_insert", "t_view"}));
  EXPECT_EQ(Query("PRAGMA integrity_check"), Rows{"ok"});
}

TEST_F(SqliteSchemaOpsTest, WideningAnUpsertKeyKeepsItsUniqueIndex) {
  Load(Merge({"k"}, MergeStrategy::kUpsert),
       {MakeBatch("t", {"k", "v"}, {kInt, kText}, {{"1", "a"}, {"2", "b"}})});
  auto dest = Open();
  dest->Begin(Merge({"k"}, MergeStrategy::kUpsert));
  dest->WidenColumn("t", {"k", Dec(2)});
  Batch b = MakeBatch("t", {"k", "v"}, {Dec(2), kText}, {{"1.00", "A"}, {"1.50", "new"}});
  dest->Write(b);
  dest->Commit({});
  EXPECT_EQ(Query("SELECT k, v FROM t ORDER BY rowid"), (Rows{"1.00|A", "2.00|b", "1.50|new"}));
  EXPECT_EQ(Query("SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND tbl_name = 't'"),
            Rows{"1"});
}

TEST_F(SqliteSchemaOpsTest, AWideningInAMergeLoadConvertsTheRowsAlreadyStaged) {
  Load(Merge({"k"}), {MakeBatch("t", {"k", "v"}, {kInt, kText}, {{"1", "old"}})});
  auto dest = Open();
  dest->Begin(Merge({"k"}));
  Batch b1 = MakeBatch("t", {"k", "v"}, {kInt, kText}, {{"1", "staged as int"}, {"2", "two"}});
  dest->Write(b1);
  dest->WidenColumn("t", {"k", Dec(1)});
  dest->AddColumn("t", {"w", kDouble});
  Batch b2 = MakeBatch("t", {"k", "v", "w"}, {Dec(1), kText, kDouble}, {{"1.0", "last", "0.5"}});
  dest->Write(b2);
  dest->Commit({});
  EXPECT_EQ(Query("SELECT k, v, w FROM t ORDER BY k"), (Rows{"1.0|last|0.5", "2.0|two|NULL"}));
}

TEST_F(SqliteSchemaOpsTest, OneColumnCanWidenSeveralTimesInOneLoad) {
  auto dest = Open();
  dest->Begin(Plan(WriteMode::kAppend));
  Batch b1 = MakeBatch("t", {"c"}, {kInt}, {{"7"}});
  dest->CreateTable(SchemaOf(b1));
  dest->Write(b1);
  dest->WidenColumn("t", {"c", Dec(1)});
  Batch b2 = MakeBatch("t", {"c"}, {Dec(1)}, {{"0.5"}});
  dest->Write(b2);
  dest->WidenColumn("t", {"c", kDouble});
  dest->WidenColumn("t", {"c", kText});
  dest->WidenColumn("t", {"c", kJson});
  Batch b3 = MakeBatch("t", {"c"}, {kJson}, {{"[1]"}});
  dest->Write(b3);
  dest->Commit({});
  // Once text, a value is a string: as json it is quoted.
  EXPECT_EQ(Query("SELECT c FROM t ORDER BY rowid"), (Rows{"\"7\"", "\"0.5\"", "[1]"}));
  EXPECT_EQ(TypeOf("c"), kJson);
}

}  // namespace
}  // namespace sluice::sqlite_test
