#pragma once
// Destinations: where loads commit. The interface below is what DuckDB, PostgreSQL and SQLite
// implement; OpenDestination picks one by URI scheme.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "destinations/batch_sink.h"
#include "schema/table_schema.h"

namespace sluice {

enum class WriteMode {
  kAppend,   // add the rows
  kReplace,  // the load's rows become the family's content, swapped in atomically
  kMerge,    // by primary key: see MergeStrategy; within one load one row per key wins
};
WriteMode ParseWriteMode(const std::string& name);  // throws a usage error
const char* WriteModeName(WriteMode mode);

// How a merge applies the load's winning row per key (docs/configuration.md, "Merge"):
enum class MergeStrategy {
  kDeleteInsert,  // delete every target row with a key in the load, insert the winners
  kUpsert,        // update the target row with the key in place, insert new keys (PostgreSQL
                  // and SQLite: INSERT ... ON CONFLICT, backed by a unique index on the key)
};
MergeStrategy ParseMergeStrategy(const std::string& name);  // throws a usage error
const char* MergeStrategyName(MergeStrategy strategy);

// The column every root-table row carries: the id of the load that wrote it.
inline constexpr const char* kLoadIdColumn = "_sluice_load_id";

struct LoadPlan {
  std::string load_id;
  std::string pipeline;
  WriteMode mode = WriteMode::kAppend;
  MergeStrategy merge_strategy = MergeStrategy::kDeleteInsert;
  std::vector<std::string> primary_key;  // normalized column names; required for kMerge
  std::string root_table;                // the source's table (child tables derive from it)
  // Merge only. Several rows with one key in a load: the winner has the highest `dedup_sort`
  // value (lowest if !dedup_sort_descending); rows with NULL there lose to rows with a value;
  // ties and an empty `dedup_sort` go to the row that arrived last.
  std::string dedup_sort;
  bool dedup_sort_descending = true;
  // Merge only. A boolean column: a winning row with TRUE deletes its key (and its child rows)
  // from the target and is not inserted; FALSE or NULL merge normally.
  std::string delete_column;
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

// A table's schema as of a load, stored in _sluice_schemas when it is new.
struct SchemaVersion {
  std::string table;
  std::string version_hash;  // hex digest of `schema_json`
  std::string schema_json;   // {"columns":[{"name":..,"type":..}, ...]}
};

// What the destination records with the data in the commit transaction.
struct LoadRecord {
  int64_t started_at_micros = 0;
  int64_t finished_at_micros = 0;
  std::string source;
  std::map<std::string, uint64_t> rows_per_table;
  uint64_t rows_rejected = 0;
  // Pipeline state that advances with this load.
  std::vector<StateEntry> state;
  // Schemas of the tables the load touched; a destination inserts those whose (table,
  // version_hash) it does not hold yet.
  std::vector<SchemaVersion> schemas;
};

// The interface every destination implements: a transactional batch sink. One load is
//   Begin(plan) -> { CreateTable | AddColumn | WidenColumn | Write | WriteRejects }*
//               -> Commit(record)   or   -> Rollback()
// and everything between Begin and Commit (tables created or altered, data of every table,
// rejected records, the load record, the state) becomes visible atomically, or not at all.
//
// Schema decisions are not the destination's: the schema evolver (schema/) compares each batch
// with the tables' schemas, calls CreateTable/AddColumn/WidenColumn, and hands Write() batches
// whose columns all exist in the table with exactly the table's types (a batch may lack some of
// the table's columns: they are NULL for its rows). It also rejects merge rows with a NULL key
// before they reach the destination.
class Destination : public BatchSink {
 public:
  // Longest identifier the destination accepts, in bytes (0 = no limit); longer names are
  // shortened deterministically before they reach the destination (core/identifiers.h).
  virtual size_t MaxIdentifierBytes() const { return 0; }
  // The tables of `root_table`'s family as committed now: the root and its child tables
  // (names starting with root_table + "__"), each with its columns in order. Columns of a type
  // sluice did not create read as kText.
  virtual std::vector<TableSchema> ReadTables(const std::string& root_table) = 0;
  // Whether a committed column holds any non-NULL value (a text column that only ever held NULLs
  // may still take a first real type).
  virtual bool ColumnHasValues(const std::string& table, const std::string& column) = 0;
  // Most digits before the point among the committed values of an int64 or decimal column
  // (0 when it has none): decides whether a widening to DECIMAL(18,s) or double is exact.
  virtual uint8_t LoadedIntegerDigits(const std::string& table, const std::string& column) = 0;
  // The pipeline's committed state (empty if it never loaded).
  virtual std::vector<StateEntry> ReadState(const std::string& pipeline) = 0;
  // Forgets the pipeline's state (the next run loads everything again); returns entries removed.
  virtual uint64_t ResetState(const std::string& pipeline) = 0;

  virtual void Begin(const LoadPlan& plan) = 0;
  // A table the family does not have yet (the root on a first load, or a new child table).
  virtual void CreateTable(const TableSchema& table) = 0;
  // A new column; rows loaded earlier hold NULL in it.
  virtual void AddColumn(const std::string& table, const ColumnSchema& column) = 0;
  // A wider type for an existing column; every value it holds converts exactly (the evolver
  // only asks for lossless widenings: docs/architecture.md, "Schema evolution").
  virtual void WidenColumn(const std::string& table, const ColumnSchema& column) = 0;
  // Write(Batch&) and WriteRejects() come from BatchSink.
  virtual void Commit(const LoadRecord& record) = 0;
  virtual void Rollback() noexcept = 0;
  // Records a failed load (in its own transaction, after Rollback); best effort.
  virtual void RecordFailure(const LoadRecord& record, const std::string& error) noexcept = 0;
  // A human-readable destination name without credentials.
  virtual std::string Describe() const = 0;
};

// Opens a destination from a URI: duckdb:///relative.duckdb, duckdb:////abs/path.duckdb,
// postgresql://user@host:port/db?schema=s, sqlite:///relative.db, sqlite:////abs/path.db,
// files: file:///dir, s3://bucket/prefix, gs://..., az://... (?format=parquet|csv|jsonl).
std::unique_ptr<Destination> OpenDestination(const std::string& uri);

}  // namespace sluice
