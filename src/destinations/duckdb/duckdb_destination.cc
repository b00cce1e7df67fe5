#include "destinations/duckdb/duckdb_destination.h"

#include <algorithm>
#include <chrono>
#include <regex>
#include <set>
#include <thread>

#include "core/error.h"
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
}

bool DuckDbDestination::Staged() const {
  return staged_;
}

std::vector<StateEntry> DuckDbDestination::ReadState(const std::string& pipeline) {
  std::vector<StateEntry> out;
  const auto exists = connection_->Query(
      "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() AND "
      "schema_name = 'main' AND table_name = '_sluice_state'");
  if (exists.empty() || exists[0].values[0] == "0") return out;
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

std::vector<TableSchema> DuckDbDestination::ReadTables(const std::string& root_table) {
  std::vector<TableSchema> out;
  const auto tables = connection_->Query(
      "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND "
      "schema_name = 'main' AND (table_name = ? OR starts_with(table_name, ?)) ORDER BY 1",
      {root_table, root_table + "__"});
  for (const auto& t : tables) {
    TableSchema table{t.values[0], {}};
    for (const auto& c : ReadColumns(table.name)) table.columns.push_back({c.name, c.type.type});
    out.push_back(std::move(table));
  }
  return out;
}

bool DuckDbDestination::ColumnHasValues(const std::string& table, const std::string& column) {
  return !AllNull(table, column);
}

uint8_t DuckDbDestination::LoadedIntegerDigits(const std::string& table,
                                               const std::string& column) {
  return LoadedIntegerDigits(table, ColumnState{column, {}});
}

void DuckDbDestination::CreateTable(const TableSchema&) {}
void DuckDbDestination::AddColumn(const std::string&, const ColumnSchema&) {}
void DuckDbDestination::WidenColumn(const std::string&, const ColumnSchema&) {}

bool DuckDbDestination::TableFamilyExists(const std::string& root) {
  const auto rows = connection_->Query(
      "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() AND "
      "schema_name = 'main' AND (table_name = ? OR starts_with(table_name, ?))",
      {root, root + "__"});
  return !rows.empty() && rows[0].values[0] != "0";
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
  staged_ = plan_.mode != WriteMode::kAppend || !TableFamilyExists(plan_.root_table);
  connection_->Execute("SET memory_limit = '" + options_.buffer_limit + "'");
  if (!Staged()) {
    connection_->Execute("BEGIN TRANSACTION");
    in_transaction_ = true;
  }
}

std::vector<DuckDbDestination::ColumnState> DuckDbDestination::ReadColumns(
    const std::string& table) {
  std::vector<ColumnState> columns;
  for (const auto& row : connection_->Query(
           "SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = "
           "current_database() AND schema_name = 'main' AND table_name = ? ORDER BY column_index",
           {table})) {
    ColumnState c;
    c.name = row.values[0];
    c.type.type = DataTypeFromDuckDb(row.values[1]);
    columns.push_back(std::move(c));
  }
  return columns;
}

uint8_t DuckDbDestination::LoadedIntegerDigits(const std::string& table,
                                               const ColumnState& column) {
  // Via HUGEINT: abs(INT64_MIN) overflows BIGINT.
  const auto rows =
      connection_->Query("SELECT CAST(trunc(max(abs(CAST(" + QuoteIdentifier(column.name) +
                         " AS HUGEINT)))) AS HUGEINT)::VARCHAR FROM " + QuoteIdentifier(table));
  if (rows.empty() || rows[0].nulls[0]) return 0;
  return uint8_t(rows[0].values[0].size());
}

DuckDbDestination::TableState& DuckDbDestination::PrepareTable(const Batch& batch) {
  auto it = tables_.find(batch.table);
  if (it != tables_.end()) return it->second;
  TableState& t = tables_[batch.table];
  t.name = batch.table;
  table_order_.push_back(batch.table);
  const bool merge = plan_.mode == WriteMode::kMerge;
  if (Staged()) {
    t.write_table = StagingName(t.name);
    connection_->Execute("DROP TABLE IF EXISTS " + QuoteIdentifier(t.write_table));
  } else {
    t.write_table = t.name;
    t.columns = ReadColumns(t.name);
  }
  if (t.columns.empty()) {
    // Create with the batch's columns; ReconcileColumns then finds nothing to add.
    std::string ddl = "CREATE TABLE " + QuoteIdentifier(t.write_table) + " (";
    for (size_t i = 0; i < batch.names.size(); i++) {
      if (i) ddl += ", ";
      ddl += QuoteIdentifier(batch.names[i]) + " " + SqlTypeName(batch.columns[i].type());
      t.columns.push_back({batch.names[i], {batch.columns[i].type(), 0}});
    }
    if (merge) ddl += std::string(", ") + kSequenceColumn + " BIGINT";
    connection_->Execute(ddl + ")");
  }
  t.appender = std::make_unique<TableAppender>(connection_->get(), t.write_table);
  if (Staged() && !stage_writers_) {
    const size_t writers =
        options_.writers ? options_.writers : std::max(1u, std::thread::hardware_concurrency());
    stage_writers_ = std::make_unique<StageWriters>(*connection_, writers);
  }
  return t;
}

void DuckDbDestination::QuiesceWrites(TableState& t) {
  t.appender->Close();
  if (stage_writers_) stage_writers_->Flush();
}

bool DuckDbDestination::AllNull(const std::string& table, const std::string& column) {
  const auto rows = connection_->Query("SELECT count(" + QuoteIdentifier(column) + ") FROM " +
                                       QuoteIdentifier(table));
  return !rows.empty() && rows[0].values[0] == "0";
}

void DuckDbDestination::AlterColumnType(const std::string& table, const std::string& column,
                                        DataType to) {
  // Earlier rows hold narrower values; DuckDB casts them exactly (text renders canonically).
  // JSON needs to_json: a cast would parse text as JSON instead of quoting it.
  const std::string c = QuoteIdentifier(column);
  std::string sql = "ALTER TABLE " + QuoteIdentifier(table) + " ALTER COLUMN " + c +
                    " SET DATA TYPE " + SqlTypeName(to);
  if (to.id == TypeId::kJson) sql += " USING to_json(" + c + ")";
  connection_->Execute(sql);
}

void DuckDbDestination::ReconcileColumns(TableState& t, Batch& batch) {
  for (size_t i = 0; i < batch.names.size(); i++) {
    Column& col = batch.columns[i];
    auto it = std::find_if(t.columns.begin(), t.columns.end(),
                           [&](const ColumnState& c) { return c.name == batch.names[i]; });
    if (it == t.columns.end()) {
      QuiesceWrites(t);
      connection_->Execute("ALTER TABLE " + QuoteIdentifier(t.write_table) + " ADD COLUMN " +
                           QuoteIdentifier(batch.names[i]) + " " + SqlTypeName(col.type()));
      t.columns.push_back({batch.names[i], {col.type(), 0}});
      continue;
    }
    if (it->type.type == col.type()) continue;  // the common case: nothing to scan
    if (it->type.type.id == TypeId::kText && col.type().id != TypeId::kText &&
        col.type().id != TypeId::kNull) {
      // A text column that only ever held NULLs (created before any typed value arrived, maybe
      // by an earlier load) takes the first real type instead of forcing everything to text.
      QuiesceWrites(t);
      if (AllNull(t.write_table, it->name)) it->type = {DataType::Of(TypeId::kNull)};
    }
    // Integer digits decide whether int64/decimal still fit DECIMAL(18); they are only needed
    // here, so they are measured here (the loaded rows are asked for after a flush).
    const InferredType incoming{col.type(), col.IntegerDigits()};
    if (it->type.type.id == TypeId::kInt64 || it->type.type.id == TypeId::kDecimal) {
      QuiesceWrites(t);
      it->type.int_digits = LoadedIntegerDigits(t.write_table, *it);
    }
    const InferredType joined = Join(it->type, incoming);
    if (joined.type != it->type.type) {
      QuiesceWrites(t);
      AlterColumnType(t.write_table, it->name, joined.type);
    }
    it->type = joined;
    if (joined.type != col.type()) col = col.CastTo(joined.type);
  }
}

void DuckDbDestination::CheckMergeKey(const Batch& batch) const {
  if (plan_.mode != WriteMode::kMerge || batch.table != plan_.root_table) return;
  for (const auto& key : plan_.primary_key) {
    if (batch.FindColumn(key) < 0) {
      std::string have;
      for (const auto& n : batch.names) have += (have.empty() ? "" : ", ") + n;
      throw UsageError("--primary-key column '" + key + "' is not in the data for table '" +
                       batch.table + "' (columns: " + have + ")");
    }
  }
}

void DuckDbDestination::Write(Batch& batch) {
  // Every batch is checked: a later file without the key must not merge as NULL keys.
  CheckMergeKey(batch);
  // A batch without rows (a header-only file) still creates the table with its columns.
  TableState& t = PrepareTable(batch);
  if (batch.num_rows == 0) return;
  ReconcileColumns(t, batch);
  const bool merge = plan_.mode == WriteMode::kMerge;
  const size_t rows = batch.num_rows;
  if (stage_writers_) {
    stage_writers_->Append(t.write_table, std::move(batch), merge ? kSequenceColumn : "",
                           int64_t(t.rows));
  } else {
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

void DuckDbDestination::AlignTargetWithStage(TableState& t) {
  std::vector<ColumnState> target = ReadColumns(t.name);
  if (target.empty()) {
    std::string ddl = "CREATE TABLE " + QuoteIdentifier(t.name) + " (";
    for (size_t i = 0; i < t.columns.size(); i++) {
      ddl += (i ? ", " : "") + QuoteIdentifier(t.columns[i].name) + " " +
             SqlTypeName(t.columns[i].type.type);
    }
    connection_->Execute(ddl + ")");
    return;
  }
  for (auto& staged : t.columns) {
    auto it = std::find_if(target.begin(), target.end(),
                           [&](const ColumnState& c) { return c.name == staged.name; });
    if (it == target.end()) {
      connection_->Execute("ALTER TABLE " + QuoteIdentifier(t.name) + " ADD COLUMN " +
                           QuoteIdentifier(staged.name) + " " + SqlTypeName(staged.type.type));
      continue;
    }
    if (it->type.type == staged.type.type) continue;
    if (it->type.type.id == TypeId::kText && AllNull(t.name, it->name)) {
      it->type = {DataType::Of(TypeId::kNull)};
    }
    if (it->type.type.id == TypeId::kInt64 || it->type.type.id == TypeId::kDecimal) {
      it->type.int_digits = LoadedIntegerDigits(t.name, *it);
    }
    if (staged.type.type.id == TypeId::kInt64 || staged.type.type.id == TypeId::kDecimal) {
      staged.type.int_digits = LoadedIntegerDigits(t.write_table, staged);
    }
    const InferredType joined = Join(it->type, staged.type);
    if (joined.type != it->type.type) AlterColumnType(t.name, it->name, joined.type);
    // The stage too: keys are compared and rows copied with one type on both sides.
    if (joined.type != staged.type.type) AlterColumnType(t.write_table, staged.name, joined.type);
    staged.type = joined;
  }
}

void DuckDbDestination::ApplyMerge(TableState& t) {
  AlignTargetWithStage(t);
  std::vector<std::string> names;
  for (const auto& c : t.columns) names.push_back(c.name);
  const std::string target = QuoteIdentifier(t.name), stage = QuoteIdentifier(t.write_table);
  const bool is_root = t.name == plan_.root_table;
  if (is_root) {
    std::string match, partition;
    for (const auto& key : plan_.primary_key) {
      const std::string k = QuoteIdentifier(key);
      match += (match.empty() ? "" : " AND ") + target + "." + k +
               " IS NOT DISTINCT FROM _sluice_src." + k;
      partition += (partition.empty() ? "" : ", ") + k;
    }
    connection_->Execute("DELETE FROM " + target + " WHERE EXISTS (SELECT 1 FROM " + stage +
                         " _sluice_src WHERE " + match + ")");
    connection_->Execute("INSERT INTO " + target + " (" + ColumnList(names) + ") SELECT " +
                         ColumnList(names) + " FROM " + stage + " QUALIFY row_number() OVER " +
                         "(PARTITION BY " + partition + " ORDER BY " + kSequenceColumn +
                         " DESC) = 1");
  } else {
    // Children of merged parents were deleted by DeleteMergedDescendants; the load's children
    // go in, one row per id (a key repeated in the load repeats its children's ids).
    connection_->Execute("INSERT INTO " + target + " (" + ColumnList(names) + ") SELECT " +
                         ColumnList(names) + " FROM " + stage + " QUALIFY row_number() OVER " +
                         "(PARTITION BY _sluice_id ORDER BY " + kSequenceColumn + " DESC) = 1");
  }
}

void DuckDbDestination::DeleteMergedDescendants() {
  // Child ids derive from the parent's id, and a merged root's id from its key, so the rows
  // to delete are the descendants of the root ids in the stage, in every family table that
  // exists (also tables this load has no rows for: an array that became empty). Deepest
  // tables first, while the chain of parents they are found through still exists.
  auto it = tables_.find(plan_.root_table);
  if (it == tables_.end()) return;
  const auto family = connection_->Query(
      "SELECT DISTINCT table_name FROM duckdb_columns() WHERE database_name = current_database() "
      "AND schema_name = 'main' AND column_name = '_sluice_parent_id' AND "
      "starts_with(table_name, ?)",
      {plan_.root_table + "__"});
  std::vector<std::string> tables;
  for (const auto& row : family) tables.push_back(row.values[0]);
  auto depth = [](const std::string& name) {
    size_t n = 0;
    for (size_t p = name.find("__"); p != std::string::npos; p = name.find("__", p + 2)) n++;
    return n;
  };
  std::sort(tables.begin(), tables.end(),
            [&](const std::string& a, const std::string& b) { return depth(a) > depth(b); });
  const std::set<std::string> existing(tables.begin(), tables.end());
  for (const auto& table : tables) {
    // Ancestor chain below the root: root__a__b -> [root__a, root__a__b].
    std::string ids = "SELECT _sluice_id FROM " + QuoteIdentifier(it->second.write_table);
    bool reachable = true;
    for (size_t p = table.find("__", plan_.root_table.size() + 2); p != std::string::npos;
         p = table.find("__", p + 2)) {
      const std::string ancestor = table.substr(0, p);
      if (!existing.count(ancestor)) {
        reachable = false;
        break;
      }
      ids = "SELECT _sluice_id FROM " + QuoteIdentifier(ancestor) +
            " WHERE _sluice_parent_id IN (" + ids + ")";
    }
    if (!reachable) continue;
    connection_->Execute("DELETE FROM " + QuoteIdentifier(table) + " WHERE _sluice_parent_id IN (" +
                         ids + ")");
  }
}

void DuckDbDestination::ReplaceFromStage(TableState& t) {
  // DROP + RENAME inside the commit transaction: readers see the old table until COMMIT, then
  // the new one; never an empty or half-filled table.
  connection_->Execute("DROP TABLE IF EXISTS " + QuoteIdentifier(t.name));
  connection_->Execute("ALTER TABLE " + QuoteIdentifier(t.write_table) + " RENAME TO " +
                       QuoteIdentifier(t.name));
}

void DuckDbDestination::DropStaleChildTables() {
  // Replacing a parent replaces its whole family: child tables that this load did not produce
  // (e.g. every array was empty) would otherwise keep rows of parents that no longer exist.
  for (const auto& row : connection_->Query(
           "SELECT DISTINCT table_name FROM duckdb_columns() WHERE database_name = "
           "current_database() AND schema_name = 'main' AND column_name = '_sluice_parent_id' "
           "AND starts_with(table_name, ?)",
           {plan_.root_table + "__"})) {
    if (!tables_.count(row.values[0])) {
      connection_->Execute("DROP TABLE " + QuoteIdentifier(row.values[0]));
    }
  }
}

void DuckDbDestination::Commit(const LoadRecord& record) {
  for (const auto& name : table_order_) tables_[name].appender->Close();
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
  if (plan_.mode == WriteMode::kReplace) {
    for (const auto& name : table_order_) ReplaceFromStage(tables_[name]);
    if (!tables_.count(plan_.root_table) && TableFamilyExists(plan_.root_table)) {
      // The input had no records at all: the replaced table is empty, with its columns kept.
      const auto rows = connection_->Query(
          "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() AND "
          "schema_name = 'main' AND table_name = ?",
          {plan_.root_table});
      if (!rows.empty() && rows[0].values[0] != "0") {
        connection_->Execute("DELETE FROM " + QuoteIdentifier(plan_.root_table));
      }
    }
    DropStaleChildTables();
  } else if (plan_.mode == WriteMode::kAppend && staged_) {
    for (const auto& name : table_order_) ReplaceFromStage(tables_[name]);
  } else if (plan_.mode == WriteMode::kMerge) {
    DeleteMergedDescendants();
    for (const auto& name : table_order_) ApplyMerge(tables_[name]);
    for (const auto& name : table_order_) {
      connection_->Execute("DROP TABLE " + QuoteIdentifier(tables_[name].write_table));
    }
  }
  if (rejects_appender_ && Staged()) {
    const std::string stage = QuoteIdentifier(StagingName("_sluice_rejects"));
    connection_->Execute("INSERT INTO _sluice_rejects SELECT * FROM " + stage);
    connection_->Execute("DROP TABLE " + stage);
  }
  std::string rows_json = "{";
  for (const auto& [table, rows] : record.rows_per_table) {
    if (rows_json.size() > 1) rows_json += ",";
    rows_json += "\"" + table + "\":" + std::to_string(rows);  // names are normalized identifiers
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
  connection_->ExecuteWithParams(
      "INSERT INTO _sluice_loads VALUES (?, ?, ?, ?, 'committed', make_timestamptz(?::BIGINT), "
      "make_timestamptz(?::BIGINT), ?, ?::BIGINT, NULL)",
      {plan_.load_id, plan_.pipeline, record.source, WriteModeName(plan_.mode),
       std::to_string(record.started_at_micros), std::to_string(record.finished_at_micros),
       rows_json, std::to_string(record.rows_rejected)});
  connection_->Execute("COMMIT");
  in_transaction_ = false;
  tables_.clear();
  rejects_appender_.reset();
}

void DuckDbDestination::Rollback() noexcept {
  stage_writers_.reset();
  for (auto& [name, t] : tables_) t.appender.reset();
  rejects_appender_.reset();
  tables_.clear();
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
