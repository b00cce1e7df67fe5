// How each sluice type is stored in SQLite: the value a reader gets back is exactly the value
// that was loaded, in the storage class the declared type promises, and ReadTables maps the
// declared types back to the sluice types.
#include "destinations/sqlite/sqlite_types.h"

#include <gtest/gtest.h>

#include "destinations/sqlite/sqlite_test_util.h"

namespace sluice::sqlite_test {
namespace {

class SqliteTypesTest : public SqliteTest {
 protected:
  // Loads one value into a fresh one-column table and returns "storage class|value" as a
  // reader sees it.
  std::string StoredAs(DataType type, const Cell& value) {
    const std::string table = "v" + std::to_string(++tables_);
    LoadPlan plan = Plan(WriteMode::kAppend);
    plan.root_table = table;
    Load(plan, {MakeBatch(table, {"c"}, {type}, {{value}})});
    const Rows rows = Query("SELECT typeof(c), c FROM " + table);
    return rows.size() == 1 ? rows[0] : "rows: " + std::to_string(rows.size());
  }
  int tables_ = 0;
};

TEST_F(SqliteTypesTest, BooleansAreIntegersZeroAndOne) {
  EXPECT_EQ(StoredAs(kBool, "true"), "integer|1");
  EXPECT_EQ(StoredAs(kBool, "false"), "integer|0");
}

TEST_F(SqliteTypesTest, Int64KeepsItsWholeRange) {
  EXPECT_EQ(StoredAs(kInt, "-9223372036854775808"), "integer|-9223372036854775808");
  EXPECT_EQ(StoredAs(kInt, "9223372036854775807"), "integer|9223372036854775807");
}

TEST_F(SqliteTypesTest, DecimalsAreExactTextWithTheirScale) {
  // A NUMERIC column would make these the REAL 1.1 and keep only 15 significant digits.
  EXPECT_EQ(StoredAs(Dec(2), "1.10"), "text|1.10");
  EXPECT_EQ(StoredAs(Dec(2), "1234567890123456.78"), "text|1234567890123456.78");
  EXPECT_EQ(StoredAs(Dec(2), "-0.05"), "text|-0.05");
  EXPECT_EQ(StoredAs(Dec(2), "-9999999999999999.99"), "text|-9999999999999999.99");
  EXPECT_EQ(StoredAs(Dec(0), "123456789012345678"), "text|123456789012345678");
  EXPECT_EQ(StoredAs(Dec(0), "-7"), "text|-7");
}

TEST_F(SqliteTypesTest, DecimalsOfScale18KeepAllEighteenDigits) {
  Batch b = MakeBatch("t", {"c"}, {Dec(18)}, {});
  b.columns[0].AppendDecimal(-123456789012345678);  // sluice's parser counts the leading 0
  b.num_rows = 1;
  Load(WriteMode::kAppend, {std::move(b)});
  EXPECT_EQ(Query("SELECT typeof(c), c FROM t"), Rows{"text|-0.123456789012345678"});
}

TEST_F(SqliteTypesTest, DoublesKeepEveryBit) {
  EXPECT_EQ(StoredAs(kDouble, "0.1"), "real|0.1");
  EXPECT_EQ(StoredAs(kDouble, "2"), "real|2");  // a whole number still reads as REAL
  EXPECT_EQ(StoredAs(kDouble, "-2.5e-300"), "real|-2.5e-300");
  EXPECT_EQ(StoredAs(kDouble, "1.7976931348623157e308"), "real|1.7976931348623157e+308");
  EXPECT_EQ(StoredAs(kDouble, "4.9e-324"), "real|5e-324");
  EXPECT_EQ(StoredAs(kDouble, "0.30000000000000004"), "real|0.30000000000000004");
}

TEST_F(SqliteTypesTest, NegativeZeroReadsBackAsZeroBecauseOfRealAffinity) {
  // The one documented loss (sqlite_types.h): REAL affinity stores whole doubles as integers.
  EXPECT_EQ(StoredAs(kDouble, "-0"), "real|0");
}

TEST_F(SqliteTypesTest, DatesAreIsoText) {
  EXPECT_EQ(StoredAs(kDate, "2024-02-29"), "text|2024-02-29");
  EXPECT_EQ(StoredAs(kDate, "0001-01-01"), "text|0001-01-01");
  EXPECT_EQ(StoredAs(kDate, "9999-12-31"), "text|9999-12-31");
}

TEST_F(SqliteTypesTest, TimestampsAreFixedWidthTextWithMicroseconds) {
  EXPECT_EQ(StoredAs(kTs, "2024-01-02 03:04:05.000006"), "text|2024-01-02 03:04:05.000006");
  EXPECT_EQ(StoredAs(kTs, "2024-01-02T03:04:05"), "text|2024-01-02 03:04:05.000000");
  EXPECT_EQ(StoredAs(kTs, "1969-12-31 23:59:59.999999"), "text|1969-12-31 23:59:59.999999");
}

TEST_F(SqliteTypesTest, TimestampsWithTimeZoneAreUtcWithZ) {
  EXPECT_EQ(StoredAs(kTsTz, "2024-01-02T03:04:05.5+02:00"), "text|2024-01-02 01:04:05.500000Z");
  EXPECT_EQ(StoredAs(kTsTz, "2024-01-02 00:00:00Z"), "text|2024-01-02 00:00:00.000000Z");
}

TEST_F(SqliteTypesTest, TextIsKeptByteForByteEvenWhenItLooksLikeANumber) {
  EXPECT_EQ(StoredAs(kText, "1.10"), "text|1.10");
  EXPECT_EQ(StoredAs(kText, "007"), "text|007");
  EXPECT_EQ(StoredAs(kText, ""), "text|");
  EXPECT_EQ(StoredAs(kText, " größe \t"), "text| größe \t");
  EXPECT_EQ(StoredAs(kText, std::string("a\0b", 3)), "text|" + std::string("a\0b", 3));
}

TEST_F(SqliteTypesTest, JsonScalarsStayJsonText) {
  // A JSON column with NUMERIC affinity would turn 123 into an INTEGER and 1.10 into 1.1.
  EXPECT_EQ(StoredAs(kJson, "123"), "text|123");
  EXPECT_EQ(StoredAs(kJson, "1.10"), "text|1.10");
  EXPECT_EQ(StoredAs(kJson, "\"x\""), "text|\"x\"");
  EXPECT_EQ(StoredAs(kJson, "true"), "text|true");
  EXPECT_EQ(StoredAs(kJson, "{\"a\":[1,2]}"), "text|{\"a\":[1,2]}");
}

TEST_F(SqliteTypesTest, BinaryIsABlobAndEmptyBinaryIsNotNull) {
  EXPECT_EQ(StoredAs(kBinary, std::string("\x00\xff", 2)), "blob|x'00ff'");
  EXPECT_EQ(StoredAs(kBinary, ""), "blob|x''");
}

TEST_F(SqliteTypesTest, UuidsAreCanonicalText) {
  EXPECT_EQ(StoredAs(kUuid, "00112233-4455-6677-8899-AABBCCDDEEFF"),
            "text|00112233-4455-6677-8899-aabbccddeeff");
}

TEST_F(SqliteTypesTest, NullsOfEveryTypeAreNull) {
  for (DataType t :
       {kBool, kInt, Dec(2), kDouble, kDate, kTs, kTsTz, kText, kJson, kBinary, kUuid}) {
    EXPECT_EQ(StoredAs(t, std::nullopt), "null|NULL") << TypeName(t);
  }
}

TEST(SqliteTypeNames, EveryDeclaredTypeMapsBackToItsType) {
  for (DataType t : {kBool, kInt, Dec(0), Dec(2), Dec(18), kDouble, kDate, kTs, kTsTz, kText, kJson,
                     kBinary, kUuid}) {
    EXPECT_EQ(sqlite::TypeFromDeclared(sqlite::DeclaredType(t)), t) << TypeName(t);
  }
  EXPECT_EQ(sqlite::DeclaredType(DataType::Of(TypeId::kNull)), "TEXT");
}

TEST(SqliteTypeNames, DeclaredTypesSluiceDidNotCreateAreText) {
  for (const char* declared :
       {"", "INTEGER", "INT", "VARCHAR(10)", "DECIMAL(18,2)", "JSON", "decimal_text(18,2)",
        "DECIMAL_TEXT(18,19)", "DECIMAL_TEXT(18,)", "DECIMAL_TEXT(18,2", "bigint"}) {
    EXPECT_EQ(sqlite::TypeFromDeclared(declared), kText) << declared;
  }
}

TEST_F(SqliteTypesTest, ReadTablesMapsDeclaredTypesBackInTableOrder) {
  TableSchema schema{"t",
                     {{"b", kBool},
                      {"i", kInt},
                      {"d0", Dec(0)},
                      {"d2", Dec(2)},
                      {"f", kDouble},
                      {"day", kDate},
                      {"ts", kTs},
                      {"tz", kTsTz},
                      {"s", kText},
                      {"j", kJson},
                      {"bin", kBinary},
                      {"id", kUuid},
                      {"nothing_yet", DataType::Of(TypeId::kNull)}}};
  auto dest = Open();
  dest->Begin(Plan(WriteMode::kAppend));
  dest->CreateTable(schema);
  dest->Commit({});
  dest.reset();
  const auto tables = Open()->ReadTables("t");
  ASSERT_EQ(tables.size(), 1u);
  schema.columns.back().type = kText;  // a column with no values yet is text
  ASSERT_EQ(tables[0].columns.size(), schema.columns.size());
  for (size_t i = 0; i < schema.columns.size(); i++) {
    EXPECT_EQ(tables[0].columns[i].name, schema.columns[i].name);
    EXPECT_EQ(tables[0].columns[i].type, schema.columns[i].type) << schema.columns[i].name;
  }
}

TEST_F(SqliteTypesTest, ATableSluiceDidNotCreateReadsAsText) {
  Query("CREATE TABLE t (a INTEGER, b VARCHAR(5), c, d REAL)");
  const auto tables = Open()->ReadTables("t");
  ASSERT_EQ(tables.size(), 1u);
  for (const auto& c : tables[0].columns) EXPECT_EQ(c.type, kText) << c.name;
}

TEST_F(SqliteTypesTest, ReadTablesFindsTheFamilyOnly) {
  for (const char* name : {"t", "t__items", "t__items__tags", "tx", "t_x", "u__t", "_sluice_t"}) {
    Query("CREATE TABLE " + sqlite::QuoteIdentifier(name) + " (a TEXT)");
  }
  Rows names;
  for (const auto& t : Open()->ReadTables("t")) names.push_back(t.name);
  EXPECT_EQ(names, (Rows{"t", "t__items", "t__items__tags"}));
}

TEST(SqliteStoredTimestamp, IsFixedWidthSoTextOrderIsTimeOrder) {
  char a[40], b[40];
  const size_t na = sqlite::FormatStoredTimestamp(0, false, a);
  const size_t nb = sqlite::FormatStoredTimestamp(-1, true, b);
  EXPECT_EQ(std::string(a, na), "1970-01-01 00:00:00.000000");
  EXPECT_EQ(std::string(b, nb), "1969-12-31 23:59:59.999999Z");
}

}  // namespace
}  // namespace sluice::sqlite_test
