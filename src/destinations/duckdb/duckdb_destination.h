#pragma once
// The embedded default destination. Data arrives through DuckDB's appender (never row SQL); the
// tables the load creates or alters, its data, its rejected rows, its _sluice_loads record, its
// state and schemas become visible in one transaction. A crash at any point leaves the database
// as it was before the load (staging tables left behind are dropped by the next load).
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
  struct TableState {
    std::string name;                   // the user-visible table
    std::string write_table;            // where rows are appended: the table, or its staging table
    std::vector<ColumnSchema> columns;  // as the evolver has shaped them so far
    bool in_target = false;             // the table exists in the committed database
    bool stage_created = false;
    // Staged loads: schema changes to apply to the committed table at commit.
    std::vector<std::string> target_ddl;
    std::unique_ptr<TableAppender> appender;
    uint64_t rows = 0;
  };

  DuckDbDestination(std::unique_ptr<DuckDbConnection> connection, DuckDbOptions options);
  // replace, merge and first appends load into staging tables outside any transaction (DuckDB's
  // transaction-local storage grows with the rows appended, see docs/architecture.md) and apply
  // them in one short transaction at commit; appends to an existing family load inside one
  // transaction.
  bool Staged() const { return staged_; }
  bool TableExists(const std::string& table);
  std::vector<std::string> FamilyTables(const std::string& root);
  void DropStagingTables();
  void EnsureMetadataTables();
  TableState& State(const std::string& table);
  // The table rows are written to (a staging table when staged), with the columns so far.
  void CreateWriteTable(TableState& table);
  // CreateWriteTable plus its appender (and the parallel writers of a staged load).
  void OpenWriteTable(TableState& table);
  // Runs DDL on the table being written now (and, staged, remembers it for the target).
  void AlterTable(TableState& table, const std::string& action);
  // Makes every appended row of the load visible to this connection (before DDL or queries).
  void QuiesceWrites(TableState& table);
  void ApplyReplace();
  void ApplyMerge();
  void MergeRoot(TableState& table);
  void MergeChild(TableState& table);
  void DeleteMergedDescendants(const TableState& root);
  std::string ParentTable(const std::string& child, const std::vector<std::string>& family) const;
  void WriteMetadata(const LoadRecord& record);
  std::vector<ColumnSchema> ReadColumns(const std::string& table);

  std::unique_ptr<DuckDbConnection> connection_;
  DuckDbOptions options_;
  std::unique_ptr<TableAppender> rejects_appender_;
  std::unique_ptr<StageWriters> stage_writers_;  // staged loads only
  LoadPlan plan_;
  bool in_transaction_ = false;
  bool staged_ = false;  // this load writes staging tables (see Begin)
  std::map<std::string, TableState> tables_;
  std::vector<std::string> table_order_;  // first-touched order: parents before children
};

}  // namespace sluice
