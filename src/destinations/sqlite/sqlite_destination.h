#pragma once
// The SQLite destination (sqlite:///path.db). A load is one write transaction on one connection
// in WAL mode: BEGIN IMMEDIATE at Begin (a second loader waits busy_timeout for the first, then
// fails retriably), tables created and evolved inside it, rows inserted through prepared
// statements, the disposition applied, metadata written, COMMIT. Readers on other connections
// see the previous content until COMMIT; a killed load is rolled back by SQLite's WAL recovery.
// Merge stages rows in the connection's TEMP tables, which never reach the database file.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "destinations/destination.h"
#include "destinations/sqlite/sqlite_connection.h"
#include "destinations/sqlite/sqlite_options.h"

namespace sluice {

class SqliteDestination final : public Destination {
 public:
  static std::unique_ptr<SqliteDestination> Open(const std::string& path,
                                                 sqlite::SqliteOptions options = {});
  ~SqliteDestination() override;

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
  std::string Describe() const override { return "sqlite:" + connection_->path(); }

 private:
  struct TableState {
    TableSchema schema;  // as the load's transaction sees it (this load's DDL included)
    std::string stage;   // merge: the TEMP staging table, once rows arrived
    // Prepared INSERTs by the batch's column list (names joined by '\0').
    std::map<std::string, sqlite::Statement> inserts;
  };

  SqliteDestination(std::unique_ptr<sqlite::Connection> connection, sqlite::SqliteOptions options);
  void RequireLoad(const char* operation) const;
  // Columns of a main table in order; empty if it does not exist.
  std::vector<ColumnSchema> ReadColumns(const std::string& table);
  // The load's view of an existing table; throws if there is no such table.
  TableState& Table(const std::string& name);
  std::vector<std::string> FamilyTables(const std::string& root);
  void EnsureMetadataTables();
  void EnsureStage(TableState& table);
  sqlite::Statement& InsertFor(TableState& table, const Batch& batch);
  // Merge at commit (docs/architecture.md, "SQLite destination").
  void ApplyMerge();
  void DeleteDescendants(const std::string& root_ids, const std::vector<std::string>& family);
  void EnsureUniqueKeyIndex(const TableState& table);
  void InsertChildren(TableState& table);
  void WriteMetadata(const LoadRecord& record);
  void DropTempTables() noexcept;
  void EndLoad() noexcept;

  std::unique_ptr<sqlite::Connection> connection_;
  sqlite::SqliteOptions options_;
  LoadPlan plan_;
  bool in_load_ = false;
  std::map<std::string, TableState> tables_;
  std::vector<std::string> staged_;  // merge: tables with a stage, in first-write order
  int64_t next_seq_ = 0;             // merge: arrival order across all of the load's rows
  sqlite::Statement reject_insert_;
  std::vector<char> scratch_;  // per-column buffers for rendered values of one row
};

}  // namespace sluice
