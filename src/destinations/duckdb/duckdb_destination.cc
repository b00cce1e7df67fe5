#include "destinations/duckdb/duckdb_destination.h"

#include <algorithm>
#include <chrono>
#include <regex>
#include <set>
#include <thread>

#include "core/error.h"
#include "core/json_string.h"
#include "core/utf8.h"

namespace sluice {
namespace {

constexpr const char* kSequenceColumn = "_sluice_seq";

DataType DataTypeFromDuckDb(const std::string& sql) {
  if (sql == "BIGINT") return DataType::Of(TypeId::kInt64);
  if (sql == "BOOLEAN") return DataType::Of(TypeId::kBoolean);
  if (sql == "DOUBLE") return DataType::Of(TypeId::kDouble);
  if (sql == "DATE") return DataType::Of(TypeId::kDate);
  if (sql == "TIMESTAMP") return DataType::Of(TypeId::kTimestamp);
  if (sql == "TIMESTAMP WITH TIME ZONE") return DataType::Of(TypeId::kTimestampTz);
  if (sql == "JSON") return DataType::Of(TypeId::kJson);
  if (sql == "BLOB") return DataType::Of(TypeId::kBinary);
  if (sql == "UUID") return DataType::Of(TypeId::kUuid);
  if (sql.rfind("DECIMAL(18,", 0) == 0) {
    return DataType::Decimal(uint8_t(std::stoi(sql.substr(11))));
  }
  // VARCHAR, and any type sluice did not create: treat as text (values are cast to text).
  return DataType::Of(TypeId::kText);
}

std::string ColumnList(const std::vector<std::string>& names, const std::string& prefix = "") {
  std::string out;
  for (size_t i = 0; i < names.size(); i++) {
    if (i) out += ", ";
    out += prefix + QuoteIdentifier(names[i]);
  }
  return out;
}

constexpr const char* kStagingPrefix = "_sluice_stage__";
std::string StagingName(const std::string& table) {
  return kStagingPrefix + table;
}

}  // namespace

DuckDbOptions DuckDbOptions::Parse(const std::string& query) {
  DuckDbOptions options;
  size_t start = 0;
  while (start < query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string::npos) end = query.size();
    const std::string pair = query.substr(start, end - start);
    const size_t eq = pair.find('=');
    const std::string key = pair.substr(0, eq);
    const std::string value = eq == std::string::npos ? "" : pair.substr(eq + 1);
    if (key == "buffer_limit") {
      // Spliced into SET below, so only a plain size is accepted.
      static const std::regex kSize("[0-9]+(\\.[0-9]+)?(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)");
      if (!std::regex_match(value, kSize)) {
        throw UsageError("duckdb buffer_limit '" + value + "' is not a size like 128MB or 2GB");
      }
      options.buffer_limit = value;
    } else if (key == "writers") {
      char* end = nullptr;
      const unsigned long n = std::strtoul(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0' || n > 64) {
        throw UsageError("duckdb writers '" + value + "' is not a number from 0 to 64");
      }
      options.writers = n;
    } else {
      throw UsageError("unknown duckdb destination setting '" + key +
                       "' (known: buffer_limit, writers)");
    }
    start = end + 1;
  }
  return options;
}

std::unique_ptr<DuckDbDestination> DuckDbDestination::Open(const std::string& path,
                                                           DuckDbOptions options) {
  return std::unique_ptr<DuckDbDestination>(
      new DuckDbDestination(std::make_unique<DuckDbConnection>(path), std::move(options)));
}

DuckDbDestination::DuckDbDestination(std::unique_ptr<DuckDbConnection> connection,
                                     DuckDbOptions options)
    : connection_(std::move(connection)), options_(std::move(options)) {}

DuckDbDestination::~DuckDbDestination() {
  if (in_transaction_) Rollback();
}

