// End to end: `sluice load x.parquet duckdb:///...` and the values DuckDB holds afterwards.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "cli/cli_test_util.h"
#include "destinations/duckdb/duckdb_connection.h"
#include "storage/conformance/storage_harness.h"

namespace sluice {
namespace {

using testing_util::QueryRows;
using testing_util::RunSluice;
using testing_util::TempDir;

void WriteParquet(const std::string& path, const std::string& select,
                  const std::string& options = "") {
  DuckDbConnection con(":memory:");
  con.Execute("COPY (" + select + ") TO '" + path + "' (FORMAT parquet" + options + ")");
}

TEST(ParquetLoad, LoadsTypedColumnsStructsAndListChildTablesIntoDuckDb) {
  TempDir dir;
  const std::string src = dir.File("orders.parquet");
  WriteParquet(src, R"(
    SELECT * FROM (VALUES
      (1, 12.50::DECIMAL(10,2), TIMESTAMP '2024-05-01 10:00:00', {'name': 'ann', 'vip': true},
       [{'sku': 'a', 'qty': 2}, {'sku': 'b', 'qty': 1}], '6ba7b810-9dad-11d1-80b4-00c04fd430c8'::UUID),
      (2, NULL, NULL, NULL, [], NULL)) t(id, total, placed_at, customer, lines, ref))");
  const std::string db = dir.File("out.duckdb");
  auto r = RunSluice("load " + src + " duckdb:///" + db + " --quiet");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(
      QueryRows(
          db,
          "SELECT id, total, placed_at, customer__name, customer__vip, ref::VARCHAR FROM orders "
          "ORDER BY id"),
      (std::vector<std::string>{
          "1|12.50|2024-05-01 10:00:00|ann|true|6ba7b810-9dad-11d1-80b4-00c04fd430c8",
          "2|NULL|NULL|NULL|NULL|NULL"}));
  EXPECT_EQ(QueryRows(db,
                      "SELECT o.id, l.sku, l.qty, l._sluice_list_idx FROM orders o JOIN "
                      "orders__lines l ON l._sluice_parent_id = o._sluice_id ORDER BY 1, 4"),
            (std::vector<std::string>{"1|a|2|0", "1|b|1|1"}));
  const auto types = testing_util::ColumnTypes(db, "orders");
  const std::vector<std::string> expected = {"total DECIMAL(18,2)", "placed_at TIMESTAMP",
                                             "customer__vip BOOLEAN", "ref UUID"};
  for (const auto& t : expected) {
    EXPECT_NE(std::find(types.begin(), types.end(), t), types.end()) << t;
  }
}

TEST(ParquetLoad, ColumnsFlagProjectsAndUnknownNamesAreUsageErrors) {
  TempDir dir;
  const std::string src = dir.File("wide.parquet");
  WriteParquet(src, "SELECT range AS a, range * 2 AS b, 'x' AS c FROM range(5)");
  const std::string db = dir.File("out.duckdb");
  auto r = RunSluice("load " + src + " duckdb:///" + db + " --quiet --columns c,a");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(QueryRows(db,
                      "SELECT string_agg(column_name, ',' ORDER BY column_index) FROM "
                      "duckdb_columns() WHERE table_name = 'wide' AND column_name NOT LIKE "
                      "'\\_sluice%' ESCAPE '\\'"),
            (std::vector<std::string>{"c,a"}));
  EXPECT_EQ(QueryRows(db, "SELECT sum(a) FROM wide"), (std::vector<std::string>{"10"}));

  auto bad = RunSluice("load " + src + " duckdb:///" + dir.File("other.duckdb") +
                       " --quiet --columns a,missing");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("'missing'"), std::string::npos) << bad.err;
}

TEST(ParquetLoad, FormatFlagReadsParquetWhateverTheExtension) {
  TempDir dir;
  const std::string src = dir.File("export.bin");
  WriteParquet(src, "SELECT 42 AS answer");
  const std::string db = dir.File("out.duckdb");
  auto r = RunSluice("load " + src + " duckdb:///" + db + " --quiet --format parquet --table t");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(QueryRows(db, "SELECT answer FROM t"), (std::vector<std::string>{"42"}));
}

TEST(ParquetLoad, GlobOfSeveralFilesLoadsEveryRowOnce) {
  TempDir dir;
  WriteParquet(dir.File("part-1.parquet"), "SELECT range AS n FROM range(0, 3000)",
               ", ROW_GROUP_SIZE 500");
  WriteParquet(dir.File("part-2.parq"), "SELECT range AS n FROM range(3000, 4000)");
  const std::string db = dir.File("out.duckdb");
  auto r =
      RunSluice("load '" + dir.File("part-*") + "' duckdb:///" + db + " --quiet --table parts");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(QueryRows(db, "SELECT count(*), count(DISTINCT n), sum(n) FROM parts"),
            (std::vector<std::string>{"4000|4000|7998000"}));
}

TEST(ParquetLoad, CorruptFileFailsTheLoadNamingTheFile) {
  TempDir dir;
  const std::string src = dir.Write("broken.parquet", "PAR1 not really parquet");
  const std::string db = dir.File("out.duckdb");
  auto r = RunSluice("load " + src + " duckdb:///" + db + " --quiet");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(src), std::string::npos) << r.err;
}

TEST(ParquetLoad, RemoteObjectsOverHttpAreSpooledLoadedAndTheSpoolRemoved) {
  TempDir dir;
  const std::string local = dir.File("events.parquet");
  WriteParquet(local, "SELECT range AS id, [range, range * 2] AS pair FROM range(2500)",
               ", ROW_GROUP_SIZE 1000");
  std::ifstream in(local, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), {});
  auto http = testing::MakeHttpHarness();
  const std::string uri = http->FreshPrefix() + "events.parquet";
  http->Seed(uri, bytes);
  const std::string spool = dir.File("spool");
  std::filesystem::create_directories(spool);
  const std::string db = dir.File("out.duckdb");
  auto r = RunSluice("load '" + uri + "' duckdb:///" + db + " --quiet", "",
                     http->CliEnvironment() + "TMPDIR='" + spool + "' ");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(QueryRows(db, "SELECT count(*), sum(id) FROM events"),
            (std::vector<std::string>{"2500|3123750"}));
  EXPECT_EQ(QueryRows(db, "SELECT count(*), sum(value) FROM events__pair"),
            (std::vector<std::string>{"5000|9371250"}));
  EXPECT_TRUE(std::filesystem::is_empty(spool));
}

}  // namespace
}  // namespace sluice
