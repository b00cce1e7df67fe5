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

// One entry of a pipeline's state (_sluice_state): e.g. resource "orders", key
// "file:/data/orders.csv", value a file fingerprint as JSON.
struct StateEntry {
  std::string pipeline;
  std::string resource;
  std::string key;
  std::string value;    // JSON; empty in LoadRecord::state = delete the entry
  std::string load_id;  // the load that wrote it
  std::string updated_at;
};

// What the destination records in _sluice_loads with the data.
struct LoadRecord {
  int64_t started_at_micros = 0;
  int64_t finished_at_micros = 0;
  std::string source;
  std::map<std::string, uint64_t> rows_per_table;
  uint64_t rows_rejected = 0;
  // Pipeline state that advances with this load: written in the commit transaction.
  std::vector<StateEntry> state;
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
  // The pipeline's committed state (empty if it never loaded).
  virtual std::vector<StateEntry> ReadState(const std::string& pipeline) = 0;
  // Forgets the pipeline's state (the next run loads everything again); returns entries removed.
  virtual uint64_t ResetState(const std::string& pipeline) = 0;
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
