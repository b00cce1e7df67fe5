// DuckDB-specific behaviour; what every destination guarantees is in
// destinations/conformance/destination_conformance_test.cc.
#include "destinations/duckdb/duckdb_destination.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "destinations/duckdb/duckdb_test_util.h"
#include "schema/schema_evolver.h"

namespace sluice {
namespace {

class DuckDbDestinationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("sluice_duckdb_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "test.duckdb").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void Load(WriteMode mode, Batch batch) {
    LoadPlan plan;
    plan.load_id = "load-" + std::to_string(++loads_);
    plan.pipeline = "test";
    plan.mode = mode;
    plan.root_table = "t";
    auto dest = DuckDbDestination::Open(path_);
    SchemaEvolver evolver(*dest, plan, {});
    dest->Begin(plan);
    evolver.Start();
    std::vector<RejectedRecord> rejects;
    evolver.Conform(batch, &rejects);
    dest->Write(batch);
    dest->Commit(LoadRecord{});
  }
  std::vector<std::string> Rows(const std::string& sql) {
    return testing_util::QueryRows(path_, sql);
  }

  std::filesystem::path dir_;
  std::string path_;
  int loads_ = 0;
};

const DataType kInt = DataType::Of(TypeId::kInt64);
const DataType kText = DataType::Of(TypeId::kText);

Batch Ids(std::initializer_list<int64_t> ids) {
  Batch b;
  b.table = "t";
  b.names = {"id"};
  b.columns = {Column(kInt)};
  for (int64_t id : ids) b.columns[0].AppendInt64(id);
  b.num_rows = ids.size();
  return b;
}

TEST_F(DuckDbDestinationTest, AStagingTableLeftByAKilledLoadIsDroppedByTheNextLoad) {
  {
    DuckDbConnection con(path_);
    con.Execute("CREATE TABLE _sluice_stage__t (id BIGINT)");
    con.Execute("INSERT INTO _sluice_stage__t VALUES (666)");
  }
  Load(WriteMode::kReplace, Ids({1}));
  EXPECT_EQ(Rows("SELECT id FROM t"), std::vector<std::string>{"1"});
  EXPECT_EQ(Rows("SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE '_sluice_stage%'"),
            std::vector<std::string>{"0"});
}

TEST_F(DuckDbDestinationTest, TypesMapToDuckDbTypes) {
  Batch b;
  b.table = "t";
  b.names = {"i", "d", "s"};
  b.columns = {Column(kInt), Column(DataType::Decimal(2)), Column(kText)};
  b.columns[0].AppendInt64(1);
  b.columns[1].AppendDecimal(-5);
  b.columns[2].AppendNull();
  b.num_rows = 1;
  Load(WriteMode::kAppend, std::move(b));
  EXPECT_EQ(Rows("SELECT column_name, data_type FROM duckdb_columns() WHERE table_name='t' "
                 "ORDER BY column_index"),
            (std::vector<std::string>{"i|BIGINT", "d|DECIMAL(18,2)", "s|VARCHAR",
                                      "_sluice_load_id|VARCHAR"}));
  EXPECT_EQ(Rows("SELECT i, d, s FROM t"), std::vector<std::string>{"1|-0.05|NULL"});
}

TEST_F(DuckDbDestinationTest, LargeBatchesSpanManyDataChunks) {
  Batch b;
  b.table = "t";
  b.names = {"i", "s"};
  b.columns = {Column(kInt), Column(kText)};
  for (int i = 0; i < 10000; i++) {
    b.columns[0].AppendInt64(i);
    if (i % 7 == 0) {
      b.columns[1].AppendNull();
    } else {
      b.columns[1].AppendString("value number " + std::to_string(i));
    }
  }
  b.num_rows = 10000;
  Load(WriteMode::kAppend, std::move(b));
  EXPECT_EQ(Rows("SELECT count(*), sum(i), count(s), max(s) FROM t"),
            std::vector<std::string>{"10000|49995000|8571|value number 9999"});
}

}  // namespace
}  // namespace sluice
