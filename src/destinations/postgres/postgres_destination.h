#pragma once
// The PostgreSQL destination (docs/architecture.md, "PostgreSQL destination"). Rows arrive via
// COPY ... FROM STDIN (FORMAT binary); everything a load changes (tables created or altered, the
// data of every table, rejects, _sluice_loads, _sluice_state, _sluice_schemas) becomes visible in
// one transaction on the main connection. How a table's rows get there depends on the mode:
// - append to an existing table: COPY straight into it inside the main transaction;
// - a table the load creates (append, replace): a new table that a pool of COPY connections
//   fills in parallel (append with copy_connections=1: created and COPY ... FREEZE'd inside the
//   main transaction instead), renamed into place at commit;
// - replace of an existing table nothing is attached to (no indexes, grants, views, ...): a new
//   table filled by the COPY connections takes its place at commit (DROP + RENAME);
// - replace of any other existing table, and every merge: an UNLOGGED staging table filled by
//   the COPY connections, applied at commit (TRUNCATE + INSERT ... SELECT, or the merge).
// A load holds an advisory lock on its staging tables' id; Begin drops staging tables whose
// lock is free (their loader died), never those of a loader that is still running.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "destinations/destination.h"
#include "destinations/postgres/copy_writers.h"
#include "destinations/postgres/pg_catalog.h"
#include "destinations/postgres/pg_connection.h"
#include "destinations/postgres/postgres_uri.h"

namespace sluice {

class PostgresDestination final : public Destination {
 public:
  // Connects (postgresql://... or postgres://...; see PostgresUri). Throws a usage error for a
  // bad URI and a destination error if the server cannot be reached.
  static std::unique_ptr<PostgresDestination> Open(const std::string& uri);
  ~PostgresDestination() override;

  size_t MaxIdentifierBytes() const override { return 63; }
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
  std::string Describe() const override { return description_; }

  const std::string& schema() const { return uri_.schema; }

 private:
  // How a table's rows reach it (see the file comment).
  enum class Route {
    kDirect,    // COPY into the target inside the main transaction
    kNewTable,  // a new (logged) table filled by the COPY connections, renamed at commit
    kStage,     // an UNLOGGED staging table, applied to the target at commit
    // replace of an existing table that nothing hangs on (IsPlainTable): a new table filled by
    // the COPY connections takes the target's place at commit (DROP + RENAME); if something was
    // attached to the target meanwhile, it is applied like kStage instead
    kSwap,
  };
  struct TableState {
    std::string name;
    Route route = Route::kDirect;
    bool existed = false;  // the target existed when the load first touched it
    // Columns as the load's batches carry them (sluice types), in table order.
    std::vector<ColumnSchema> columns;
    // PostgreSQL type of each target column that existed before the load (for casts at commit).
    std::map<std::string, std::string> target_types;
    std::string stage;                    // kNewTable / kStage: the table COPY fills
    std::vector<std::string> target_ddl;  // kStage: ALTERs for the target, run at commit
    std::shared_ptr<const CopyTarget> copy;
    uint64_t rows = 0;  // rows written so far: the next row's sequence number
  };

  PostgresDestination(PostgresUri uri, std::unique_ptr<PgConnection> main);

  // The main connection, idle: COPYs it runs for direct tables are ended first.
  PgConnection& Main();
  // A connection for DDL on staging tables (outside the main transaction), COPYs ended.
  PgConnection& StageDdl();
  void EnsureMainTransaction();
  CopyWriters& StageWriters();
  CopyWriters& MainWriter();
  void FlushWriters();
  void EnsureMetadataTables();

  std::string Table(const std::string& name) const { return QualifiedName(uri_.schema, name); }
  // The state of `table`, reading the existing target's columns on first touch.
  TableState& Touch(const std::string& table);
  Route ChooseRoute(const std::string& table, bool exists, bool native, bool plain) const;
  void CreateStage(TableState& t, bool unlogged);
  void RefreshCopyTarget(TableState& t);
  // ALTER TABLE `relation` ... on `connection` for the table's route.
  void AlterForRoute(TableState& t, const std::string& alter_clause);
  // SELECT list reading the stage as the target's column types.
  std::string StageSelectList(const TableState& t, const std::string& alias) const;
  std::string ColumnList(const TableState& t) const;

  // Commit steps.
  void ApplyTargetDdl(TableState& t);
  void CreateTargetFromStage(TableState& t);
  void InsertFromStage(TableState& t);
  void CommitReplace();
  void CommitMerge();
  void MergeRoot(TableState& root, bool has_children);
  void MergeChild(TableState& child);
  void DeleteMergedDescendants(TableState& root, const std::vector<std::string>& children);
  void EnsureUniqueKeyIndex(TableState& root);
  void WriteLoadRecord(const LoadRecord& record);
  void ResetLoad() noexcept;

  PostgresUri uri_;
  std::string description_;
  std::unique_ptr<PgConnection> main_;
  std::vector<std::unique_ptr<PgConnection>> copy_connections_;
  std::unique_ptr<CopyWriters> stage_writers_;  // over copy_connections_
  std::unique_ptr<CopyWriters> main_writer_;    // over main_, for kDirect tables

  LoadPlan plan_;
  bool in_load_ = false;
  bool in_transaction_ = false;  // the main transaction is open
  uint32_t stage_id_ = 0;        // 0: no id claimed
  size_t next_stage_ = 0;
  std::map<std::string, TableState> tables_;
  std::vector<std::string> table_order_;  // first-touched order: parents before children
};

}  // namespace sluice
