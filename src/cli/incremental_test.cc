// Incremental loads by a cursor column: only rows beyond what earlier loads committed.
#include <gtest/gtest.h>

#include "cli/cli_test_util.h"

namespace sluice {
namespace {

using testing_util::QueryRows;
using testing_util::RunSluice;
using testing_util::TempDir;
using Rows = std::vector<std::string>;

TEST(Incremental, LoadsOnlyRowsBeyondTheLastCursorAndDedupsTheBoundary) {
  TempDir dir;
  const std::string path = dir.File("o.duckdb"), db = " duckdb:///" + path;
  const std::string opts = " --table ev --incremental seq -q";
  ASSERT_EQ(
      RunSluice("load " + dir.Write("e1.csv", "seq,v\n1,a\n2,b\n3,c\n") + db + opts).exit_code, 0);
  // The export overlaps: 2 and 3,c were loaded; 3,d is new at the boundary value; 4 is new.
  auto r = RunSluice("load " + dir.Write("e2.csv", "seq,v\n2,b\n3,c\n3,d\n4,e\n") + db + opts +
                     " --report json");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"rows_skipped\":2"), std::string::npos) << r.out;
  EXPECT_EQ(QueryRows(path, "SELECT seq, v FROM ev ORDER BY seq, v"),
            (Rows{"1|a", "2|b", "3|c", "3|d", "4|e"}));
  EXPECT_EQ(QueryRows(path,
                      "SELECT value->>'last_value' FROM _sluice_state WHERE key = "
                      "'cursor:seq'"),
            Rows{"4"});
}

TEST(Incremental, NullCursorsAreRejectedWithTheReasonOrLoadedOnRequest) {
  TempDir dir;
  const std::string path = dir.File("o.duckdb"), db = " duckdb:///" + path;
  auto r = RunSluice("load " + dir.Write("n.csv", "ts,v\n2024-01-01 00:00:00,a\n,b\n") + db +
                     " --incremental ts -q");
  EXPECT_EQ(r.exit_code, 3) << "a row was rejected";
  EXPECT_EQ(QueryRows(path, "SELECT line, column_name FROM _sluice_rejects"), Rows{"3|ts"});
  EXPECT_EQ(RunSluice("load " + dir.Write("n2.csv", "ts,v\n,c\n") + db +
                      " --table n --incremental ts --on-null-cursor load -q")
                .exit_code,
            0);
  EXPECT_EQ(QueryRows(path, "SELECT v FROM n ORDER BY v"), (Rows{"a", "c"}));
}

TEST(Incremental, ALagWindowMergesLateUpdates) {
  TempDir dir;
  const std::string path = dir.File("o.duckdb"), db = " duckdb:///" + path;
  const std::string opts =
      " --table u --mode merge --primary-key id --incremental updated --lag 1h -q";
  ASSERT_EQ(
      RunSluice(
          "load " +
          dir.Write("u1.csv", "id,updated,v\n1,2024-01-01 10:00:00,a\n2,2024-01-01 12:00:00,b\n") +
          db + opts)
          .exit_code,
      0);
  // id 3 was updated at 11:30 but exported late: inside the 1h window, it still lands; the
  // 09:00 row of id 1 is older than the window and is skipped.
  ASSERT_EQ(RunSluice("load " +
                      dir.Write("u2.csv",
                                "id,updated,v\n1,2024-01-01 09:00:00,old\n"
                                "3,2024-01-01 11:30:00,c\n2,2024-01-01 12:00:00,b2\n") +
                      db + opts)
                .exit_code,
            0);
  EXPECT_EQ(QueryRows(path, "SELECT id, v FROM u ORDER BY id"), (Rows{"1|a", "2|b2", "3|c"}));
}

TEST(Incremental, AnInitialValueSkipsOldRowsOnTheFirstRun) {
  TempDir dir;
  const std::string path = dir.File("o.duckdb"), db = " duckdb:///" + path;
  ASSERT_EQ(RunSluice("load " + dir.Write("i.csv", "d,v\n2023-12-31,old\n2024-01-01,new\n") + db +
                      " --incremental d --initial-value 2024-01-01 -q")
                .exit_code,
            0);
  EXPECT_EQ(QueryRows(path, "SELECT v FROM i"), Rows{"new"});
}

TEST(Incremental, OptionsThatContradictEachOtherAreUsageErrors) {
  TempDir dir;
  const std::string f = dir.Write("x.csv", "a\n1\n"), db = " duckdb:///" + dir.File("o.duckdb");
  EXPECT_EQ(RunSluice("load " + f + db + " --incremental a --mode replace").exit_code, 2);
  EXPECT_EQ(RunSluice("load " + f + db + " --incremental a --lag 5").exit_code, 2);
  EXPECT_EQ(RunSluice("load " + f + db + " --lag 5").exit_code, 2);
}

}  // namespace
}  // namespace sluice
