#include "destinations/sqlite/sqlite_destination.h"

#include <algorithm>
#include <chrono>
#include <set>

#include "core/error.h"
#include "core/json_string.h"
#include "core/utf8.h"
#include "destinations/sqlite/sqlite_table_rebuild.h"
#include "destinations/sqlite/sqlite_types.h"

namespace sluice {

using sqlite::MainTable;
using sqlite::QuoteIdentifier;
using sqlite::Statement;

namespace {

constexpr const char* kSequenceColumn = "_sluice_seq";
constexpr const char* kStagePrefix = "_sluice_stage__";
constexpr const char* kWinnersPrefix = "_sluice_winners__";
constexpr const char* kIdColumn = "_sluice_id";
constexpr const char* kParentIdColumn = "_sluice_parent_id";

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

std::string TempTable(const std::string& name) {
  return "temp." + QuoteIdentifier(name);
}

std::string ColumnList(const std::vector<std::string>& names, const std::string& prefix = "") {
  std::string out;
  for (size_t i = 0; i < names.size(); i++) {
    out += (i ? ", " : "") + prefix + QuoteIdentifier(names[i]);
  }
  return out;
}

std::vector<std::string> Names(const TableSchema& schema) {
  std::vector<std::string> names;
  for (const auto& c : schema.columns) names.push_back(c.name);
  return names;
}

// Nesting depth of a family table: root = 0, root__a = 1, root__a__b = 2.
size_t Depth(const std::string& root, const std::string& table) {
  size_t n = 0;
  for (size_t p = table.find("__", root.size()); p != std::string::npos;
       p = table.find("__", p + 2)) {
    n++;
  }
  return n;
}

std::string StoredTimestampTz(int64_t micros) {
  char buf[40];
  return std::string(buf, sqlite::FormatStoredTimestamp(micros, true, buf));
}

std::string NowStored() {
  return StoredTimestampTz(std::chrono::duration_cast<std::chrono::microseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count());
}

}  // namespace

std::unique_ptr<SqliteDestination> SqliteDestination::Open(const std::string& path,
                                                           sqlite::SqliteOptions options) {
  auto connection = std::make_unique<sqlite::Connection>(path);
  sqlite3* db = connection->get();
  sqlite3_busy_timeout(db, options.busy_timeout_ms);
  // "name" must always be an identifier: with this misfeature on, a quoted name that matches no
  // column silently becomes a string literal.
  sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DML, 0, nullptr);
  // WAL: readers keep seeing the last commit while a load writes, and a killed load's frames are
  // ignored at the next open. Persistent in the file.
  const std::string mode = connection->QueryText("PRAGMA journal_mode = WAL");
  if (mode != "wal") {
    throw DestinationError("sqlite: cannot switch '" + path + "' to WAL journal mode (got '" +
                           mode + "'); WAL needs a local file system");
  }
  connection->Execute("PRAGMA synchronous = " + options.synchronous);
  connection->Execute("PRAGMA cache_size = -" + std::to_string(int64_t(options.cache_mb) * 1024));
  // A large load grows the WAL; truncate it back after the checkpoint that follows the commit.
  connection->Execute("PRAGMA journal_size_limit = 67108864");
  sqlite::RegisterWidenFunction(db);
  return std::unique_ptr<SqliteDestination>(
      new SqliteDestination(std::move(connection), std::move(options)));
}

SqliteDestination::SqliteDestination(std::unique_ptr<sqlite::Connection> connection,
                                     sqlite::SqliteOptions options)
    : connection_(std::move(connection)), options_(std::move(options)) {}

SqliteDestination::~SqliteDestination() {
  if (in_load_) Rollback();
}

void SqliteDestination::RequireLoad(const char* operation) const {
  if (!in_load_) {
    throw Error(ErrorKind::kInternal,
                std::string("sqlite destination: ") + operation + " outside a load (Begin first)");
  }
}

// ---------------------------------------------------------------------------------------------
// Reading what is there

std::vector<ColumnSchema> SqliteDestination::ReadColumns(const std::string& table) {
  std::vector<ColumnSchema> columns;
  Statement s =
      connection_->Prepare("SELECT name, type FROM pragma_table_info(?, 'main') ORDER BY cid");
  s.BindText(1, table);
  while (s.Step()) {
    columns.push_back({std::string(s.ColumnText(0)), sqlite::TypeFromDeclared(s.ColumnText(1))});
  }
  return columns;
}