void DuckDbDestination::EnsureMetadataTables() {
  connection_->Execute(
      "CREATE TABLE IF NOT EXISTS _sluice_loads ("
      "load_id VARCHAR PRIMARY KEY, pipeline VARCHAR, source VARCHAR, mode VARCHAR, "
      "status VARCHAR, started_at TIMESTAMPTZ, finished_at TIMESTAMPTZ, "
      "rows_per_table JSON, rows_rejected BIGINT, error VARCHAR)");
  connection_->Execute(
      "CREATE TABLE IF NOT EXISTS _sluice_state ("
      "pipeline VARCHAR, resource VARCHAR, key VARCHAR, value JSON, load_id VARCHAR, "
      "updated_at TIMESTAMPTZ, PRIMARY KEY (pipeline, resource, key))");
  connection_->Execute(
      "CREATE TABLE IF NOT EXISTS _sluice_rejects ("
      "load_id VARCHAR, table_name VARCHAR, source VARCHAR, line BIGINT, byte_offset BIGINT, "
      "column_name VARCHAR, raw VARCHAR, reason VARCHAR)");
  connection_->Execute(
      "CREATE TABLE IF NOT EXISTS _sluice_schemas ("
      "pipeline VARCHAR, table_name VARCHAR, version_hash VARCHAR, schema JSON, "
      "load_id VARCHAR, created_at TIMESTAMPTZ, PRIMARY KEY (pipeline, table_name, version_hash))");
}

std::vector<StateEntry> DuckDbDestination::ReadState(const std::string& pipeline) {
  std::vector<StateEntry> out;
  if (!TableExists("_sluice_state")) return out;
  for (const auto& row : connection_->Query(
           "SELECT pipeline, resource, key, value::VARCHAR, load_id, updated_at::VARCHAR FROM "
           "_sluice_state WHERE pipeline = ? ORDER BY resource, key",
           {pipeline})) {
    out.push_back(
        {row.values[0], row.values[1], row.values[2], row.values[3], row.values[4], row.values[5]});
  }
  return out;
}

uint64_t DuckDbDestination::ResetState(const std::string& pipeline) {
  const uint64_t n = ReadState(pipeline).size();
  if (n) connection_->ExecuteWithParams("DELETE FROM _sluice_state WHERE pipeline = ?", {pipeline});
  return n;
}

bool DuckDbDestination::TableExists(const std::string& table) {
  const auto rows = connection_->Query(
      "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() AND "
      "schema_name = 'main' AND table_name = ?",
      {table});
  return !rows.empty() && rows[0].values[0] != "0";
}

std::vector<std::string> DuckDbDestination::FamilyTables(const std::string& root) {
  std::vector<std::string> out;
  for (const auto& row : connection_->Query(
           "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND "
           "schema_name = 'main' AND (table_name = ? OR starts_with(table_name, ?)) ORDER BY 1",
           {root, root + "__"})) {
    out.push_back(row.values[0]);
  }
  return out;
}

std::vector<ColumnSchema> DuckDbDestination::ReadColumns(const std::string& table) {
  std::vector<ColumnSchema> columns;
  for (const auto& row : connection_->Query(
           "SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = "
           "current_database() AND schema_name = 'main' AND table_name = ? ORDER BY column_index",
           {table})) {
    columns.push_back({row.values[0], DataTypeFromDuckDb(row.values[1])});
  }
  return columns;
}

std::vector<TableSchema> DuckDbDestination::ReadTables(const std::string& root_table) {
  std::vector<TableSchema> out;
  for (const auto& name : FamilyTables(root_table)) out.push_back({name, ReadColumns(name)});
  return out;
}

bool DuckDbDestination::ColumnHasValues(const std::string& table, const std::string& column) {
  const auto rows = connection_->Query("SELECT count(" + QuoteIdentifier(column) + ") FROM " +
                                       QuoteIdentifier(table));
  return rows.empty() || rows[0].values[0] != "0";
}

uint8_t DuckDbDestination::LoadedIntegerDigits(const std::string& table,
                                               const std::string& column) {
  // Via HUGEINT: abs(INT64_MIN) overflows BIGINT.
  const auto rows =
      connection_->Query("SELECT CAST(trunc(max(abs(CAST(" + QuoteIdentifier(column) +
                         " AS HUGEINT)))) AS HUGEINT)::VARCHAR FROM " + QuoteIdentifier(table));
  if (rows.empty() || rows[0].nulls[0]) return 0;
  return uint8_t(rows[0].values[0].size());
}

