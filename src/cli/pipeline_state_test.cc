// Pipeline state: file fingerprints committed with the data make reruns idempotent.
#include <gtest/gtest.h>

#include "cli/cli_test_util.h"

namespace sluice {
namespace {

using testing_util::QueryRows;
using testing_util::RunSluice;
using testing_util::TempDir;
using Rows = std::vector<std::string>;

TEST(PipelineState, AnUnchangedFileLoadsNothingAndAChangedOneLoadsAgain) {
  TempDir dir;
  const std::string db = dir.File("o.duckdb");
  const std::string csv = dir.Write("e.csv", "id\n1\n2\n");
  const std::string load = "load " + csv + " duckdb:///" + db + " --report json";
  EXPECT_NE(RunSluice(load).out.find("\"status\":\"committed\""), std::string::npos);
  auto again = RunSluice(load);
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_NE(again.out.find("\"status\":\"unchanged\""), std::string::npos) << again.out;
  EXPECT_EQ(QueryRows(db, "SELECT count(*) FROM e"), Rows{"2"});
  dir.Write("e.csv", "id\n3\n");  // new content (and mtime)
  EXPECT_NE(RunSluice(load).out.find("\"rows_loaded\":1"), std::string::npos);
  EXPECT_EQ(QueryRows(db, "SELECT id FROM e ORDER BY id"), (Rows{"1", "2", "3"}));
}

TEST(PipelineState, OnlyTheNewFilesOfAGlobLoad) {
  TempDir dir;
  const std::string db = dir.File("o.duckdb");
  dir.Write("p1.csv", "id\n1\n");
  const std::string load =
      "load '" + dir.File("p*.csv") + "' duckdb:///" + db + " --table p --report json";
  ASSERT_EQ(RunSluice(load).exit_code, 0);
  dir.Write("p2.csv", "id\n2\n");
  auto r = RunSluice(load);
  EXPECT_NE(r.out.find("\"files\":1"), std::string::npos) << r.out;
  EXPECT_EQ(QueryRows(db, "SELECT id FROM p ORDER BY id"), (Rows{"1", "2"}));
}

TEST(PipelineState, ShowAndResetTheState) {
  TempDir dir;
  const std::string db = dir.File("o.duckdb");
  const std::string csv = dir.Write("s.csv", "id\n1\n");
  ASSERT_EQ(RunSluice("load " + csv + " duckdb:///" + db + " -q").exit_code, 0);
  auto show = RunSluice("state show s duckdb:///" + db);
  EXPECT_EQ(show.exit_code, 0);
  EXPECT_NE(show.out.find("file:" + csv), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("\"xxh3\""), std::string::npos) << show.out;
  EXPECT_EQ(RunSluice("state reset s duckdb:///" + db).exit_code, 0);
  EXPECT_NE(RunSluice("state show s duckdb:///" + db).out.find("has no state"), std::string::npos);
  ASSERT_EQ(RunSluice("load " + csv + " duckdb:///" + db + " -q").exit_code, 0);
  EXPECT_EQ(QueryRows(db, "SELECT count(*) FROM s"), Rows{"2"}) << "after a reset it loads again";
}

TEST(PipelineState, AReplaceIsSkippedOnlyWhileTheTableIsStillThatReplace) {
  TempDir dir;
  const std::string db = dir.File("o.duckdb");
  const std::string csv = dir.Write("r.csv", "id\n1\n");
  const std::string uri = " duckdb:///" + db;
  ASSERT_EQ(RunSluice("load " + csv + uri + " --mode replace -q").exit_code, 0);
  auto again = RunSluice("load " + csv + uri + " --mode replace --report json");
  EXPECT_NE(again.out.find("\"status\":\"unchanged\""), std::string::npos) << again.out;
  ASSERT_EQ(RunSluice("load " + dir.Write("x.csv", "id\n9\n") + uri + " --table r -q").exit_code,
            0);
  ASSERT_EQ(RunSluice("load " + csv + uri + " --mode replace -q").exit_code, 0);
  EXPECT_EQ(QueryRows(db, "SELECT id FROM r"), Rows{"1"}) << "an append in between: replace runs";
}

}  // namespace
}  // namespace sluice