std::vector<std::string> SqliteDestination::FamilyTables(const std::string& root) {
  // Filtered here, byte for byte: LIKE would treat '_' as a wildcard and fold case.
  std::vector<std::string> out;
  Statement s = connection_->Prepare(
      "SELECT name FROM main.sqlite_schema WHERE type = 'table' ORDER BY name");
  while (s.Step()) {
    const std::string_view name = s.ColumnText(0);
    if (StartsWith(name, "_sluice_")) continue;
    if (name == root || StartsWith(name, root + "__")) out.emplace_back(name);
  }
  return out;
}

std::vector<TableSchema> SqliteDestination::ReadTables(const std::string& root_table) {
  std::vector<TableSchema> out;
  for (const auto& name : FamilyTables(root_table)) {
    out.push_back({name, ReadColumns(name)});
  }
  return out;
}

bool SqliteDestination::ColumnHasValues(const std::string& table, const std::string& column) {
  // The table as the next statement would see it: during a merge load the staged rows count too.
  std::vector<std::string> sources;
  if (connection_->TableExists(table)) sources.push_back(MainTable(table));
  if (auto it = tables_.find(table); in_load_ && it != tables_.end() && !it->second.stage.empty()) {
    sources.push_back(TempTable(it->second.stage));
  }
  for (const auto& from : sources) {
    if (connection_->QueryText("SELECT EXISTS (SELECT 1 FROM " + from + " WHERE " +
                               QuoteIdentifier(column) + " IS NOT NULL)") == "1") {
      return true;
    }
  }
  return false;
}

uint8_t SqliteDestination::LoadedIntegerDigits(const std::string& table,
                                               const std::string& column) {
  // int64 is stored as INTEGER, decimal as canonical text: the digits before the point of the
  // text form, without the sign (abs() would overflow on INT64_MIN).
  const std::string text = "CAST(" + QuoteIdentifier(column) + " AS TEXT)";
  const std::string digits =
      "max(length(ltrim(substr(" + text + ", 1, instr(" + text + " || '.', '.') - 1), '-')))";
  std::vector<std::string> sources;
  if (connection_->TableExists(table)) sources.push_back(MainTable(table));
  if (auto it = tables_.find(table); in_load_ && it != tables_.end() && !it->second.stage.empty()) {
    sources.push_back(TempTable(it->second.stage));
  }
  int most = 0;
  for (const auto& from : sources) {
    const std::string v = connection_->QueryText("SELECT " + digits + " FROM " + from);
    if (!v.empty()) most = std::max(most, std::stoi(v));
  }
  return uint8_t(most);
}

std::vector<StateEntry> SqliteDestination::ReadState(const std::string& pipeline) {
  std::vector<StateEntry> out;
  if (!connection_->TableExists("_sluice_state")) return out;
  Statement s = connection_->Prepare(
      "SELECT pipeline, resource, \"key\", value, load_id, updated_at FROM main._sluice_state "
      "WHERE pipeline = ? ORDER BY resource, \"key\"");
  s.BindText(1, pipeline);
  while (s.Step()) {
    StateEntry e;
    e.pipeline = s.ColumnText(0);
    e.resource = s.ColumnText(1);
    e.key = s.ColumnText(2);
    e.value = s.ColumnText(3);
    e.load_id = s.ColumnText(4);
    e.updated_at = s.ColumnText(5);
    out.push_back(std::move(e));
  }
  return out;
}

uint64_t SqliteDestination::ResetState(const std::string& pipeline) {
  if (!connection_->TableExists("_sluice_state")) return 0;
  Statement s = connection_->Prepare("DELETE FROM main._sluice_state WHERE pipeline = ?");
  s.BindText(1, pipeline);
  s.Run();
  return uint64_t(sqlite3_changes64(connection_->get()));
}

// ---------------------------------------------------------------------------------------------
// The load