void DuckDbDestination::DropStagingTables() {
  // Left behind only by a load that was killed; a DuckDB file has one writer process at a time,
  // so any staging table found here is stale.
  for (const auto& row : connection_->Query(
           "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND "
           "schema_name = 'main' AND starts_with(table_name, ?)",
           {std::string(kStagingPrefix)})) {
    connection_->Execute("DROP TABLE IF EXISTS " + QuoteIdentifier(row.values[0]));
  }
}

void DuckDbDestination::Begin(const LoadPlan& plan) {
  plan_ = plan;
  tables_.clear();
  table_order_.clear();
  EnsureMetadataTables();
  DropStagingTables();
  // Appending to a table family that does not exist yet is replacing nothing: it can take the
  // staged path (parallel writers, flat memory) and still commit atomically.
  staged_ = plan_.mode != WriteMode::kAppend || !TableExists(plan_.root_table);
  connection_->Execute("SET memory_limit = '" + options_.buffer_limit + "'");
  if (!Staged()) {
    connection_->Execute("BEGIN TRANSACTION");
    in_transaction_ = true;
  }
}

DuckDbDestination::TableState& DuckDbDestination::State(const std::string& table) {
  auto it = tables_.find(table);
  if (it != tables_.end()) return it->second;
  TableState& t = tables_[table];
  t.name = table;
  t.columns = ReadColumns(table);
  t.in_target = !t.columns.empty();
  t.write_table = Staged() ? StagingName(table) : table;
  t.stage_created = !Staged() && t.in_target;
  table_order_.push_back(table);
  return t;
}

void DuckDbDestination::CreateWriteTable(TableState& t) {
  std::string ddl = "CREATE TABLE " + QuoteIdentifier(t.write_table) + " (";
  for (size_t i = 0; i < t.columns.size(); i++) {
    ddl +=
        (i ? ", " : "") + QuoteIdentifier(t.columns[i].name) + " " + SqlTypeName(t.columns[i].type);
  }
  // The arrival order decides which row of a key wins a merge.
  if (Staged() && plan_.mode == WriteMode::kMerge) {
    ddl += std::string(t.columns.empty() ? "" : ", ") + kSequenceColumn + " BIGINT";
  }
  if (Staged()) connection_->Execute("DROP TABLE IF EXISTS " + QuoteIdentifier(t.write_table));
  connection_->Execute(ddl + ")");
  t.stage_created = true;
}

void DuckDbDestination::OpenWriteTable(TableState& t) {
  CreateWriteTable(t);
  t.appender = std::make_unique<TableAppender>(connection_->get(), t.write_table);
  if (Staged() && !stage_writers_) {
    const size_t writers =
        options_.writers ? options_.writers : std::max(1u, std::thread::hardware_concurrency());
    stage_writers_ = std::make_unique<StageWriters>(*connection_, writers);
  }
}

void DuckDbDestination::CreateTable(const TableSchema& table) {
  TableState& t = State(table.name);
  t.columns = table.columns;
  t.in_target = false;
  OpenWriteTable(t);
}

void DuckDbDestination::QuiesceWrites(TableState& t) {
  if (t.appender) t.appender->Close();
  if (stage_writers_) stage_writers_->Flush();
}

void DuckDbDestination::AlterTable(TableState& t, const std::string& action) {
  if (t.stage_created) {
    QuiesceWrites(t);
    connection_->Execute("ALTER TABLE " + QuoteIdentifier(t.write_table) + " " + action);
  }
  if (Staged() && t.in_target) t.target_ddl.push_back(action);
}

void DuckDbDestination::AddColumn(const std::string& table, const ColumnSchema& column) {
  TableState& t = State(table);
  t.columns.push_back(column);
  AlterTable(t, "ADD COLUMN " + QuoteIdentifier(column.name) + " " + SqlTypeName(column.type));
}

