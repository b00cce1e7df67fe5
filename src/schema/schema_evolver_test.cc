// The schema evolver's decisions, against a destination that only records what it is asked.
#include "schema/schema_evolver.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace sluice {
namespace {

class RecordingDestination : public Destination {
 public:
  std::vector<TableSchema> tables;
  std::map<std::string, uint8_t> digits;  // "table.column" -> committed integer digits
  std::set<std::string> holding_values;   // "table.column"
  std::vector<std::string> ops;

  std::vector<TableSchema> ReadTables(const std::string&) override { return tables; }
  bool ColumnHasValues(const std::string& t, const std::string& c) override {
    return holding_values.count(t + "." + c) > 0;
  }
  uint8_t LoadedIntegerDigits(const std::string& t, const std::string& c) override {
    return digits[t + "." + c];
  }
  std::vector<StateEntry> ReadState(const std::string&) override { return {}; }
  uint64_t ResetState(const std::string&) override { return 0; }
  void Begin(const LoadPlan&) override {}
  void CreateTable(const TableSchema& t) override { ops.push_back("create " + t.name); }
  void AddColumn(const std::string& t, const ColumnSchema& c) override {
    ops.push_back("add " + t + "." + c.name + " " + TypeName(c.type));
  }
  void WidenColumn(const std::string& t, const ColumnSchema& c) override {
    ops.push_back("widen " + t + "." + c.name + " " + TypeName(c.type));
  }
  void Write(Batch&) override {}
  void WriteRejects(const std::vector<RejectedRecord>&) override {}
  void Commit(const LoadRecord&) override {}
  void Rollback() noexcept override {}
  void RecordFailure(const LoadRecord&, const std::string&) noexcept override {}
  std::string Describe() const override { return "recording"; }
};

const DataType kInt = DataType::Of(TypeId::kInt64);
const DataType kText = DataType::Of(TypeId::kText);
const DataType kDouble = DataType::Of(TypeId::kDouble);
const DataType kNull = DataType::Of(TypeId::kNull);

LoadPlan Plan() {
  LoadPlan p;
  p.load_id = "L";
  p.root_table = "t";
  return p;
}

Batch OneColumn(const std::string& table, const std::string& name, Column c) {
  Batch b;
  b.table = table;
  b.num_rows = c.size();
  b.names = {name};
  b.columns.push_back(std::move(c));
  return b;
}

Column Ints(std::initializer_list<int64_t> values) {
  Column c(kInt);
  for (int64_t v : values) c.AppendInt64(v);
  return c;
}

TEST(SchemaEvolver, AFirstBatchCreatesTheTableAndNullColumnsAreTextUntilTyped) {
  RecordingDestination d;
  SchemaEvolver e(d, Plan(), {});
  e.Start();
  std::vector<RejectedRecord> rejects;
  Column nulls(kNull);
  nulls.AppendNull();
  Batch b = OneColumn("t", "x", std::move(nulls));
  e.Conform(b, &rejects);
  Batch typed = OneColumn("t", "x", Ints({5}));
  e.Conform(typed, &rejects);
  EXPECT_EQ(d.ops, (std::vector<std::string>{"create t", "widen t.x int64"}));
  EXPECT_EQ(b.names, (std::vector<std::string>{"x", kLoadIdColumn}));
  EXPECT_EQ(b.columns[0].type(), kText) << "written as the table's type";
}

TEST(SchemaEvolver, IntegersWidenToDoubleOnlyWhileEveryLoadedValueIsExact) {
  for (uint8_t loaded_digits : {15, 16}) {
    RecordingDestination d;
    d.tables = {{"t", {{"v", kInt}, {kLoadIdColumn, kText}}}};
    d.digits["t.v"] = loaded_digits;
    SchemaEvolver e(d, Plan(), {});
    e.Start();
    Column doubles(kDouble);
    doubles.AppendDouble(0.5);
    Batch b = OneColumn("t", "v", std::move(doubles));
    std::vector<RejectedRecord> rejects;
    e.Conform(b, &rejects);
    if (loaded_digits == 15) {
      EXPECT_EQ(d.ops, std::vector<std::string>{"widen t.v double"});
    } else {
      EXPECT_EQ(d.ops, std::vector<std::string>{"add t.v__v_double double"});
      EXPECT_EQ(b.FindColumn("v__v_double"), 2);
    }
  }
}

TEST(SchemaEvolver, NewTablesFollowTheContractOnceTheFamilyExists) {
  RecordingDestination d;
  d.tables = {{"t", {{"id", kInt}}}};
  SchemaEvolver e(d, Plan(), SchemaContract::Parse("tables=freeze"));
  e.Start();
  Batch child = OneColumn("t__items", "sku", Ints({1}));
  std::vector<RejectedRecord> rejects;
  EXPECT_THROW(e.Conform(child, &rejects), Error);

  RecordingDestination empty;
  SchemaEvolver first(empty, Plan(), SchemaContract::Parse("freeze"));
  first.Start();
  Batch root = OneColumn("t", "id", Ints({1}));
  first.Conform(root, &rejects);
  Batch new_child = OneColumn("t__items", "sku", Ints({1}));
  first.Conform(new_child, &rejects);
  EXPECT_EQ(empty.ops, (std::vector<std::string>{"create t", "create t__items"}))
      << "a family's first load defines its schema";
}

TEST(SchemaEvolver, ARejectedRowTakesItsNestedRowsWithIt) {
  RecordingDestination d;
  d.tables = {{"t", {{"_sluice_id", kText}, {"n", kInt}, {kLoadIdColumn, kText}}},
              {"t__items", {{"_sluice_parent_id", kText}, {"sku", kText}}}};
  SchemaEvolver e(d, Plan(), SchemaContract::Parse("data_type=discard_row"));
  e.Start();
  Batch root;
  root.table = "t";
  root.num_rows = 2;
  root.names = {"_sluice_id", "n"};
  root.columns = {Column(kText), Column(kText)};
  root.columns[0].AppendString("a");
  root.columns[0].AppendString("b");
  root.columns[1].AppendString("1");
  root.columns[1].AppendString("one");
  root.source = "in.json";
  root.origins = {{1, 0}, {2, 40}};
  std::vector<RejectedRecord> rejects;
  e.Conform(root, &rejects);
  ASSERT_EQ(rejects.size(), 1u);
  EXPECT_EQ(rejects[0].line, 2u);
  EXPECT_EQ(rejects[0].byte_offset, 40u);
  EXPECT_EQ(rejects[0].source, "in.json");
  EXPECT_EQ(root.num_rows, 1u);
  EXPECT_EQ(root.columns[1].GetInt64(0), 1);
  Batch items;
  items.table = "t__items";
  items.num_rows = 2;
  items.names = {"_sluice_parent_id", "sku"};
  items.columns = {Column(kText), Column(kText)};
  items.columns[0].AppendString("a");
  items.columns[0].AppendString("b");
  items.columns[1].AppendString("x");
  items.columns[1].AppendString("y");
  e.Conform(items, &rejects);
  EXPECT_EQ(items.num_rows, 1u);
  EXPECT_EQ(items.columns[1].GetString(0), "x");
}

TEST(SchemaEvolver, ATextColumnThatHoldsValuesKeepsItsType) {
  RecordingDestination d;
  d.tables = {{"t", {{"zip", kText}, {kLoadIdColumn, kText}}}};
  d.holding_values = {"t.zip"};
  SchemaEvolver e(d, Plan(), {});
  e.Start();
  Batch b = OneColumn("t", "zip", Ints({12345}));
  std::vector<RejectedRecord> rejects;
  e.Conform(b, &rejects);
  EXPECT_TRUE(d.ops.empty());
  EXPECT_EQ(b.columns[0].type(), kText);
  EXPECT_EQ(b.columns[0].GetString(0), "12345");
}

TEST(SchemaContract, ParsesOneModeOrPerEntityOverrides) {
  const SchemaContract c = SchemaContract::Parse("columns=freeze,data_type=discard_value");
  EXPECT_EQ(c.ToString(), "tables=evolve,columns=freeze,data_type=discard_value");
  EXPECT_EQ(SchemaContract::Parse("discard_row").ToString(),
            "tables=discard_row,columns=discard_row,data_type=discard_row");
  EXPECT_THROW(SchemaContract::Parse("colums=freeze"), Error);
  EXPECT_THROW(SchemaContract::Parse("frozen"), Error);
}

}  // namespace
}  // namespace sluice
