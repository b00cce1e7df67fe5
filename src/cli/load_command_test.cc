// End-to-end: the real CLI loads files into a DuckDB file; the tests then query it for values
// and types, not only counts.
#include <gtest/gtest.h>
#include <zlib.h>

#include "cli/cli_test_util.h"

namespace sluice {
namespace {

using testing_util::ColumnTypes;
using testing_util::QueryRows;
using testing_util::RunSluice;
using testing_util::SourceDir;
using testing_util::TempDir;
using Rows = std::vector<std::string>;

TEST(LoadCommand, SampleCsvLoadsWithInferredTypesAndExactValues) {
  TempDir dir;
  const std::string db = dir.File("out.duckdb");
  auto r = RunSluice("load " + SourceDir() + "/samples/customers.csv duckdb:///" + db + " --quiet");
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_EQ(ColumnTypes(db, "customers"),
            (Rows{"customer_id BIGINT", "full_name VARCHAR", "email VARCHAR", "signup_date DATE",
                  "last_seen TIMESTAMP WITH TIME ZONE", "balance DECIMAL(18,2)",
                  "is_active BOOLEAN", "zip VARCHAR", "notes VARCHAR", "_sluice_load_id VARCHAR"}));
  EXPECT_EQ(QueryRows(db,
                      "SELECT full_name, zip, balance, is_active, notes FROM customers "
                      "WHERE customer_id IN (1, 6) ORDER BY customer_id"),
            (Rows{"Smith, Alice|02139|1250.50|true|Prefers \"express\" shipping",
                  "Farah Khan|00501|12.30|true|Zip with leading zeros"}));
  EXPECT_EQ(QueryRows(db, "SELECT notes FROM customers WHERE customer_id = 3"),
            Rows{"Two-line note:\ncalled twice"});
  EXPECT_EQ(QueryRows(db,
                      "SELECT email IS NULL, last_seen IS NULL FROM customers WHERE "
                      "customer_id IN (3, 4) ORDER BY customer_id"),
            (Rows{"false|true", "true|false"}));
  EXPECT_EQ(QueryRows(db, "SELECT epoch(last_seen)::BIGINT FROM customers WHERE customer_id = 4"),
            Rows{"1705039200"})
      << "+02:00 offset normalized to UTC";
}

TEST(LoadCommand, NestedNdjsonBecomesLinkedChildTables) {
  TempDir dir;
  const std::string db = dir.File("out.duckdb");
  auto r = RunSluice("load " + SourceDir() + "/samples/orders.ndjson duckdb:///" + db + " --quiet");
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_EQ(QueryRows(db,
                      "SELECT order_id, customer__address__city, total FROM orders "
                      "ORDER BY order_id LIMIT 2"),
            (Rows{"1001|Cambridge|59.97", "1002|New York|5.00"}));
  EXPECT_EQ(QueryRows(db,
                      "SELECT o.order_id, i.sku, i.qty, i._sluice_list_idx FROM orders o "
                      "JOIN orders__items i ON i._sluice_parent_id = o._sluice_id "
                      "WHERE o.order_id = 1001 ORDER BY i._sluice_list_idx"),
            (Rows{"1001|A-1|2|0", "1001|B-7|1|1"}));
  EXPECT_EQ(QueryRows(db, "SELECT count(*) FROM orders__items"), Rows{"5"});
  EXPECT_EQ(QueryRows(db,
                      "SELECT string_agg(t.value, ',' ORDER BY t._sluice_list_idx) FROM "
                      "orders o JOIN orders__tags t ON t._sluice_parent_id = o._sluice_id "
                      "WHERE o.order_id = 1001"),
            Rows{"gift,priority"});
  EXPECT_EQ(QueryRows(db,
                      "SELECT data_type FROM duckdb_columns() WHERE table_name = 'orders' "
                      "AND column_name = 'created_at'"),
            Rows{"TIMESTAMP WITH TIME ZONE"});
}

TEST(LoadCommand, IdsAreStableAcrossReloads) {
  TempDir dir;
  const std::string db1 = dir.File("a.duckdb"), db2 = dir.File("b.duckdb");
  const std::string src = SourceDir() + "/samples/orders.ndjson";
  ASSERT_EQ(RunSluice("load " + src + " duckdb:///" + db1 + " -q").exit_code, 0);
  ASSERT_EQ(RunSluice("load " + src + " duckdb:///" + db2 + " -q").exit_code, 0);
  const std::string ids = "SELECT _sluice_id::VARCHAR FROM orders__items ORDER BY _sluice_id";
  EXPECT_EQ(QueryRows(db1, ids).size(), 5u);
  EXPECT_EQ(QueryRows(db1, ids), QueryRows(db2, ids));
  EXPECT_EQ(QueryRows(db1,
                      "SELECT data_type FROM duckdb_columns() WHERE table_name = "
                      "'orders__items' AND column_name = '_sluice_id'"),
            Rows{"UUID"});
}

TEST(LoadCommand, BadRowsGoToTheDeadLetterTableWithLineAndReason) {
  TempDir dir;
  const std::string csv =
      dir.Write("people.csv", "id,name,age\n1,ann,30\n2,bob\n3,cy,41,extra\n4,dee,22\n");
  const std::string db = dir.File("out.duckdb");
  auto r = RunSluice("load " + csv + " duckdb:///" + db + " --quiet --report json");
  EXPECT_EQ(r.exit_code, 3) << "loaded, but with rejected rows";
  EXPECT_NE(r.out.find("\"rows_rejected\":2"), std::string::npos) << r.out;
  EXPECT_EQ(QueryRows(db, "SELECT id, name, age FROM people ORDER BY id"),
            (Rows{"1|ann|30", "4|dee|22"}));
  EXPECT_EQ(QueryRows(db, "SELECT table_name, line, raw FROM _sluice_rejects ORDER BY line"),
            (Rows{"people|3|2,bob", "people|4|3,cy,41,extra"}));
}

TEST(LoadCommand, TooManyBadRowsRollsBackAndRecordsTheFailure) {
  TempDir dir;
  const std::string csv = dir.Write("p.csv", "id,name\n1,a\n2\n3\n");
  const std::string db = dir.File("out.duckdb");
  auto r =
      RunSluice("load " + csv + " duckdb:///" + db + " --quiet --max-bad-rows 1 --report json");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("\"status\":\"failed\""), std::string::npos) << r.out;
  EXPECT_EQ(QueryRows(db, "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'p'"),
            Rows{"0"});
  EXPECT_EQ(QueryRows(db, "SELECT status FROM _sluice_loads"), Rows{"failed"});
}

TEST(LoadCommand, ReplaceAndMergeModes) {
  TempDir dir;
  const std::string db = dir.File("out.duckdb");
  const std::string uri = " duckdb:///" + db;
  const std::string v1 = dir.Write("v1.csv", "id,status\n1,new\n2,new\n");
  const std::string v2 = dir.Write("v2.csv", "id,status\n2,paid\n3,new\n2,shipped\n");
  ASSERT_EQ(RunSluice("load " + v1 + uri + " --table orders -q").exit_code, 0);
  auto again = RunSluice("load " + v1 + uri + " --table orders --report json");
  ASSERT_EQ(again.exit_code, 0);
  EXPECT_NE(again.out.find("\"status\":\"unchanged\""), std::string::npos) << again.out;
  EXPECT_EQ(QueryRows(db, "SELECT count(*) FROM orders"), Rows{"2"})
      << "an unchanged file: nothing";
  ASSERT_EQ(RunSluice("load " + v1 + uri + " --table orders -q --force").exit_code, 0);
  EXPECT_EQ(QueryRows(db, "SELECT count(*) FROM orders"), Rows{"4"}) << "--force appends again";
  ASSERT_EQ(RunSluice("load " + v1 + uri + " --table orders --mode replace -q").exit_code, 0);
  EXPECT_EQ(QueryRows(db, "SELECT count(*) FROM orders"), Rows{"2"});
  ASSERT_EQ(
      RunSluice("load " + v2 + uri + " --table orders --mode merge --primary-key id -q").exit_code,
      0);
  EXPECT_EQ(QueryRows(db, "SELECT id, status FROM orders ORDER BY id"),
            (Rows{"1|new", "2|shipped", "3|new"}));
  EXPECT_EQ(QueryRows(db, "SELECT mode, status FROM _sluice_loads ORDER BY started_at"),
            (Rows{"append|committed", "append|committed", "replace|committed", "merge|committed"}));
}

TEST(LoadCommand, GlobLoadsManyFilesIntoOneTable) {
  TempDir dir;
  dir.Write("part1.csv", "id,v\n1,a\n");
  dir.Write("part2.csv", "id,v,w\n2,b,true\n");
  const std::string db = dir.File("out.duckdb");
  auto r = RunSluice("load '" + dir.File("part*.csv") + "' duckdb:///" + db + " --table parts -q");
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_EQ(QueryRows(db, "SELECT id, v, w FROM parts ORDER BY id"),
            (Rows{"1|a|NULL", "2|b|true"}));
}

TEST(LoadCommand, GzipInputIsDecompressed) {
  TempDir dir;
  const std::string path = dir.File("data.csv.gz");
  gzFile gz = gzopen(path.c_str(), "wb");
  const std::string content = "a;b\n1;x\n2;y\n";
  gzwrite(gz, content.data(), unsigned(content.size()));
  gzclose(gz);
  const std::string db = dir.File("out.duckdb");
  ASSERT_EQ(RunSluice("load " + path + " duckdb:///" + db + " -q").exit_code, 0);
  EXPECT_EQ(QueryRows(db, "SELECT a, b FROM data ORDER BY a"), (Rows{"1|x", "2|y"}));
}

TEST(LoadCommand, DefaultDestinationIsSluiceDuckdbInTheWorkingDirectory) {
  TempDir dir;
  dir.Write("t.csv", "x\n1\n");
  ASSERT_EQ(RunSluice("load t.csv -q", dir.path().string()).exit_code, 0);
  EXPECT_EQ(QueryRows(dir.File("sluice.duckdb"), "SELECT x FROM t"), Rows{"1"});
}

TEST(LoadCommand, UsageErrorsExitWithTwoAndMissingInputWithOne) {
  TempDir dir;
  EXPECT_EQ(RunSluice("load").exit_code, 2);
  EXPECT_EQ(RunSluice("load x.csv --mode sideways").exit_code, 2);
  EXPECT_EQ(RunSluice("load " + dir.File("t.csv") + " --mode merge").exit_code, 2)
      << "merge without a key";
  EXPECT_EQ(
      RunSluice("load " + dir.File("missing.csv") + " duckdb:///" + dir.File("o.duckdb")).exit_code,
      1);
}

TEST(SchemaCommand, PrintsTablesColumnsTypesAndNullability) {
  auto r = RunSluice("schema " + SourceDir() + "/samples/customers.csv");
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("table customers"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("balance"), std::string::npos);
  EXPECT_NE(r.out.find("decimal(18,2)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("nullable"), std::string::npos);
}

}  // namespace
}  // namespace sluice