void DuckDbDestination::WidenColumn(const std::string& table, const ColumnSchema& column) {
  TableState& t = State(table);
  for (auto& c : t.columns) {
    if (c.name == column.name) c.type = column.type;
  }
  // Values convert exactly (the evolver asks only for lossless widenings). JSON needs to_json:
  // a cast would parse text as JSON instead of quoting it.
  const std::string c = QuoteIdentifier(column.name);
  std::string action = "ALTER COLUMN " + c + " SET DATA TYPE " + SqlTypeName(column.type);
  if (column.type.id == TypeId::kJson) action += " USING to_json(" + c + ")";
  AlterTable(t, action);
}

void DuckDbDestination::Write(Batch& batch) {
  TableState& t = State(batch.table);
  if (!t.stage_created) OpenWriteTable(t);
  if (batch.num_rows == 0) return;
  const size_t rows = batch.num_rows;
  const bool merge = plan_.mode == WriteMode::kMerge;
  if (stage_writers_) {
    stage_writers_->Append(t.write_table, std::move(batch), merge ? kSequenceColumn : "",
                           int64_t(t.rows));
  } else {
    if (!t.appender)
      t.appender = std::make_unique<TableAppender>(connection_->get(), t.write_table);
    t.appender->Append(batch, "", int64_t(t.rows));
  }
  t.rows += rows;
}

void DuckDbDestination::WriteRejects(const std::vector<RejectedRecord>& rejects) {
  if (rejects.empty()) return;
  if (!rejects_appender_) {
    std::string target = "_sluice_rejects";
    if (Staged()) {
      // Staged loads write outside the final transaction: rejects wait beside the data.
      target = StagingName(target);
      connection_->Execute("CREATE TABLE " + QuoteIdentifier(target) +
                           " AS SELECT * FROM _sluice_rejects LIMIT 0");
    }
    rejects_appender_ = std::make_unique<TableAppender>(connection_->get(), target);
  }
  Batch b;
  b.table = "_sluice_rejects";
  b.names = {"load_id",     "table_name",  "source", "line",
             "byte_offset", "column_name", "raw",    "reason"};
  const DataType text = DataType::Of(TypeId::kText), i64 = DataType::Of(TypeId::kInt64);
  b.columns = {Column(text), Column(text), Column(text), Column(i64),
               Column(i64),  Column(text), Column(text), Column(text)};
  for (const auto& r : rejects) {
    b.columns[0].AppendString(plan_.load_id);
    b.columns[1].AppendString(r.table);
    b.columns[2].AppendString(EscapeInvalidUtf8(r.source));
    if (r.line) {
      b.columns[3].AppendInt64(int64_t(r.line));
    } else {
      b.columns[3].AppendNull();
    }
    b.columns[4].AppendInt64(int64_t(r.byte_offset));
    if (r.column.empty()) {
      b.columns[5].AppendNull();
    } else {
      b.columns[5].AppendString(EscapeInvalidUtf8(r.column));
    }
    // The raw text of a rejected record is often the very bytes that were not UTF-8.
    b.columns[6].AppendString(EscapeInvalidUtf8(r.raw));
    b.columns[7].AppendString(EscapeInvalidUtf8(r.reason));
  }
  b.num_rows = rejects.size();
  rejects_appender_->Append(b);
}

void DuckDbDestination::ApplyReplace() {
  // DROP + RENAME inside the commit transaction: readers see the old table until COMMIT, then
  // the new one; never an empty or half-filled table. The stage already has every column of
  // the target (the evolver started from the target's schema).
  for (const auto& name : table_order_) {
    TableState& t = tables_[name];
    connection_->Execute("DROP TABLE IF EXISTS " + QuoteIdentifier(t.name));
    connection_->Execute("ALTER TABLE " + QuoteIdentifier(t.write_table) + " RENAME TO " +
                         QuoteIdentifier(t.name));
  }
  // Tables of the family this load wrote nothing to are replaced by nothing: emptied, kept.
  for (const auto& name : FamilyTables(plan_.root_table)) {
    if (!tables_.count(name)) connection_->Execute("DELETE FROM " + QuoteIdentifier(name));
  }
}

