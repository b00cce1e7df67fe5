// Loads a CSV file into PostgreSQL through sluice's reader and the PostgreSQL destination, for
// measuring the destination until the CLI reaches it (the schema evolver is not there yet: the
// first batch of each table fixes its columns, later batches are cast to them or widen them).
//
//   sluice_postgres_load URI FILE.csv [append|replace|merge] [KEY]
//
// Prints one line: mode, rows, seconds, rows/s, MB/s of input.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>

#include "core/error.h"
#include "destinations/postgres/postgres_destination.h"
#include "pipeline/runner.h"
#include "sources/open_source.h"

namespace {

using namespace sluice;

class MinimalEvolver final : public BatchSink {
 public:
  MinimalEvolver(Destination& d, const std::vector<TableSchema>& existing) : d_(d) {
    for (const auto& t : existing) tables_[t.name] = t.columns;
  }
  void Write(Batch& b) override {
    auto it = tables_.find(b.table);
    if (it == tables_.end()) {
      TableSchema t{b.table, {}};
      for (size_t i = 0; i < b.names.size(); i++) {
        DataType type = b.columns[i].type();
        if (type.id == TypeId::kNull) type = DataType::Of(TypeId::kText);
        t.columns.push_back({b.names[i], type});
      }
      d_.CreateTable(t);
      it = tables_.emplace(b.table, t.columns).first;
    }
    auto& columns = it->second;
    for (size_t i = 0; i < b.names.size(); i++) {
      const DataType have = b.columns[i].type();
      auto c = std::find_if(columns.begin(), columns.end(),
                            [&](const ColumnSchema& s) { return s.name == b.names[i]; });
      if (c == columns.end()) {
        const DataType type = have.id == TypeId::kNull ? DataType::Of(TypeId::kText) : have;
        d_.AddColumn(b.table, {b.names[i], type});
        columns.push_back({b.names[i], type});
        if (type != have) b.columns[i] = b.columns[i].CastTo(type);
        continue;
      }
      if (have == c->type || have.id == TypeId::kNull) continue;
      if (WidensTo(have, c->type)) {
        b.columns[i] = b.columns[i].CastTo(c->type);
        continue;
      }
      const DataType to = Join({c->type, 18}, {have, 18}).type;  // digits unknown: be safe
      if (to != c->type) {
        d_.WidenColumn(b.table, {c->name, to});
        c->type = to;
      }
      if (have != to) b.columns[i] = b.columns[i].CastTo(to);
    }
    rows_ += b.num_rows;
    d_.Write(b);
  }
  void WriteRejects(const std::vector<RejectedRecord>& r) override { d_.WriteRejects(r); }
  uint64_t rows() const { return rows_; }

 private:
  Destination& d_;
  std::map<std::string, std::vector<ColumnSchema>> tables_;
  uint64_t rows_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s URI FILE.csv [append|replace|merge] [KEY]\n", argv[0]);
    return 2;
  }
  try {
    const auto start = std::chrono::steady_clock::now();
    auto destination = sluice::PostgresDestination::Open(argv[1]);
    sluice::SourceOptions options;
    options.table = "orders";
    auto source = sluice::OpenSource(argv[2], options);
    sluice::LoadPlan plan;
    plan.load_id = sluice::NewLoadId();
    plan.pipeline = "bench";
    plan.root_table = "orders";
    plan.mode = sluice::ParseWriteMode(argc > 3 ? argv[3] : "append");
    if (argc > 4) plan.primary_key = {argv[4]};
    destination->Begin(plan);
    // The evolver starts from the tables as they are.
    MinimalEvolver evolver(*destination, destination->ReadTables(plan.root_table));
    sluice::RunOptions run;
    run.progress = false;
    sluice::LoadReport report;
    sluice::Pump(*source, evolver, run, &report);
    sluice::LoadRecord record;
    record.rows_per_table["orders"] = evolver.rows();
    destination->Commit(record);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("%s rows=%llu seconds=%.2f rows_per_s=%.0f mb_per_s=%.1f\n",
                argc > 3 ? argv[3] : "append", static_cast<unsigned long long>(evolver.rows()),
                seconds, evolver.rows() / seconds, report.bytes_read / seconds / 1e6);
  } catch (const sluice::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