void SqliteDestination::EnsureMetadataTables() {
  connection_->Execute(
      "CREATE TABLE IF NOT EXISTS main._sluice_loads (load_id TEXT PRIMARY KEY, pipeline TEXT, "
      "source TEXT, mode TEXT, status TEXT, started_at TIMESTAMPTZ_TEXT, "
      "finished_at TIMESTAMPTZ_TEXT, rows_per_table JSON_TEXT, rows_rejected BIGINT, "
      "error TEXT);"
      "CREATE TABLE IF NOT EXISTS main._sluice_rejects (load_id TEXT, table_name TEXT, "
      "source TEXT, line BIGINT, byte_offset BIGINT, column_name TEXT, raw TEXT, reason TEXT);"
      "CREATE TABLE IF NOT EXISTS main._sluice_state (pipeline TEXT, resource TEXT, "
      "\"key\" TEXT, value JSON_TEXT, load_id TEXT, updated_at TIMESTAMPTZ_TEXT, "
      "PRIMARY KEY (pipeline, resource, \"key\"));"
      "CREATE TABLE IF NOT EXISTS main._sluice_schemas (pipeline TEXT, table_name TEXT, "
      "version_hash TEXT, schema JSON_TEXT, load_id TEXT, created_at TIMESTAMPTZ_TEXT, "
      "PRIMARY KEY (pipeline, table_name, version_hash))");
}

void SqliteDestination::Begin(const LoadPlan& plan) {
  if (in_load_) throw Error(ErrorKind::kInternal, "sqlite destination: Begin inside a load");
  if (plan.mode == WriteMode::kMerge && plan.primary_key.empty()) {
    throw UsageError("--mode merge needs --primary-key");
  }
  plan_ = plan;
  tables_.clear();
  staged_.clear();
  next_seq_ = 0;
  // IMMEDIATE takes the write lock now: a concurrent loader waits here (busy_timeout) instead
  // of both reading and then failing to upgrade, and fails with a retriable error if it must.
  connection_->Execute("BEGIN IMMEDIATE");
  in_load_ = true;
  try {
    DropTempTables();  // staging tables of this connection's previous load
    EnsureMetadataTables();
    if (plan_.mode == WriteMode::kReplace) {
      // The whole family, also tables this load will not write to; the schema stays. Other
      // connections keep reading the old rows until COMMIT.
      for (const auto& name : FamilyTables(plan_.root_table)) {
        connection_->Execute("DELETE FROM " + MainTable(name));
      }
    }
  } catch (...) {
    Rollback();
    throw;
  }
}

SqliteDestination::TableState& SqliteDestination::Table(const std::string& name) {
  auto it = tables_.find(name);
  if (it != tables_.end()) return it->second;
  std::vector<ColumnSchema> columns = ReadColumns(name);
  if (columns.empty()) {
    throw Error(ErrorKind::kInternal,
                "sqlite destination: table '" + name + "' does not exist (CreateTable first)");
  }
  TableState& t = tables_[name];
  t.schema = {name, std::move(columns)};
  return t;
}

void SqliteDestination::CreateTable(const TableSchema& table) {
  RequireLoad("CreateTable");
  if (table.columns.empty()) {
    throw Error(ErrorKind::kInternal,
                "sqlite destination: table '" + table.name + "' has no columns");
  }
  std::string ddl = "CREATE TABLE " + MainTable(table.name) + " (";
  for (size_t i = 0; i < table.columns.size(); i++) {
    ddl += (i ? ", " : "") + QuoteIdentifier(table.columns[i].name) + " " +
           sqlite::DeclaredType(table.columns[i].type);
  }
  connection_->Execute(ddl + ")");
  TableState& t = tables_[table.name];
  t = TableState{};
  t.schema = table;
  // kNull columns are TEXT columns from now on, as ReadTables will say.
  for (auto& c : t.schema.columns) {
    if (c.type.id == TypeId::kNull) c.type = DataType::Of(TypeId::kText);
  }
}

void SqliteDestination::AddColumn(const std::string& table, const ColumnSchema& column) {
  RequireLoad("AddColumn");
  TableState& t = Table(table);
  ColumnSchema added = column;
  if (added.type.id == TypeId::kNull) added.type = DataType::Of(TypeId::kText);
  connection_->Execute("ALTER TABLE " + MainTable(table) + " ADD COLUMN " +
                       QuoteIdentifier(added.name) + " " + sqlite::DeclaredType(added.type));
  t.schema.columns.push_back(added);
  if (!t.stage.empty()) {
    connection_->Execute("ALTER TABLE " + TempTable(t.stage) + " ADD COLUMN " +
                         QuoteIdentifier(added.name));
  }
}