std::string DuckDbDestination::ParentTable(const std::string& child,
                                           const std::vector<std::string>& family) const {
  // root__a__b's parent is the longest other family table that prefixes it before a "__".
  std::string best;
  for (const auto& candidate : family) {
    if (candidate.size() + 2 <= child.size() && candidate.size() > best.size() &&
        child.compare(0, candidate.size(), candidate) == 0 &&
        child.compare(candidate.size(), 2, "__") == 0) {
      best = candidate;
    }
  }
  return best;
}

void DuckDbDestination::DeleteMergedDescendants(const TableState& root) {
  // Child ids derive from the parent's id, and a merged root's id from its key, so the rows
  // to delete are the descendants of the root ids in the stage, in every family table that
  // exists (also tables this load has no rows for: an array that became empty). Deepest
  // tables first, while the chain of parents they are found through still exists.
  std::vector<std::string> family;
  for (const auto& name : FamilyTables(plan_.root_table)) {
    for (const auto& c : ReadColumns(name)) {
      if (c.name == "_sluice_parent_id") family.push_back(name);
    }
  }
  if (family.empty()) return;
  family.push_back(plan_.root_table);
  std::vector<std::pair<size_t, std::string>> by_depth;
  for (const auto& table : family) {
    if (table == plan_.root_table) continue;
    size_t depth = 0;
    for (std::string t = table; t != plan_.root_table && !t.empty(); t = ParentTable(t, family)) {
      depth++;
    }
    by_depth.push_back({depth, table});
  }
  std::sort(by_depth.rbegin(), by_depth.rend());
  for (const auto& [depth, table] : by_depth) {
    std::string ids = "SELECT _sluice_id FROM " + QuoteIdentifier(root.write_table);
    std::vector<std::string> chain;
    for (std::string t = ParentTable(table, family); t != plan_.root_table && !t.empty();
         t = ParentTable(t, family)) {
      chain.push_back(t);
    }
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
      ids = "SELECT _sluice_id FROM " + QuoteIdentifier(*it) + " WHERE _sluice_parent_id IN (" +
            ids + ")";
    }
    connection_->Execute("DELETE FROM " + QuoteIdentifier(table) + " WHERE _sluice_parent_id IN (" +
                         ids + ")");
  }
}

void DuckDbDestination::MergeRoot(TableState& t) {
  std::vector<std::string> names;
  for (const auto& c : t.columns) names.push_back(c.name);
  const std::string target = QuoteIdentifier(t.name), stage = QuoteIdentifier(t.write_table);
  std::string match, partition;
  for (const auto& key : plan_.primary_key) {
    const std::string k = QuoteIdentifier(key);
    match += (match.empty() ? "" : " AND ") + target + "." + k + " = _sluice_src." + k;
    partition += (partition.empty() ? "" : ", ") + k;
  }
  std::string order;
  if (!plan_.dedup_sort.empty()) {
    order = QuoteIdentifier(plan_.dedup_sort) +
            (plan_.dedup_sort_descending ? " DESC NULLS LAST, " : " ASC NULLS LAST, ");
  }
  order += std::string(kSequenceColumn) + " DESC";
  const std::string deleted = plan_.delete_column.empty()
                                  ? "false"
                                  : "coalesce(" + QuoteIdentifier(plan_.delete_column) + ", false)";
  // The winning row of each key, and whether it deletes the key.
  const std::string winners = "SELECT " + ColumnList(names) + ", " + deleted +
                              " AS _sluice_deleted FROM " + stage + " QUALIFY row_number() " +
                              "OVER (PARTITION BY " + partition + " ORDER BY " + order + ") = 1";
  connection_->Execute("CREATE TEMP TABLE _sluice_winners AS " + winners);
  if (plan_.merge_strategy == MergeStrategy::kDeleteInsert) {
    connection_->Execute("DELETE FROM " + target + " WHERE EXISTS (SELECT 1 FROM " +
                         "_sluice_winners _sluice_src WHERE " + match + ")");
  } else {
    // Upsert: rows with a key in the load are updated in place, deleted keys removed.
    connection_->Execute("DELETE FROM " + target + " WHERE EXISTS (SELECT 1 FROM " +
                         "_sluice_winners _sluice_src WHERE _sluice_src._sluice_deleted AND " +
                         match + ")");
    std::string set;
    for (const auto& n : names) {
      bool is_key = std::find(plan_.primary_key.begin(), plan_.primary_key.end(), n) !=
                    plan_.primary_key.end();
      if (is_key) continue;
      set +=
          (set.empty() ? "" : ", ") + QuoteIdentifier(n) + " = _sluice_src." + QuoteIdentifier(n);
    }
    if (!set.empty()) {
      connection_->Execute("UPDATE " + target + " SET " + set +
                           " FROM _sluice_winners _sluice_src WHERE NOT _sluice_src._sluice_deleted"
                           " AND " +
                           match);
    }
    std::string still_new;
    for (const auto& key : plan_.primary_key) {
      const std::string k = QuoteIdentifier(key);
      still_new +=
          (still_new.empty() ? "" : " AND ") + target + "." + k + " = _sluice_winners." + k;
    }
    connection_->Execute("DELETE FROM _sluice_winners WHERE EXISTS (SELECT 1 FROM " + target +
                         " WHERE " + still_new + ")");
  }
  connection_->Execute("INSERT INTO " + target + " (" + ColumnList(names) + ") SELECT " +
                       ColumnList(names) + " FROM _sluice_winners WHERE NOT _sluice_deleted");
  connection_->Execute("DROP TABLE _sluice_winners");
}

