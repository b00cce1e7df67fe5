#pragma once
// The embedded default destination. A load commits in one DuckDB transaction: tables are created
// and evolved (ADD COLUMN, ALTER TYPE to a wider type) inside it, data arrives through the
// appender, the write disposition is applied, and the _sluice_loads record and rejected rows are
// written before COMMIT. A crash at any point leaves the database as it was before the load.
#include <map>
#include <memory>
#include <string>

#include "destinations/destination.h"
#include "destinations/duckdb/duckdb_connection.h"
#include "destinations/duckdb/stage_writers.h"
#include "destinations/duckdb/table_appender.h"

namespace sluice {

// Settings from the destination URI's query string (duckdb:///x.duckdb?buffer_limit=256MB).
struct DuckDbOptions {
  // DuckDB's memory limit while rows stream in. Blocks DuckDB has already written to the file
  // are evicted beyond it, which keeps the loader's memory flat; queries at commit (merge) run
  // with DuckDB's default limit. A size like 64MB, 1GB.
  std::string buffer_limit = "64MB";
  // Connections appending to staging tables in parallel (replace and merge); 0 = one per core.
  size_t writers = 0;

  // Parses "key=value&key=value"; throws a usage error for unknown keys or bad values.
  static DuckDbOptions Parse(const std::string& query);
};

class DuckDbDestination final : public Destination {
 public:
  static std::unique_ptr<DuckDbDestination> Open(const std::string& path,
                                                 DuckDbOptions options = {});
  ~DuckDbDestination() override;

  std::vector<TableSchema> ReadTables(const std::string& root_table) override;
  bool ColumnHasValues(const std::string& table, const std::string& column) override;
  uint8_t LoadedIntegerDigits(const std::string& table, const std::string& column) override;
  std::vector<StateEntry> ReadState(const std::string& pipeline) override;
  uint64_t ResetState(const std::string& pipeline) override;
  void Begin(const LoadPlan& plan) override;
  void CreateTable(const TableSchema& table) override;
  void AddColumn(const std::string& table, const ColumnSchema& column) override;
  void WidenColumn(const std::string& table, const ColumnSchema& column) override;
  void Write(Batch& batch) override;
  void WriteRejects(const std::vector<RejectedRecord>& rejects) override;
  void Commit(const LoadRecord& record) override;
  void Rollback() noexcept override;
  void RecordFailure(const LoadRecord& record, const std::string& error) noexcept override;
  std::string Describe() const override { return "duckdb:" + connection_->path(); }

 private:
  struct ColumnState {
    std::string name;
    InferredType type;  // int_digits is measured only when a join needs it
  };
  struct TableState {
    std::string name;         // the user-visible table
    std::string write_table;  // where rows are appended (a staging table for merge)
    std::vector<ColumnState> columns;
    std::unique_ptr<TableAppender> appender;
    uint64_t rows = 0;
  };

  DuckDbDestination(std::unique_ptr<DuckDbConnection> connection, DuckDbOptions options);
  // replace and merge load into staging tables outside any transaction (DuckDB's transaction-
  // local storage grows with the rows appended, see docs/architecture.md) and apply them in one
  // short transaction at commit; append loads inside one transaction.
  bool Staged() const;
  bool TableFamilyExists(const std::string& root);
  void DropStagingTables();
  void ReplaceFromStage(TableState& table);
  void DropStaleChildTables();
  void EnsureMetadataTables();
  TableState& PrepareTable(const Batch& batch);
  void ReconcileColumns(TableState& table, Batch& batch);
  void AlterColumnType(const std::string& table, const std::string& column, DataType to);
  bool AllNull(const std::string& table, const std::string& column);
  void CheckMergeKey(const Batch& batch) const;
  // Makes every appended row of the load visible to this connection (before DDL or queries).
  void QuiesceWrites(TableState& table);
  void AlignTargetWithStage(TableState& table);
  void ApplyMerge(TableState& table);
  void DeleteMergedDescendants();
  std::vector<ColumnState> ReadColumns(const std::string& table);
  uint8_t LoadedIntegerDigits(const std::string& table, const ColumnState& column);

  std::unique_ptr<DuckDbConnection> connection_;
  DuckDbOptions options_;
  std::unique_ptr<TableAppender> rejects_appender_;
  std::unique_ptr<StageWriters> stage_writers_;  // staged loads only
  LoadPlan plan_;
  bool in_transaction_ = false;
  bool staged_ = false;  // this load writes staging tables (see Begin)
  std::map<std::string, TableState> tables_;
  std::vector<std::string> table_order_;  // first-written order: parents before children
};

}  // namespace sluice