void SqliteDestination::WidenColumn(const std::string& table, const ColumnSchema& column) {
  RequireLoad("WidenColumn");
  TableState& t = Table(table);
  const int index = t.schema.FindColumn(column.name);
  if (index < 0) {
    throw Error(ErrorKind::kInternal, "sqlite destination: WidenColumn of a missing column '" +
                                          column.name + "' in '" + table + "'");
  }
  const DataType from = t.schema.columns[size_t(index)].type;
  if (from == column.type) return;
  t.inserts.clear();  // the table is about to be dropped and recreated
  sqlite::RebuildWithColumnType(*connection_, t.schema, size_t(index), column.type);
  if (!t.stage.empty()) {
    // The stage has no declared types: convert its values to the new stored form in place.
    const std::string q = QuoteIdentifier(column.name);
    connection_->Execute("UPDATE " + TempTable(t.stage) + " SET " + q + " = " +
                         sqlite::WidenExpression(q, from, column.type) + " WHERE " + q +
                         " IS NOT NULL");
  }
  t.schema.columns[size_t(index)].type = column.type;
}

void SqliteDestination::EnsureStage(TableState& t) {
  if (!t.stage.empty()) return;
  // Untyped columns (no affinity): values stay exactly as bound, in the target's stored form.
  const std::string stage = kStagePrefix + t.schema.name;
  connection_->Execute("DROP TABLE IF EXISTS " + TempTable(stage));
  connection_->Execute("CREATE TEMP TABLE " + QuoteIdentifier(stage) + " (" +
                       ColumnList(Names(t.schema)) + ", " + kSequenceColumn +
                       " INTEGER PRIMARY KEY)");
  t.stage = stage;
  staged_.push_back(t.schema.name);
}

Statement& SqliteDestination::InsertFor(TableState& t, const Batch& batch) {
  std::string key;
  for (const auto& n : batch.names) {
    key += n;
    key += '\0';
  }
  auto it = t.inserts.find(key);
  if (it != t.inserts.end()) return it->second;
  const bool staged = !t.stage.empty();
  std::string sql = "INSERT INTO " + (staged ? TempTable(t.stage) : MainTable(t.schema.name)) +
                    " (" + ColumnList(batch.names);
  if (staged) sql += std::string(batch.names.empty() ? "" : ", ") + kSequenceColumn;
  sql += ") VALUES (";
  const size_t params = batch.names.size() + (staged ? 1 : 0);
  for (size_t i = 0; i < params; i++) sql += i ? ", ?" : "?";
  sql += ")";
  return t.inserts.emplace(key, connection_->Prepare(sql, /*persistent=*/true)).first->second;
}

void SqliteDestination::Write(Batch& batch) {
  RequireLoad("Write");
  TableState& t = Table(batch.table);
  if (batch.num_rows == 0 || batch.names.empty()) return;
  // The evolver's promise, checked once per batch: a wrong stored form would be silent.
  for (size_t i = 0; i < batch.names.size(); i++) {
    const int c = t.schema.FindColumn(batch.names[i]);
    const DataType have = batch.columns[i].type();
    if (c < 0 || (have != t.schema.columns[size_t(c)].type && have.id != TypeId::kNull)) {
      throw Error(
          ErrorKind::kInternal,
          "sqlite destination: batch column '" + batch.names[i] + "' (" + TypeName(have) +
              ") does not match table '" + batch.table + "' (" +
              (c < 0 ? std::string("no such column") : TypeName(t.schema.columns[size_t(c)].type)) +
              ")");
    }
  }
  if (plan_.mode == WriteMode::kMerge) EnsureStage(t);
  Statement& insert = InsertFor(t, batch);
  sqlite3_stmt* stmt = insert.get();
  const size_t ncols = batch.names.size();
  scratch_.resize(ncols * sqlite::kScratchBytes);
  const bool staged = !t.stage.empty();
  for (size_t row = 0; row < batch.num_rows; row++) {
    for (size_t c = 0; c < ncols; c++) {
      const sqlite::StoredValue v =
          sqlite::EncodeValue(batch.columns[c], row, scratch_.data() + c * sqlite::kScratchBytes);
      sqlite::BindStoredValue(stmt, int(c + 1), v);
    }
    if (staged) sqlite3_bind_int64(stmt, int(ncols + 1), next_seq_++);
    const int rc = sqlite3_step(stmt);
    if (rc != SQLITE_DONE) {
      try {
        sqlite::ThrowSqliteError(connection_->get(), rc, "inserting into '" + batch.table + "'");
      } catch (...) {
        sqlite3_reset(stmt);
        throw;
      }
    }
    sqlite3_reset(stmt);
  }
}

