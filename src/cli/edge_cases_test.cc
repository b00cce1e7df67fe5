// End-to-end specifications for inputs that once broke a load (found in review): each test is
// the reproduction, run through the real CLI against a real DuckDB file.
#include <gtest/gtest.h>

#include "cli/cli_test_util.h"

namespace sluice {
namespace {

using testing_util::ColumnTypes;
using testing_util::QueryRows;
using testing_util::RunSluice;
using testing_util::TempDir;
using Rows = std::vector<std::string>;

std::string Uri(const std::string& db) {
  return " duckdb:///" + db;
}

TEST(EdgeCases, BytesThatAreNotUtf8AreRejectedRowsNotAFailedLoad) {
  TempDir dir;
  const std::string csv = dir.Write("w.csv", "name,v\ncaf\xe9,1\nok,2\n");
  const std::string db = dir.File("o.duckdb");
  auto r = RunSluice("load " + csv + Uri(db) + " -q");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(QueryRows(db, "SELECT name, v FROM w"), Rows{"ok|2"});
  EXPECT_EQ(QueryRows(db, "SELECT raw FROM _sluice_rejects"), Rows{"caf\\xE9,1"});
}

TEST(EdgeCases, AHeaderThatIsNotUtf8StillGivesValidColumnNames) {
  TempDir dir;
  const std::string db = dir.File("o.duckdb");
  ASSERT_EQ(
      RunSluice("load " + dir.Write("h.csv", "n\xe4me,v\ncafe,1\n") + Uri(db) + " -q").exit_code,
      0);
  EXPECT_EQ(ColumnTypes(db, "h"), (Rows{"n_me VARCHAR", "v BIGINT", "_sluice_load_id VARCHAR"}));
  EXPECT_EQ(RunSluice("load " + dir.Write("k.csv", "a\n1\n") + Uri(db) + " -q").exit_code, 0)
      << "the database stays usable";
}

TEST(EdgeCases, MergeIntoATableNamedLikeASqlAliasKeepsOtherRows) {
  TempDir dir;
  const std::string db = dir.File("o.duckdb");
  ASSERT_EQ(
      RunSluice("load " + dir.Write("s.csv", "id,v\n1,a\n2,b\n3,c\n") + Uri(db) + " -q").exit_code,
      0);
  ASSERT_EQ(RunSluice("load " + dir.Write("s2.csv", "id,v\n1,z\n") + Uri(db) +
                      " --table s --mode merge --primary-key id -q")
                .exit_code,
            0);
  EXPECT_EQ(QueryRows(db, "SELECT id, v FROM s ORDER BY id"), (Rows{"1|z", "2|b", "3|c"}));
}

TEST(EdgeCases, AMergeKeyMissingFromALaterFileFailsTheLoad) {
  TempDir dir;
  dir.Write("g1.csv", "id,v\n1,a\n2,b\n");
  dir.Write("g2.csv", "v,w\nx,1\ny,2\n");
  const std::string db = dir.File("o.duckdb");
  EXPECT_EQ(RunSluice("load '" + dir.File("g*.csv") + "'" + Uri(db) +
                      " --table g --mode merge --primary-key id -q")
                .exit_code,
            2);
  EXPECT_EQ(QueryRows(db, "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'g'"),
            Rows{"0"});
}

TEST(EdgeCases, AStringColumnThatLaterHoldsObjectsBecomesJson) {
  TempDir dir;
  std::string ndjson;
  for (int i = 0; i < 40000; i++) ndjson += "{\"id\":" + std::to_string(i) + ",\"a\":\"hello\"}\n";
  ndjson += "{\"id\":-1,\"a\":{\"b\":1}}\n";  // well past the first 2 MiB chunk
  const std::string db = dir.File("o.duckdb");
  ASSERT_EQ(RunSluice("load " + dir.Write("j.ndjson", ndjson) + Uri(db) + " --max-nesting 0 -q")
                .exit_code,
            0);
  EXPECT_EQ(QueryRows(db,
                      "SELECT data_type FROM duckdb_columns() WHERE table_name = 'j' AND "
                      "column_name = 'a'"),
            Rows{"JSON"});
  EXPECT_EQ(QueryRows(db, "SELECT a FROM j WHERE id IN (0, -1) ORDER BY id"),
            (Rows{"{\"b\":1}", "\"hello\""}));
}

TEST(EdgeCases, ReplaceWithAnEmptyInputEmptiesTheTableFamily) {
  TempDir dir;
  const std::string db = dir.File("o.duckdb");
  ASSERT_EQ(RunSluice("load " + dir.Write("r.ndjson", "{\"id\":1,\"tags\":[\"a\",\"b\"]}\n") +
                      Uri(db) + " -q")
                .exit_code,
            0);
  ASSERT_EQ(
      RunSluice("load " + dir.Write("e.ndjson", "") + Uri(db) + " --table r --mode replace -q")
          .exit_code,
      0);
  EXPECT_EQ(QueryRows(db, "SELECT count(*) FROM r"), Rows{"0"});
  // Child tables are part of the family: emptied too, their columns kept.
  EXPECT_EQ(QueryRows(db, "SELECT count(*) FROM r__tags"), Rows{"0"});
  ASSERT_EQ(RunSluice("load " + dir.Write("c.csv", "id,v\n1,x\n") + Uri(db) + " -q").exit_code, 0);
  ASSERT_EQ(
      RunSluice("load " + dir.Write("h.csv", "id,v\n") + Uri(db) + " --table c --mode replace -q")
          .exit_code,
      0);
  EXPECT_EQ(QueryRows(db, "SELECT count(*) FROM c"), Rows{"0"}) << "header-only replaces too";
}

TEST(EdgeCases, MergeReplacesTheChildrenAndGrandchildrenOfMergedParents) {
  TempDir dir;
  const std::string db = dir.File("o.duckdb");
  const std::string merge = " --table m --mode merge --primary-key id -q";
  ASSERT_EQ(
      RunSluice("load " +
                dir.Write("m1.ndjson",
                          "{\"id\":1,\"tags\":[\"a\",\"b\"],\"o\":[{\"x\":[1]},{\"x\":[2]}]}\n"
                          "{\"id\":2,\"tags\":[\"keep\"]}\n") +
                Uri(db) + merge)
          .exit_code,
      0);
  ASSERT_EQ(
      RunSluice("load " + dir.Write("m2.ndjson", "{\"id\":1,\"tags\":[],\"o\":[{\"x\":[3]}]}\n") +
                Uri(db) + merge)
          .exit_code,
      0);
  EXPECT_EQ(QueryRows(db, "SELECT value FROM m__tags ORDER BY value"), Rows{"keep"});
  EXPECT_EQ(QueryRows(db, "SELECT value FROM m__o__x ORDER BY value"), Rows{"3"});
  EXPECT_EQ(QueryRows(db, "SELECT count(*) FROM m__o"), Rows{"1"});
}

TEST(EdgeCases, MergeWorksWhenTheKeyTypeWidens) {
  TempDir dir;
  const std::string db = dir.File("o.duckdb");
  ASSERT_EQ(RunSluice("load " + dir.Write("k.csv", "id,v\na1,x\n") + Uri(db) + " -q").exit_code, 0);
  ASSERT_EQ(RunSluice("load " + dir.Write("k2.csv", "id,v\n1,y\n") + Uri(db) +
                      " --table k --mode merge --primary-key id -q")
                .exit_code,
            0);
  EXPECT_EQ(QueryRows(db, "SELECT id, v FROM k ORDER BY id"), (Rows{"1|y", "a1|x"}));
}

TEST(EdgeCases, SourceColumnsNamedLikeSluiceColumnsAreRenamed) {
  TempDir dir;
  const std::string db = dir.File("o.duckdb");
  ASSERT_EQ(RunSluice("load " + dir.Write("q.csv", "id,_sluice_seq\n1,7\n") + Uri(db) +
                      " --mode merge --primary-key id -q")
                .exit_code,
            0);
  EXPECT_EQ(QueryRows(db, "SELECT id, _sluice_seq_2 FROM q"), Rows{"1|7"});
}

TEST(EdgeCases, WideningFromTheSmallestInteger) {
  TempDir dir;
  const std::string db = dir.File("o.duckdb");
  ASSERT_EQ(RunSluice("load " + dir.Write("n.csv", "v\n-9223372036854775808\n") + Uri(db) + " -q")
                .exit_code,
            0);
  ASSERT_EQ(
      RunSluice("load " + dir.Write("n2.csv", "v\n1.5\n") + Uri(db) + " --table n -q").exit_code,
      0);
  EXPECT_EQ(QueryRows(db, "SELECT count(*) FROM n"), Rows{"2"});
}

TEST(EdgeCases, AColumnThatWasOnlyNullTakesTheFirstRealType) {
  TempDir dir;
  const std::string db = dir.File("o.duckdb");
  ASSERT_EQ(RunSluice("load " + dir.Write("z.csv", "id,x\n1,\n") + Uri(db) + " -q").exit_code, 0);
  ASSERT_EQ(
      RunSluice("load " + dir.Write("z2.csv", "id,x\n2,5\n") + Uri(db) + " --table z -q").exit_code,
      0);
  EXPECT_EQ(ColumnTypes(db, "z"), (Rows{"id BIGINT", "x BIGINT", "_sluice_load_id VARCHAR"}));
}

TEST(EdgeCases, BadOptionValuesAndReservedTablesAreUsageErrors) {
  TempDir dir;
  const std::string csv = dir.Write("t.csv", "a\n1\n");
  const std::string db = dir.File("o.duckdb");
  EXPECT_EQ(RunSluice("load " + csv + Uri(db) + " --threads -1").exit_code, 2);
  EXPECT_EQ(RunSluice("load " + csv + Uri(db) + " --max-bad-rows -1").exit_code, 2);
  EXPECT_EQ(
      RunSluice("load " + csv + Uri(db) + " --table _sluice_rejects --mode replace").exit_code, 2);
}

TEST(EdgeCases, EmptyLinesOfAOneColumnFileAreNullRows) {
  TempDir dir;
  const std::string db = dir.File("o.duckdb");
  ASSERT_EQ(
      RunSluice("load " + dir.Write("one.csv", "v\n1\n\n3\n\n5\n") + Uri(db) + " -q").exit_code, 0);
  EXPECT_EQ(QueryRows(db, "SELECT count(*), count(v), sum(v) FROM one"), Rows{"5|3|9"});
  ASSERT_EQ(
      RunSluice("load " + dir.Write("two.csv", "a,b\n1,2\n\n3,4\n") + Uri(db) + " -q").exit_code,
      0);
  EXPECT_EQ(QueryRows(db, "SELECT count(*) FROM two"), Rows{"2"}) << "skipped with two columns";
}

TEST(EdgeCases, HeadersWithAnEmptyNameAreStillHeaders) {
  TempDir dir;
  const std::string db = dir.File("o.duckdb");
  ASSERT_EQ(
      RunSluice("load " + dir.Write("pd.csv", ",a,b\n0,1,x\n1,2,y\n") + Uri(db) + " -q").exit_code,
      0);
  EXPECT_EQ(ColumnTypes(db, "pd"),
            (Rows{"col_1 BIGINT", "a BIGINT", "b VARCHAR", "_sluice_load_id VARCHAR"}))
      << "a pandas index column";
  ASSERT_EQ(
      RunSluice("load " + dir.Write("tr.csv", "a,b,\n1,2,\n3,4,\n") + Uri(db) + " -q").exit_code,
      0);
  EXPECT_EQ(QueryRows(db, "SELECT a, b FROM tr ORDER BY a"), (Rows{"1|2", "3|4"}))
      << "a trailing delimiter on every line";
}

TEST(EdgeCases, QuotedFieldsAfterASpaceAreQuoted) {
  TempDir dir;
  const std::string db = dir.File("o.duckdb");
  ASSERT_EQ(
      RunSluice("load " + dir.Write("sp.csv", "id, name, n\n1, \"Smith, John\", 3\n2, Ann, 4\n") +
                Uri(db) + " -q")
          .exit_code,
      0);
  EXPECT_EQ(QueryRows(db, "SELECT id, name FROM sp ORDER BY id"),
            (Rows{"1|Smith, John", "2| Ann"}));
}

TEST(EdgeCases, AnArrayFileCutOffAfterACommaIsReported) {
  TempDir dir;
  const std::string db = dir.File("o.duckdb");
  auto r = RunSluice("load " + dir.Write("tr.json", "[{\"a\":1},{\"a\":2},") + Uri(db) + " -q");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(QueryRows(db, "SELECT count(*) FROM tr"), Rows{"2"});
  EXPECT_EQ(QueryRows(db, "SELECT reason FROM _sluice_rejects"),
            Rows{"unexpected end of input: the top-level array is not closed"});
}

TEST(EdgeCases, JsonHonoursTheEncodingOption) {
  TempDir dir;
  const std::string db = dir.File("o.duckdb");
  ASSERT_EQ(RunSluice("load " + dir.Write("l.ndjson", "{\"city\":\"K\xf6ln\"}\n") + Uri(db) +
                      " --encoding latin1 -q")
                .exit_code,
            0);
  EXPECT_EQ(QueryRows(db, "SELECT city FROM l"), Rows{"K\xc3\xb6ln"});
}

}  // namespace
}  // namespace sluice
