#pragma once
// Fixture for PostgresDestination tests: loads driven the way the schema evolver drives them.
#include <functional>
#include <map>

#include "destinations/postgres/postgres_destination.h"
#include "destinations/postgres/postgres_test_util.h"

namespace sluice::testing_util {

inline const DataType kInt = DataType::Of(TypeId::kInt64);
inline const DataType kText = DataType::Of(TypeId::kText);
inline const DataType kBool = DataType::Of(TypeId::kBoolean);
inline const DataType kUuid = DataType::Of(TypeId::kUuid);
inline const DataType kJson = DataType::Of(TypeId::kJson);
inline const DataType kDouble = DataType::Of(TypeId::kDouble);

class PostgresDestinationTest : public PostgresTest {
 protected:
  std::unique_ptr<PostgresDestination> Open(const std::string& extra = "") {
    return PostgresDestination::Open(DestinationUri(extra));
  }
  LoadPlan Plan(WriteMode mode, std::vector<std::string> key = {}) {
    LoadPlan p;
    p.load_id = "load-" + std::to_string(++loads_);
    p.pipeline = "test";
    p.mode = mode;
    p.primary_key = std::move(key);
    p.root_table = "t";
    return p;
  }
  // Begin plus what the evolver learns first: the family's tables as committed.
  void Begin(Destination& d, const LoadPlan& plan) {
    d.Begin(plan);
    known_.clear();
    for (auto& t : d.ReadTables(plan.root_table)) known_[t.name] = t.columns;
  }
  // One batch the way the evolver hands it over: CreateTable for a new table, AddColumn for new
  // columns, WidenColumn when the batch's type is wider, else the batch is cast to the table's.
  void Feed(Destination& d, Batch b) {
    auto it = known_.find(b.table);
    if (it == known_.end()) {
      TableSchema t{b.table, {}};
      for (size_t i = 0; i < b.names.size(); i++)
        t.columns.push_back({b.names[i], b.columns[i].type()});
      d.CreateTable(t);
      known_[b.table] = t.columns;
    } else {
      auto& columns = it->second;
      for (size_t i = 0; i < b.names.size(); i++) {
        auto c = std::find_if(columns.begin(), columns.end(),
                              [&](const ColumnSchema& s) { return s.name == b.names[i]; });
        if (c == columns.end()) {
          d.AddColumn(b.table, {b.names[i], b.columns[i].type()});
          columns.push_back({b.names[i], b.columns[i].type()});
        } else if (c->type != b.columns[i].type()) {
          if (WidensTo(c->type, b.columns[i].type())) {
            d.WidenColumn(b.table, {c->name, b.columns[i].type()});
            c->type = b.columns[i].type();
          } else {
            b.columns[i] = b.columns[i].CastTo(c->type);
          }
        }
      }
    }
    d.Write(b);
  }
  LoadRecord Record() {
    LoadRecord r;
    r.source = "test.csv";
    r.started_at_micros = 1700000000000000;
    r.finished_at_micros = 1700000001000000;
    r.rows_per_table["t"] = 1;
    return r;
  }
  // A whole load; `adjust` may change the plan (dedup, delete column, strategy).
  void Load(WriteMode mode, std::vector<Batch> batches, std::vector<std::string> key = {},
            const std::function<void(LoadPlan&)>& adjust = {}, const std::string& extra = "") {
    auto d = Open(extra);
    LoadPlan plan = Plan(mode, std::move(key));
    if (adjust) adjust(plan);
    Begin(*d, plan);
    for (auto& b : batches) Feed(*d, std::move(b));
    d->Commit(Record());
  }
  // Tables named _sluice_stage_* in the test's schema.
  std::string StageTables() {
    return Value(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND c.relname LIKE '\\_sluice\\_stage\\_%'");
  }

  int loads_ = 0;
  std::map<std::string, std::vector<ColumnSchema>> known_;
};

}  // namespace sluice::testing_util