void SqliteDestination::WriteRejects(const std::vector<RejectedRecord>& rejects) {
  RequireLoad("WriteRejects");
  if (rejects.empty()) return;
  if (!reject_insert_) {
    reject_insert_ = connection_->Prepare(
        "INSERT INTO main._sluice_rejects (load_id, table_name, source, line, byte_offset, "
        "column_name, raw, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        true);
  }
  Statement& s = reject_insert_;
  for (const auto& r : rejects) {
    // The raw text of a rejected record is often the very bytes that were not UTF-8.
    s.BindText(1, plan_.load_id);
    s.BindText(2, EscapeInvalidUtf8(r.table));
    s.BindText(3, EscapeInvalidUtf8(r.source));
    if (r.line) {
      s.BindInt64(4, int64_t(r.line));
    } else {
      s.BindNull(4);
    }
    s.BindInt64(5, int64_t(r.byte_offset));
    if (r.column.empty()) {
      s.BindNull(6);
    } else {
      s.BindText(6, EscapeInvalidUtf8(r.column));
    }
    s.BindText(7, EscapeInvalidUtf8(r.raw));
    s.BindText(8, EscapeInvalidUtf8(r.reason));
    s.Run();
  }
}

// ---------------------------------------------------------------------------------------------
// Merge

void SqliteDestination::EnsureUniqueKeyIndex(const TableState& t) {
  const std::set<std::string> key(plan_.primary_key.begin(), plan_.primary_key.end());
  // Any unique, non-partial index on exactly the key columns can back ON CONFLICT.
  Statement list = connection_->Prepare(
      "SELECT name FROM pragma_index_list(?, 'main') WHERE \"unique\" = 1 AND partial = 0");
  list.BindText(1, t.schema.name);
  while (list.Step()) {
    Statement info = connection_->Prepare("SELECT name FROM pragma_index_info(?, 'main')");
    info.BindText(1, list.ColumnText(0));
    std::set<std::string> columns;
    size_t n = 0;
    while (info.Step()) {
      columns.emplace(info.ColumnText(0));
      n++;
    }
    if (n == key.size() && columns == key) return;
  }
  std::string name = "_sluice_key__" + t.schema.name;
  for (const auto& k : plan_.primary_key) name += "__" + k;
  try {
    connection_->Execute("CREATE UNIQUE INDEX main." + QuoteIdentifier(name) + " ON " +
                         QuoteIdentifier(t.schema.name) + " (" + ColumnList(plan_.primary_key) +
                         ")");
  } catch (const Error&) {
    if ((sqlite3_extended_errcode(connection_->get()) & 0xff) != SQLITE_CONSTRAINT) throw;
    std::string key_list;
    for (const auto& k : plan_.primary_key) key_list += (key_list.empty() ? "" : ", ") + k;
    throw DestinationError("table '" + t.schema.name + "' has rows with the same key (" + key_list +
                           "), so the unique index an upsert needs cannot be built; use "
                           "--merge-strategy delete-insert (or remove the duplicates)");
  }
}

void SqliteDestination::DeleteDescendants(const std::string& root_ids,
                                          const std::vector<std::string>& family) {
  // Every existing child table, deepest first, while the chain of parents its rows are found
  // through still exists. root__a__b's rows to delete: parent ids among the ids of root__a's
  // rows whose parent ids are among `root_ids`.
  const std::string& root = plan_.root_table;
  std::vector<std::string> children;
  for (const auto& name : family) {
    if (name != root && Table(name).schema.FindColumn(kParentIdColumn) >= 0) {
      children.push_back(name);
    }
  }
  std::stable_sort(children.begin(), children.end(),
                   [&](const auto& a, const auto& b) { return Depth(root, a) > Depth(root, b); });
  const std::set<std::string> existing(family.begin(), family.end());
  for (const auto& table : children) {
    std::string ids = root_ids;
    bool reachable = true;
    for (size_t p = table.find("__", root.size() + 2); p != std::string::npos;
         p = table.find("__", p + 2)) {
      const std::string ancestor = table.substr(0, p);
      if (!existing.count(ancestor) || Table(ancestor).schema.FindColumn(kIdColumn) < 0) {
        reachable = false;
        break;
      }
      ids = "SELECT _sluice_id FROM " + MainTable(ancestor) + " WHERE _sluice_parent_id IN (" +
            ids + ")";
    }
    if (!reachable) continue;
    connection_->Execute("DELETE FROM " + MainTable(table) + " WHERE _sluice_parent_id IN (" + ids +
                         ")");
  }
}

void SqliteDestination::InsertChildren(TableState& t) {
  // The load's rows whose parent is in the (already merged) parent table, one per _sluice_id,
  // the last to arrive winning. Children of hard-deleted or missing parents do not land.
  const std::string& name = t.schema.name;
  const std::string stage = TempTable(t.stage);
  std::string where = "true";
  if (t.schema.FindColumn(kIdColumn) >= 0) {
    where = std::string(kSequenceColumn) + " IN (SELECT " + kSequenceColumn + " FROM (SELECT " +
            kSequenceColumn + ", row_number() OVER (PARTITION BY _sluice_id ORDER BY " +
            kSequenceColumn + " DESC) AS _sluice_rn FROM " + stage + ") WHERE _sluice_rn = 1)";
  }
  const size_t cut = name.rfind("__");
  if (t.schema.FindColumn(kParentIdColumn) >= 0 && cut != std::string::npos &&
      cut >= plan_.root_table.size()) {
    const std::string parent = name.substr(0, cut);
    if (!connection_->TableExists(parent) || Table(parent).schema.FindColumn(kIdColumn) < 0) {
      return;  // no parents, so no children
    }
    where += " AND _sluice_parent_id IN (SELECT _sluice_id FROM " + MainTable(parent) + ")";
  }
  const std::string cols = ColumnList(Names(t.schema));
  connection_->Execute("INSERT INTO " + MainTable(name) + " (" + cols + ") SELECT " + cols +
                       " FROM " + stage + " WHERE " + where + " ORDER BY " + kSequenceColumn);
}

void SqliteDestination::ApplyMerge() {
  const std::string& root = plan_.root_table;
  const std::vector<std::string> family = FamilyTables(root);
  auto rit = tables_.find(root);
  if (rit != tables_.end() && !rit->second.stage.empty()) {
    TableState& r = rit->second;
    auto require = [&](const std::string& column, const char* option) {
      if (r.schema.FindColumn(column) < 0) {
        throw UsageError(std::string(option) + " column '" + column + "' is not in table '" + root +
                         "'");
      }
    };
    for (const auto& k : plan_.primary_key) require(k, "--primary-key");
    if (!plan_.dedup_sort.empty()) require(plan_.dedup_sort, "dedup sort");
    if (!plan_.delete_column.empty()) require(plan_.delete_column, "delete");

    const std::string stage = TempTable(r.stage);
    const std::string keys = ColumnList(plan_.primary_key);
    const std::string stage_keys = ColumnList(plan_.primary_key, "s.");
    const std::string target = MainTable(root);

    // 1. One winner per key: highest (lowest) dedup_sort, NULLs losing, then the last arrival.
    // Only the winners' sequence numbers are sorted and kept (narrow rows sort fast); their rows
    // are then read from the stage by rowid, in arrival order.
    std::string order;
    if (!plan_.dedup_sort.empty()) {
      const DataType type = r.schema.columns[size_t(r.schema.FindColumn(plan_.dedup_sort))].type;
      std::string sort_key = QuoteIdentifier(plan_.dedup_sort);
      // Decimals are canonical text with a fixed scale: without the point they are the unscaled
      // integer, which orders exactly (text would put "10.00" before "9.00").
      if (type.id == TypeId::kDecimal) {
        sort_key = "CAST(replace(" + sort_key + ", '.', '') AS INTEGER)";
      }
      order = sort_key + (plan_.dedup_sort_descending ? " DESC" : " ASC") + " NULLS LAST, ";
    }
    order += std::string(kSequenceColumn) + " DESC";
    const std::string winners = TempTable(kWinnersPrefix + root);
    connection_->Execute("DROP TABLE IF EXISTS " + winners);
    connection_->Execute("CREATE TABLE " + winners + " (" + kSequenceColumn +
                         " INTEGER PRIMARY KEY)");
    connection_->Execute("INSERT INTO " + winners + " SELECT " + kSequenceColumn +
                         " FROM (SELECT " + kSequenceColumn + ", row_number() OVER (PARTITION BY " +
                         keys + " ORDER BY " + order + ") AS _sluice_rn FROM " + stage +
                         ") WHERE _sluice_rn = 1");
    // CROSS JOIN keeps the winners table as the outer loop: rows come in arrival order.
    const std::string winner_rows = winners + " AS w CROSS JOIN " + stage + " AS s ON s." +
                                    kSequenceColumn + " = w." + kSequenceColumn;
    const std::string deleted = plan_.delete_column.empty()
                                    ? "false"
                                    : "s." + QuoteIdentifier(plan_.delete_column) + " IS 1";

    // 2. Children of every key in the load go first, found through the target's root rows.
    if (r.schema.FindColumn(kIdColumn) >= 0) {
      DeleteDescendants("SELECT _sluice_id FROM " + target + " WHERE (" + keys + ") IN (SELECT " +
                            keys + " FROM " + stage + ")",
                        family);
    }

    // 3. The root.
    const std::string cols = ColumnList(Names(r.schema));
    const std::string insert = "INSERT INTO " + target + " (" + cols + ") SELECT " +
                               ColumnList(Names(r.schema), "s.") + " FROM " + winner_rows +
                               " WHERE NOT (" + deleted + ") ORDER BY w." + kSequenceColumn;
    if (plan_.merge_strategy == MergeStrategy::kDeleteInsert) {
      connection_->Execute("DELETE FROM " + target + " WHERE (" + keys + ") IN (SELECT " + keys +
                           " FROM " + stage + ")");
      connection_->Execute(insert);
    } else {
      EnsureUniqueKeyIndex(r);
      if (!plan_.delete_column.empty()) {
        connection_->Execute("DELETE FROM " + target + " WHERE (" + keys + ") IN (SELECT " +
                             stage_keys + " FROM " + winner_rows + " WHERE " + deleted + ")");
      }
      std::string set;
      for (const auto& c : r.schema.columns) {
        if (std::find(plan_.primary_key.begin(), plan_.primary_key.end(), c.name) !=
            plan_.primary_key.end()) {
          continue;
        }
        const std::string q = QuoteIdentifier(c.name);
        set += (set.empty() ? "" : ", ") + q + " = excluded." + q;
      }
      connection_->Execute(insert + " ON CONFLICT (" + keys + ") DO " +
                           (set.empty() ? "NOTHING" : "UPDATE SET " + set));
    }
  }

  // 4. The load's child rows, parents first.
  std::vector<std::string> children;
  for (const auto& name : staged_) {
    if (name != root) children.push_back(name);
  }
  std::stable_sort(children.begin(), children.end(),
                   [&](const auto& a, const auto& b) { return Depth(root, a) < Depth(root, b); });
  for (const auto& name : children) InsertChildren(tables_.at(name));
}

// ---------------------------------------------------------------------------------------------
// Commit, rollback

void SqliteDestination::WriteMetadata(const LoadRecord& record) {
  const std::string now = NowStored();
  for (const auto& s : record.state) {
    const std::string& pipeline = s.pipeline.empty() ? plan_.pipeline : s.pipeline;
    if (s.value.empty()) {
      Statement del = connection_->Prepare(
          "DELETE FROM main._sluice_state WHERE pipeline = ? AND resource = ? AND \"key\" = ?");
      del.BindText(1, pipeline);
      del.BindText(2, s.resource);
      del.BindText(3, s.key);
      del.Run();
      continue;
    }
    Statement up = connection_->Prepare(
        "INSERT INTO main._sluice_state (pipeline, resource, \"key\", value, load_id, "
        "updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (pipeline, resource, \"key\") DO "
        "UPDATE SET value = excluded.value, load_id = excluded.load_id, "
        "updated_at = excluded.updated_at");
    up.BindText(1, pipeline);
    up.BindText(2, s.resource);
    up.BindText(3, s.key);
    up.BindText(4, s.value);
    up.BindText(5, plan_.load_id);
    up.BindText(6, now);
    up.Run();
  }
  for (const auto& v : record.schemas) {
    Statement ins = connection_->Prepare(
        "INSERT INTO main._sluice_schemas (pipeline, table_name, version_hash, schema, load_id, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING");
    ins.BindText(1, plan_.pipeline);
    ins.BindText(2, v.table);
    ins.BindText(3, v.version_hash);
    ins.BindText(4, v.schema_json);
    ins.BindText(5, plan_.load_id);
    ins.BindText(6, now);
    ins.Run();
  }
  std::string rows_json = "{";
  for (const auto& [table, rows] : record.rows_per_table) {
    if (rows_json.size() > 1) rows_json += ",";
    AppendJsonString(EscapeInvalidUtf8(table), &rows_json);
    rows_json += ":" + std::to_string(rows);
  }
  rows_json += "}";
  Statement load = connection_->Prepare(
      "INSERT INTO main._sluice_loads (load_id, pipeline, source, mode, status, started_at, "
      "finished_at, rows_per_table, rows_rejected, error) VALUES (?, ?, ?, ?, 'committed', ?, ?, "
      "?, ?, NULL)");
  load.BindText(1, plan_.load_id);
  load.BindText(2, plan_.pipeline);
  load.BindText(3, EscapeInvalidUtf8(record.source));
  load.BindText(4, WriteModeName(plan_.mode));
  load.BindText(5, StoredTimestampTz(record.started_at_micros));
  load.BindText(6, StoredTimestampTz(record.finished_at_micros));
  load.BindText(7, rows_json);
  load.BindInt64(8, int64_t(record.rows_rejected));
  load.Run();
}

void SqliteDestination::Commit(const LoadRecord& record) {
  RequireLoad("Commit");
  if (plan_.mode == WriteMode::kMerge) ApplyMerge();
  WriteMetadata(record);
  // Statements are finalized before COMMIT. The TEMP staging tables are not dropped here (that
  // costs as much as writing a tenth of them again): they live in the connection's own temporary
  // file, which SQLite deletes when the connection closes, and the next Begin drops them.
  tables_.clear();
  reject_insert_ = Statement();
  connection_->Execute("COMMIT");
  EndLoad();
}

void SqliteDestination::DropTempTables() noexcept {
  try {
    std::vector<std::string> names;
    {
      Statement s = connection_->Prepare(
          "SELECT name FROM temp.sqlite_schema WHERE type = 'table' AND "
          "substr(name, 1, 8) = '_sluice_'");
      while (s.Step()) names.emplace_back(s.ColumnText(0));
    }
    for (const auto& n : names) connection_->Execute("DROP TABLE IF EXISTS " + TempTable(n));
  } catch (...) {
    // Best effort: TEMP tables die with the connection anyway.
  }
}

void SqliteDestination::EndLoad() noexcept {
  tables_.clear();
  staged_.clear();
  reject_insert_ = Statement();
  in_load_ = false;
}

void SqliteDestination::Rollback() noexcept {
  // Statements first: an unfinished one would keep the transaction's tables busy.
  tables_.clear();
  reject_insert_ = Statement();
  try {
    if (connection_->InTransaction()) connection_->Execute("ROLLBACK");
  } catch (...) {
    // SQLite has already rolled back (some errors end the transaction themselves).
  }
  DropTempTables();
  EndLoad();
}

void SqliteDestination::RecordFailure(const LoadRecord& record, const std::string& error) noexcept {
  try {
    if (connection_->InTransaction()) connection_->Execute("ROLLBACK");
    connection_->Execute("BEGIN IMMEDIATE");
    EnsureMetadataTables();
    Statement s = connection_->Prepare(
        "INSERT INTO main._sluice_loads (load_id, pipeline, source, mode, status, started_at, "
        "finished_at, rows_per_table, rows_rejected, error) VALUES (?, ?, ?, ?, 'failed', ?, ?, "
        "NULL, ?, ?) ON CONFLICT (load_id) DO NOTHING");
    s.BindText(1, plan_.load_id);
    s.BindText(2, plan_.pipeline);
    s.BindText(3, EscapeInvalidUtf8(record.source));
    s.BindText(4, WriteModeName(plan_.mode));
    s.BindText(5, StoredTimestampTz(record.started_at_micros));
    s.BindText(6, StoredTimestampTz(record.finished_at_micros));
    s.BindInt64(7, int64_t(record.rows_rejected));
    s.BindText(8, EscapeInvalidUtf8(error));
    s.Run();
    s = Statement();
    connection_->Execute("COMMIT");
  } catch (...) {
    try {
      if (connection_->InTransaction()) connection_->Execute("ROLLBACK");
    } catch (...) {
    }
  }
}

}  // namespace sluice
