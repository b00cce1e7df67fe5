// Every format round-trips every sluice type: what a load writes, DuckDB reads back as the same
// values, with Parquet's own column types being sluice's.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/cli_test_util.h"
#include "destinations/conformance/destination_harness.h"
#include "destinations/duckdb/duckdb_test_util.h"
#include "destinations/filesystem/filesystem_destination.h"
#include "destinations/filesystem/filesystem_test_util.h"

namespace sluice {
namespace {

using testing_util::TempDir;
using testing_util::TestLoad;
using Rows = std::vector<std::string>;

Batch EveryType() {
  Batch b;
  b.table = "t";
  b.names = {"i", "d", "m", "b", "s", "dt", "ts", "tz", "j", "bin", "u"};
  for (DataType t :
       {DataType::Of(TypeId::kInt64), DataType::Of(TypeId::kDouble), DataType::Decimal(2),
        DataType::Of(TypeId::kBoolean), DataType::Of(TypeId::kText), DataType::Of(TypeId::kDate),
        DataType::Of(TypeId::kTimestamp), DataType::Of(TypeId::kTimestampTz),
        DataType::Of(TypeId::kJson), DataType::Of(TypeId::kBinary), DataType::Of(TypeId::kUuid)}) {
    b.columns.emplace_back(t);
  }
  auto& c = b.columns;
  c[0].AppendInt64(1);
  c[1].AppendDouble(0.1);
  c[2].AppendDecimal(1234);
  c[3].AppendBoolean(true);
  c[4].AppendString("plain");
  c[5].AppendDate(19723);
  c[6].AppendTimestamp(1704067200123456);
  c[7].AppendTimestamp(1704067200123456);
  c[8].AppendString("{\"a\":[1,2]}");
  c[9].AppendString(
      std::string("\x00\x01"
                  "ab",
                  4));
  c[10].AppendString(
      std::string("\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\xcc\xdd\xee\xff", 16));

  c[0].AppendInt64(INT64_MAX);
  c[1].AppendDouble(1e300);
  c[2].AppendDecimal(-5);
  c[3].AppendBoolean(false);
  c[4].AppendString("comma, \"quote\"\nnew line");
  c[5].AppendDate(-1);
  c[6].AppendTimestamp(-1);
  c[7].AppendTimestamp(0);
  c[8].AppendString("\"str\"");
  c[9].AppendString("");
  c[10].AppendString(std::string(16, '\x01'));

  c[0].AppendInt64(3);
  c[4].AppendString("");  // the empty string is not NULL
  for (size_t k = 0; k < c.size(); k++) {
    if (k != 0 && k != 4) c[k].AppendNull();
  }
  b.num_rows = 3;
  return b;
}

class FormatRoundTrip : public ::testing::TestWithParam<std::string> {
 protected:
  std::string Uri() const { return "file://" + dir_.path().string(); }
  void LoadEveryType() {
    auto dest = FilesystemDestination::Open(Uri() + "?format=" + GetParam());
    LoadPlan plan;
    plan.load_id = "20260101T000000Z-00000001";
    plan.pipeline = "p";
    plan.root_table = "t";
    TestLoad load(*dest, plan);
    load.Write(EveryType());
    load.Commit();
  }
  Rows Query(const std::string& sql) {
    return testing_util::QueryFilesystemDestination(StorageFor(Uri()), Uri() + "/", sql);
  }
  TempDir dir_;
};

TEST_P(FormatRoundTrip, EveryTypeReadsBackWithItsValues) {
  LoadEveryType();
  EXPECT_EQ(
      Query("SELECT i, d, m, b, s, dt, ts, epoch_us(tz), j, bin, u::VARCHAR FROM t ORDER BY i"),
      (Rows{"1|0.1|12.34|true|plain|2024-01-01|2024-01-01 00:00:00.123456|1704067200123456|"
            "{\"a\":[1,2]}|\\x00\\x01ab|00112233-4455-6677-8899-aabbccddeeff",
            "3|NULL|NULL|NULL||NULL|NULL|NULL|NULL|NULL|NULL",
            "9223372036854775807|1e+300|-0.05|false|comma, \"quote\"\nnew line|1969-12-31|"
            "1969-12-31 23:59:59.999999|0|\"str\"||01010101-0101-0101-0101-010101010101"}));
}

TEST_P(FormatRoundTrip, TheEmptyStringAndNullStayApart) {
  LoadEveryType();
  EXPECT_EQ(Query("SELECT i, s IS NULL, length(s) FROM t WHERE i = 3"), Rows{"3|false|0"});
  EXPECT_EQ(Query("SELECT i, d IS NULL FROM t WHERE i = 3"), Rows{"3|true"});
}

INSTANTIATE_TEST_SUITE_P(Formats, FormatRoundTrip,
                         ::testing::Values("parquet", "csv", "jsonl", "parquet&compression=snappy",
                                           "csv&compression=gzip", "jsonl&compression=zstd"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& c : name)
                             c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return name;
                         });

TEST(ParquetFiles, CarrySluicesTypesForAnyParquetReader) {
  TempDir dir;
  auto dest = FilesystemDestination::Open("file://" + dir.path().string() + "?format=parquet");
  LoadPlan plan;
  plan.load_id = "20260101T000000Z-00000001";
  plan.pipeline = "p";
  plan.root_table = "t";
  TestLoad load(*dest, plan);
  load.Write(EveryType());
  load.Commit();
  const std::string file = (dir.path() / "t/20260101T000000Z-00000001.0.parquet").string();
  DuckDbConnection con(":memory:");
  Rows types;
  for (const auto& row :
       con.Query("SELECT column_name || ' ' || column_type FROM (DESCRIBE SELECT * FROM "
                 "read_parquet('" +
                 file + "'))")) {
    types.push_back(row.values[0]);
  }
  EXPECT_EQ(types, (Rows{"i BIGINT", "d DOUBLE", "m DECIMAL(18,2)", "b BOOLEAN", "s VARCHAR",
                         "dt DATE", "ts TIMESTAMP", "tz TIMESTAMP WITH TIME ZONE", "j VARCHAR",
                         "bin BLOB", "u UUID", "_sluice_load_id VARCHAR"}));
  const auto codec = con.Query("SELECT DISTINCT compression FROM parquet_metadata('" + file + "')");
  ASSERT_EQ(codec.size(), 1u);
  EXPECT_EQ(codec[0].values[0], "ZSTD");
}

TEST(JsonlFiles, SpellValuesAsTypedJson) {
  TempDir dir;
  auto dest = FilesystemDestination::Open("file://" + dir.path().string() + "?format=jsonl");
  LoadPlan plan;
  plan.load_id = "20260101T000000Z-00000001";
  plan.pipeline = "p";
  plan.root_table = "t";
  TestLoad load(*dest, plan);
  load.Write(EveryType());
  load.Commit();
  std::ifstream in(dir.path() / "t/20260101T000000Z-00000001.0.jsonl");
  std::string first, second, third;
  std::getline(in, first);
  std::getline(in, second);
  std::getline(in, third);
  EXPECT_EQ(
      first,
      "{\"i\":1,\"d\":0.1,\"m\":12.34,\"b\":true,\"s\":\"plain\",\"dt\":\"2024-01-01\","
      "\"ts\":\"2024-01-01T00:00:00.123456\",\"tz\":\"2024-01-01T00:00:00.123456Z\","
      "\"j\":{\"a\":[1,2]},\"bin\":\"AAFhYg==\",\"u\":\"00112233-4455-6677-8899-aabbccddeeff\","
      "\"_sluice_load_id\":\"20260101T000000Z-00000001\"}");
  EXPECT_EQ(third,
            "{\"i\":3,\"d\":null,\"m\":null,\"b\":null,\"s\":\"\",\"dt\":null,\"ts\":null,"
            "\"tz\":null,\"j\":null,\"bin\":null,\"u\":null,\"_sluice_load_id\":\"20260101T000000Z-00000001\"}");
}

TEST(CsvFiles, FollowRfc4180) {
  TempDir dir;
  auto dest = FilesystemDestination::Open("file://" + dir.path().string() + "?format=csv");
  LoadPlan plan;
  plan.load_id = "20260101T000000Z-00000001";
  plan.pipeline = "p";
  plan.root_table = "t";
  TestLoad load(*dest, plan);
  load.Write(EveryType());
  load.Commit();
  std::ifstream in(dir.path() / "t/20260101T000000Z-00000001.0.csv", std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(),
            "i,d,m,b,s,dt,ts,tz,j,bin,u,_sluice_load_id\r\n"
            "1,0.1,12.34,true,plain,2024-01-01,2024-01-01T00:00:00.123456,"
            "2024-01-01T00:00:00.123456Z,\"{\"\"a\"\":[1,2]}\",\\x00\\x01ab,"
            "00112233-4455-6677-8899-aabbccddeeff,20260101T000000Z-00000001\r\n"
            "9223372036854775807,1e+300,-0.05,false,\"comma, \"\"quote\"\"\nnew line\",1969-12-31,"
            "1969-12-31T23:59:59.999999,1970-01-01T00:00:00Z,\"\"\"str\"\"\",\"\","
            "01010101-0101-0101-0101-010101010101,20260101T000000Z-00000001\r\n"
            "3,,,,\"\",,,,,,,20260101T000000Z-00000001\r\n");
}

}  // namespace
}  // namespace sluice