void DuckDbDestination::MergeChild(TableState& t) {
  // Children of merged parents were deleted by DeleteMergedDescendants; the load's children go
  // in when their parent row is in the merged parent table (not for losing duplicates' extra
  // rows of a deleted key), one row per id (a key repeated in the load repeats its ids).
  std::vector<std::string> names;
  for (const auto& c : t.columns) names.push_back(c.name);
  const std::string parent = ParentTable(t.name, FamilyTables(plan_.root_table));
  connection_->Execute("INSERT INTO " + QuoteIdentifier(t.name) + " (" + ColumnList(names) +
                       ") SELECT " + ColumnList(names) + " FROM " + QuoteIdentifier(t.write_table) +
                       " WHERE _sluice_parent_id IN (SELECT _sluice_id FROM " +
                       QuoteIdentifier(parent) +
                       ") QUALIFY row_number() OVER (PARTITION BY _sluice_id ORDER BY " +
                       kSequenceColumn + " DESC) = 1");
}

void DuckDbDestination::ApplyMerge() {
  for (const auto& name : table_order_) {
    TableState& t = tables_[name];
    if (t.in_target) continue;
    std::string ddl = "CREATE TABLE " + QuoteIdentifier(t.name) + " (";
    for (size_t i = 0; i < t.columns.size(); i++) {
      ddl += (i ? ", " : "") + QuoteIdentifier(t.columns[i].name) + " " +
             SqlTypeName(t.columns[i].type);
    }
    connection_->Execute(ddl + ")");
  }
  auto root = tables_.find(plan_.root_table);
  if (root == tables_.end() || !root->second.stage_created) return;
  DeleteMergedDescendants(root->second);
  MergeRoot(root->second);
  for (const auto& name : table_order_) {
    if (name != plan_.root_table && tables_[name].stage_created) MergeChild(tables_[name]);
  }
  for (const auto& name : table_order_) {
    if (tables_[name].stage_created) {
      connection_->Execute("DROP TABLE " + QuoteIdentifier(tables_[name].write_table));
    }
  }
}

