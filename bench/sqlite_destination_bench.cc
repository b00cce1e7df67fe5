// Throughput of the SQLite destination alone (no parsing): a stream of batches of 10 typed
// columns, loaded per mode into a fresh database file.
//
//   sluice_sqlite_bench [--rows N] [--batch N] [--dir DIR] [--uri-query Q]
//
// Prints one line per load: mode, rows, seconds (Begin to Commit, checkpoint included), rows/s.
// Batches are built before the clock starts, so the numbers are the destination's own cost.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "destinations/destination.h"

namespace {

using sluice::Batch;
using sluice::Column;
using sluice::DataType;
using sluice::TypeId;

std::vector<Batch> MakeBatches(size_t rows, size_t batch_rows) {
  const DataType types[] = {DataType::Of(TypeId::kInt64),   DataType::Of(TypeId::kInt64),
                            DataType::Decimal(2),           DataType::Of(TypeId::kDouble),
                            DataType::Of(TypeId::kText),    DataType::Of(TypeId::kText),
                            DataType::Of(TypeId::kDate),    DataType::Of(TypeId::kTimestamp),
                            DataType::Of(TypeId::kBoolean), DataType::Of(TypeId::kText)};
  const char* names[] = {"id",   "qty", "price", "score", "name",
                         "city", "day", "ts",    "flag",  "note"};
  static const char* kCities[] = {"Berlin", "Lisbon", "Osaka", "Quito", "Nairobi"};
  std::vector<Batch> out;
  uint64_t state = 42;
  auto next = [&] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return state >> 33;
  };
  for (size_t start = 0; start < rows; start += batch_rows) {
    const size_t n = std::min(batch_rows, rows - start);
    Batch b;
    b.table = "bench";
    for (size_t c = 0; c < 10; c++) {
      b.names.push_back(names[c]);
      b.columns.emplace_back(types[c]);
      b.columns.back().Reserve(n);
    }
    char text[64];
    for (size_t i = 0; i < n; i++) {
      const int64_t id = int64_t(start + i);
      b.columns[0].AppendInt64(id);
      b.columns[1].AppendInt64(int64_t(next() % 1000));
      b.columns[2].AppendDecimal(int64_t(next() % 10000000));
      b.columns[3].AppendDouble(double(next() % 1000000) / 7.0);
      const int len = std::snprintf(text, sizeof text, "customer %llu",
                                    static_cast<unsigned long long>(next() % 100000));
      b.columns[4].AppendString(std::string_view(text, size_t(len)));
      b.columns[5].AppendString(kCities[next() % 5]);
      b.columns[6].AppendDate(int32_t(18000 + next() % 2000));
      b.columns[7].AppendTimestamp(
          int64_t(1600000000000000LL + int64_t(next() % 100000000) * 1000000));
      b.columns[8].AppendBoolean(next() % 2);
      if (next() % 10 < 3) {
        b.columns[9].AppendNull();
      } else {
        b.columns[9].AppendString("a note of moderate length for this row");
      }
    }
    b.num_rows = n;
    out.push_back(std::move(b));
  }
  return out;
}

struct Timing {
  double total = 0;
  double commit = 0;  // of which Commit (merge apply, metadata, COMMIT, checkpoint)
};

Timing RunLoad(const std::string& uri, sluice::LoadPlan plan, std::vector<Batch>& batches) {
  auto dest = sluice::OpenDestination(uri);
  const auto t0 = std::chrono::steady_clock::now();
  dest->Begin(plan);
  if (dest->ReadTables(plan.root_table).empty()) {
    sluice::TableSchema schema{"bench", {}};
    for (size_t c = 0; c < batches[0].names.size(); c++) {
      schema.columns.push_back({batches[0].names[c], batches[0].columns[c].type()});
    }
    dest->CreateTable(schema);
  }
  // The SQLite destination reads batches without modifying them, so they are reused.
  for (Batch& b : batches) dest->Write(b);
  sluice::LoadRecord record;
  record.rows_per_table["bench"] = 0;
  const auto t1 = std::chrono::steady_clock::now();
  dest->Commit(record);
  const auto t2 = std::chrono::steady_clock::now();
  return {std::chrono::duration<double>(t2 - t0).count(),
          std::chrono::duration<double>(t2 - t1).count()};
}

}  // namespace

int main(int argc, char** argv) {
  size_t rows = 1000000, batch_rows = 16384, steps_to_run = 99;
  std::string dir = std::filesystem::temp_directory_path() / "sluice_sqlite_bench";
  std::string query;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const char* value = argv[i + 1];
    if (flag == "--rows") {
      rows = std::strtoull(value, nullptr, 10);
    } else if (flag == "--batch") {
      batch_rows = std::strtoull(value, nullptr, 10);
    } else if (flag == "--dir") {
      dir = value;
    } else if (flag == "--uri-query") {
      query = value;
    } else if (flag == "--steps") {
      steps_to_run = std::strtoull(value, nullptr, 10);
    } else {
      std::fprintf(stderr, "unknown option %s\n", flag.c_str());
      return 2;
    }
  }
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string uri = "sqlite:///" + std::filesystem::absolute(dir).string() + "/bench.db" +
                          (query.empty() ? "" : "?" + query);
  std::vector<Batch> batches = MakeBatches(rows, batch_rows);

  struct Step {
    const char* name;
    sluice::WriteMode mode;
    sluice::MergeStrategy strategy;
  };
  const Step steps[] = {
      {"append (new table)", sluice::WriteMode::kAppend, sluice::MergeStrategy::kDeleteInsert},
      {"append (existing)", sluice::WriteMode::kAppend, sluice::MergeStrategy::kDeleteInsert},
      {"replace", sluice::WriteMode::kReplace, sluice::MergeStrategy::kDeleteInsert},
      {"merge delete-insert", sluice::WriteMode::kMerge, sluice::MergeStrategy::kDeleteInsert},
      {"merge upsert", sluice::WriteMode::kMerge, sluice::MergeStrategy::kUpsert},
      {"merge upsert again", sluice::WriteMode::kMerge, sluice::MergeStrategy::kUpsert},
  };
  std::printf("%zu rows x 10 columns in batches of %zu\n", rows, batch_rows);
  int n = 0;
  for (const Step& step : steps) {
    if (size_t(n) >= steps_to_run) break;
    sluice::LoadPlan plan;
    plan.load_id = "bench-" + std::to_string(++n);
    plan.pipeline = "bench";
    plan.mode = step.mode;
    plan.merge_strategy = step.strategy;
    plan.primary_key = {"id"};
    plan.root_table = "bench";
    const Timing t = RunLoad(uri, plan, batches);
    std::printf("%-22s %9zu rows %7.3f s (commit %6.3f s) %10.0f rows/s\n", step.name, rows,
                t.total, t.commit, double(rows) / t.total);
  }
  std::filesystem::remove_all(dir);
  return 0;
}
