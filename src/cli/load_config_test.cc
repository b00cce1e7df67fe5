// `sluice load --config FILE`: the same options from a YAML pipeline file.
#include <gtest/gtest.h>

#include "cli/cli_test_util.h"

namespace sluice {
namespace {

using testing_util::QueryRows;
using testing_util::RunSluice;
using testing_util::TempDir;
using Rows = std::vector<std::string>;

TEST(LoadConfig, AConfigFileSetsTheOptionsAndTheCommandLineWins) {
  TempDir dir;
  const std::string path = dir.File("o.duckdb");
  dir.Write("k1.csv", "id,v,gone\n1,a,false\n2,b,false\n");
  dir.Write("k2.csv", "id,v,gone\n1,a,true\n3,c,false\n");
  const std::string config = dir.Write("pipeline.yaml",
                                       "destination: duckdb:///${SLUICE_TEST_DB}\n"
                                       "table: kept\n"
                                       "mode: merge\n"
                                       "primary_key: [id]\n"
                                       "delete_column: gone\n"
                                       "schema_contract: {tables: evolve, columns: freeze}\n");
  const std::string env = "SLUICE_TEST_DB=" + path + " ";
  auto r = RunSluice("load " + dir.File("k1.csv") + " --config " + config + " -q", "", env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = RunSluice("load --source " + dir.File("k2.csv") + " --config " + config + " -q", "", env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(QueryRows(path, "SELECT id, v FROM kept ORDER BY id"), (Rows{"2|b", "3|c"}));
  // The command line overrides the file's table.
  r = RunSluice("load " + dir.Write("k3.csv", "id,v,gone\n9,z,false\n") + " --config " + config +
                    " --table other -q",
                "", env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(QueryRows(path, "SELECT id FROM other"), Rows{"9"});
}

TEST(LoadConfig, UnknownKeysAndUnsetVariablesAreUsageErrors) {
  TempDir dir;
  const std::string csv = dir.Write("u.csv", "id\n1\n");
  auto r = RunSluice("load " + csv + " --config " + dir.Write("bad.yaml", "mdoe: merge\n"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown key 'mdoe'"), std::string::npos) << r.err;
  r = RunSluice(
      "load " + csv + " --config " +
      dir.Write("env.yaml", "destination: postgresql://u:${SLUICE_NOT_SET_ANYWHERE}@h/d\n"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("SLUICE_NOT_SET_ANYWHERE"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace sluice
