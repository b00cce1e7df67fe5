#pragma once
// The interface every destination implements: a transactional batch sink. One load is
//   Begin(plan) -> Write()* / WriteRejects()* -> Commit(record)   or   -> Rollback()
// and everything between Begin and Commit (data of every table, rejected records, the load
// record) becomes visible atomically, or not at all.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "destinations/batch_sink.h"

namespace sluice {

enum class WriteMode {
  kAppend,   // add the rows
  kReplace,  // the load's rows become the table's content, swapped in atomically
  kMerge,    // upsert by primary key; within one load the last occurrence of a key wins
};
WriteMode ParseWriteMode(const std::string& name);  // throws a usage error
const char* WriteModeName(WriteMode mode);

struct LoadPlan {
  std::string load_id;
  std::string pipeline;
  WriteMode mode = WriteMode::kAppend;
  std::vector<std::string> primary_key;  // normalized column names; required for kMerge
  std::string root_table;                // the source's table (child tables derive from it)
};

// What the destination records in _sluice_loads with the data.
struct LoadRecord {
  int64_t started_at_micros = 0;
  int64_t finished_at_micros = 0;
  std::string source;
  std::map<std::string, uint64_t> rows_per_table;
  uint64_t rows_rejected = 0;
};

struct ExistingColumn {
  std::string table;
  std::string column;
  InferredType type;  // kNull for a column that holds no value yet
};

class Destination : public BatchSink {
 public:
  // The typed columns of `root_table` and its child tables as the destination holds them now.
  virtual std::vector<ExistingColumn> ExistingColumns(const std::string& root_table) = 0;
  virtual void Begin(const LoadPlan& plan) = 0;
  virtual void Commit(const LoadRecord& record) = 0;
  virtual void Rollback() noexcept = 0;
  // Records a failed load (in its own transaction, after Rollback); best effort.
  virtual void RecordFailure(const LoadRecord& record, const std::string& error) noexcept = 0;
  // A human-readable destination name without credentials.
  virtual std::string Describe() const = 0;
};

// Opens a destination from a URI: duckdb:///relative.duckdb, duckdb:////abs/path.duckdb.
std::unique_ptr<Destination> OpenDestination(const std::string& uri);

}  // namespace sluice