void DuckDbDestination::WriteMetadata(const LoadRecord& record) {
  if (rejects_appender_ && Staged()) {
    const std::string stage = QuoteIdentifier(StagingName("_sluice_rejects"));
    connection_->Execute("INSERT INTO _sluice_rejects SELECT * FROM " + stage);
    connection_->Execute("DROP TABLE " + stage);
  }
  std::string rows_json = "{";
  for (const auto& [table, rows] : record.rows_per_table) {
    if (rows_json.size() > 1) rows_json += ",";
    AppendJsonString(table, &rows_json);
    rows_json += ":" + std::to_string(rows);
  }
  rows_json += "}";
  for (const auto& s : record.state) {
    if (s.value.empty()) {
      connection_->ExecuteWithParams(
          "DELETE FROM _sluice_state WHERE pipeline = ? AND resource = ? AND key = ?",
          {plan_.pipeline, s.resource, s.key});
      continue;
    }
    connection_->ExecuteWithParams(
        "INSERT OR REPLACE INTO _sluice_state VALUES (?, ?, ?, ?::JSON, ?, now())",
        {plan_.pipeline, s.resource, s.key, s.value, plan_.load_id});
  }
  for (const auto& v : record.schemas) {
    connection_->ExecuteWithParams(
        "INSERT OR IGNORE INTO _sluice_schemas VALUES (?, ?, ?, ?::JSON, ?, now())",
        {plan_.pipeline, v.table, v.version_hash, v.schema_json, plan_.load_id});
  }
  connection_->ExecuteWithParams(
      "INSERT INTO _sluice_loads VALUES (?, ?, ?, ?, 'committed', make_timestamptz(?::BIGINT), "
      "make_timestamptz(?::BIGINT), ?, ?::BIGINT, NULL)",
      {plan_.load_id, plan_.pipeline, record.source, WriteModeName(plan_.mode),
       std::to_string(record.started_at_micros), std::to_string(record.finished_at_micros),
       rows_json, std::to_string(record.rows_rejected)});
}

void DuckDbDestination::Commit(const LoadRecord& record) {
  for (auto& [name, t] : tables_) {
    if (t.appender) t.appender->Close();
  }
  if (stage_writers_) {
    stage_writers_->Flush();
    stage_writers_.reset();
  }
  if (rejects_appender_) rejects_appender_->Close();
  connection_->Execute("RESET memory_limit");
  if (!in_transaction_) {
    connection_->Execute("BEGIN TRANSACTION");
    in_transaction_ = true;
  }
  if (Staged()) {
    // Schema changes the load made reach the committed tables now (replace swaps them anyway).
    for (const auto& name : table_order_) {
      TableState& t = tables_[name];
      if (plan_.mode == WriteMode::kReplace || !t.in_target) continue;
      for (const auto& action : t.target_ddl) {
        connection_->Execute("ALTER TABLE " + QuoteIdentifier(t.name) + " " + action);
      }
    }
    for (const auto& name : table_order_) {
      TableState& t = tables_[name];
      if (!t.stage_created) CreateWriteTable(t);  // e.g. only AddColumn, no rows
    }
    if (plan_.mode == WriteMode::kMerge) {
      ApplyMerge();
    } else {
      ApplyReplace();  // replace, or a first append: the stage becomes the table
    }
  }
  WriteMetadata(record);
  connection_->Execute("COMMIT");
  in_transaction_ = false;
  tables_.clear();
  table_order_.clear();
  rejects_appender_.reset();
}

void DuckDbDestination::Rollback() noexcept {
  stage_writers_.reset();
  for (auto& [name, t] : tables_) t.appender.reset();
  rejects_appender_.reset();
  tables_.clear();
  table_order_.clear();
  try {
    if (in_transaction_) {
      in_transaction_ = false;
      connection_->Execute("ROLLBACK");
    }
  } catch (...) {
    // The transaction is already gone (DuckDB aborts it on some errors).
  }
  try {
    DropStagingTables();
  } catch (...) {
    // Best effort: the next load drops stale staging tables first.
  }
}

void DuckDbDestination::RecordFailure(const LoadRecord& record, const std::string& error) noexcept {
  try {
    EnsureMetadataTables();
    connection_->ExecuteWithParams(
        "INSERT INTO _sluice_loads VALUES (?, ?, ?, ?, 'failed', make_timestamptz(?::BIGINT), "
        "make_timestamptz(?::BIGINT), NULL, ?::BIGINT, ?)",
        {plan_.load_id, plan_.pipeline, record.source, WriteModeName(plan_.mode),
         std::to_string(record.started_at_micros), std::to_string(record.finished_at_micros),
         std::to_string(record.rows_rejected), error});
  } catch (...) {
  }
}

}  // namespace sluice
