// Schema evolution, contracts and merge options end to end: files in, DuckDB tables out.
#include <gtest/gtest.h>

#include "cli/cli_test_util.h"

namespace sluice {
namespace {

using testing_util::QueryRows;
using testing_util::RunSluice;
using testing_util::TempDir;
using Rows = std::vector<std::string>;

TEST(SchemaEvolution, AValueThatDoesNotFitGoesToAVariantColumnNotCoerced) {
  TempDir dir;
  const std::string db = " duckdb:///" + dir.File("o.duckdb");
  ASSERT_EQ(RunSluice("load " + dir.Write("a1.csv", "id,amount\n1,10\n") + db + " --table a -q")
                .exit_code,
            0);
  auto r = RunSluice("load " + dir.Write("a2.csv", "id,amount\n2,12\n3,n/a\n") + db +
                     " --table a --report json");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("add column a.amount__v_text text"), std::string::npos) << r.out;
  EXPECT_EQ(QueryRows(dir.File("o.duckdb"), "SELECT id, amount, amount__v_text FROM a ORDER BY id"),
            (Rows{"1|10|NULL", "2|12|NULL", "3|NULL|n/a"}));
}

TEST(SchemaEvolution, IntegersWidenToDecimalWhenExactAndBigOnesGoToAVariant) {
  TempDir dir;
  const std::string path = dir.File("o.duckdb"), db = " duckdb:///" + path;
  ASSERT_EQ(RunSluice("load " + dir.Write("w1.csv", "v\n7\n") + db + " --table w -q").exit_code, 0);
  ASSERT_EQ(RunSluice("load " + dir.Write("w2.csv", "v\n2.5\n") + db + " --table w -q").exit_code,
            0);
  EXPECT_EQ(QueryRows(path,
                      "SELECT data_type FROM duckdb_columns() WHERE table_name = 'w' AND "
                      "column_name = 'v'"),
            Rows{"DECIMAL(18,1)"});
  // 17-digit integers are not exact as double: a double value goes to a variant instead.
  ASSERT_EQ(
      RunSluice("load " + dir.Write("b1.csv", "v\n12345678901234567\n") + db + " --table b -q")
          .exit_code,
      0);
  ASSERT_EQ(
      RunSluice("load " + dir.Write("b2.csv", "v\n1.5e300\n") + db + " --table b -q").exit_code, 0);
  EXPECT_EQ(QueryRows(path, "SELECT v, v__v_double FROM b ORDER BY v NULLS LAST"),
            (Rows{"12345678901234567|NULL", "NULL|1.5e+300"}));
}

TEST(SchemaEvolution, AFrozenSchemaFailsTheLoadAndNamesTheColumn) {
  TempDir dir;
  const std::string path = dir.File("o.duckdb"), db = " duckdb:///" + path;
  ASSERT_EQ(RunSluice("load " + dir.Write("f1.csv", "id\n1\n") + db + " --table f -q").exit_code,
            0);
  auto r = RunSluice("load " + dir.Write("f2.csv", "id,color\n2,red\n") + db +
                     " --table f --schema-contract freeze");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("column 'color', value 'red'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("f2.csv line 2"), std::string::npos) << r.err;
  EXPECT_EQ(QueryRows(path, "SELECT count(*) FROM f"), Rows{"1"});
}

TEST(SchemaEvolution, DiscardRowSendsTheRowToTheDeadLetterTableWithItsLine) {
  TempDir dir;
  const std::string path = dir.File("o.duckdb"), db = " duckdb:///" + path;
  ASSERT_EQ(
      RunSluice("load " + dir.Write("d1.csv", "id,n\n1,1\n") + db + " --table d -q").exit_code, 0);
  auto r = RunSluice("load " + dir.Write("d2.csv", "id,n\n2,2\n3,three\n") + db +
                     " --table d -q --schema-contract data_type=discard_row");
  EXPECT_EQ(r.exit_code, 3) << "rows were rejected";
  EXPECT_EQ(QueryRows(path, "SELECT id FROM d ORDER BY id"), (Rows{"1", "2"}));
  EXPECT_EQ(QueryRows(path, "SELECT line, column_name, raw FROM _sluice_rejects"),
            Rows{"3|n|three"});
}

TEST(SchemaEvolution, SchemaCommandShowsWhatALoadWouldChange) {
  TempDir dir;
  const std::string path = dir.File("o.duckdb"), db = "duckdb:///" + path;
  ASSERT_EQ(
      RunSluice("load " + dir.Write("s1.csv", "id\n1\n") + " " + db + " --table s -q").exit_code,
      0);
  auto r = RunSluice("schema " + dir.Write("s.csv", "id,extra\n1.5,x\n") + " --destination " + db);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("change column s.id int64 -> decimal(18,1)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("add column s.extra text"), std::string::npos) << r.out;
  EXPECT_EQ(QueryRows(path, "SELECT count(*) FROM duckdb_columns() WHERE table_name = 's'"),
            Rows{"2"})
      << "a dry run changes nothing";
}

TEST(MergeOptions, DedupSortAndHardDeletesFromTheCommandLine) {
  TempDir dir;
  const std::string path = dir.File("o.duckdb"), db = " duckdb:///" + path;
  ASSERT_EQ(
      RunSluice("load " + dir.Write("m1.csv", "id,v,version,gone\n1,a,1,false\n2,b,1,false\n") +
                db + " --table m -q")
          .exit_code,
      0);
  auto r = RunSluice("load " +
                     dir.Write("m2.csv",
                               "id,v,version,gone\n1,new,3,false\n1,stale,2,false\n"
                               "2,x,2,true\n3,c,1,false\n") +
                     db +
                     " --table m -q --mode merge --primary-key id --dedup-sort version:desc "
                     "--delete-column gone --merge-strategy upsert");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(QueryRows(path, "SELECT id, v FROM m ORDER BY id"), (Rows{"1|new", "3|c"}));
  EXPECT_EQ(RunSluice("load " + dir.Write("m3.csv", "id\n1\n") + db +
                      " --table m -q --dedup-sort version")
                .exit_code,
            2)
      << "dedup applies to merges only";
}

TEST(MergeOptions, EveryRootRowCarriesTheIdOfTheLoadThatWroteIt) {
  TempDir dir;
  const std::string path = dir.File("o.duckdb"), db = " duckdb:///" + path;
  ASSERT_EQ(RunSluice("load " + dir.Write("l.csv", "id\n1\n2\n") + db + " -q").exit_code, 0);
  EXPECT_EQ(QueryRows(path,
                      "SELECT count(*) FROM l JOIN _sluice_loads ON "
                      "l._sluice_load_id = _sluice_loads.load_id"),
            Rows{"2"});
  EXPECT_EQ(QueryRows(path, "SELECT count(*) FROM _sluice_schemas WHERE table_name = 'l'"),
            Rows{"1"});
}

}  // namespace
}  // namespace sluice
