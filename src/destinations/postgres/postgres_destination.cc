#include "destinations/postgres/postgres_destination.h"

#include <algorithm>
#include <set>

#include "core/error.h"
#include "core/identifiers.h"
#include "core/json_string.h"
#include "core/utf8.h"
#include "destinations/postgres/copy_binary_writer.h"
#include "destinations/postgres/pg_staging.h"

namespace sluice {
namespace {

constexpr const char* kSequenceColumn = "_sluice_seq";
constexpr const char* kRejectsTable = "_sluice_rejects";
constexpr const char* kWinners = "pg_temp._sluice_winners";
constexpr const char* kMergedIds = "pg_temp._sluice_merged_ids";

DataType Stored(DataType type) {
  // A column that never saw a value is text (as in every destination).
  return type.id == TypeId::kNull ? DataType::Of(TypeId::kText) : type;
}

std::string Join(const std::vector<std::string>& parts, const std::string& separator) {
  std::string out;
  for (size_t i = 0; i < parts.size(); i++) out += (i ? separator : "") + parts[i];
  return out;
}

std::string Quoted(const std::vector<std::string>& names, const std::string& prefix = "") {
  std::vector<std::string> q;
  for (const auto& n : names) q.push_back(prefix + QuoteIdentifier(n));
  return Join(q, ", ");
}

std::string ColumnDefinitions(const std::vector<ColumnSchema>& columns) {
  std::vector<std::string> defs;
  for (const auto& c : columns) defs.push_back(QuoteIdentifier(c.name) + " " + PgTypeName(c.type));
  return Join(defs, ", ");
}

// "micros since 1970" as an exact timestamptz expression over a bigint parameter.
std::string MicrosToTimestamp(const std::string& param) {
  return "('epoch'::timestamptz + " + param + "::bigint * interval '1 microsecond')";
}

bool HasColumn(const std::vector<ColumnSchema>& columns, const std::string& name) {
  return std::any_of(columns.begin(), columns.end(),
                     [&](const ColumnSchema& c) { return c.name == name; });
}

}  // namespace

std::unique_ptr<PostgresDestination> PostgresDestination::Open(const std::string& uri) {
  PostgresUri parsed = PostgresUri::Parse(uri);
  auto main = PgConnection::Connect(parsed);
  return std::unique_ptr<PostgresDestination>(
      new PostgresDestination(std::move(parsed), std::move(main)));
}

PostgresDestination::PostgresDestination(PostgresUri uri, std::unique_ptr<PgConnection> main)
    : uri_(std::move(uri)), main_(std::move(main)) {
  description_ = main_->Describe();
  if (uri_.schema != "public") description_ += "?schema=" + uri_.schema;
}

PostgresDestination::~PostgresDestination() {
  if (in_load_) Rollback();
}

// --- connections ----------------------------------------------------------------------------

PgConnection& PostgresDestination::Main() {
  if (main_writer_) main_writer_->Flush();
  if (!main_ || !main_->ok()) {
    if (in_load_) {
      // The load's transaction and its staging lock went with the session: never carry on
      // with a new one.
      throw Error(ErrorKind::kDestination,
                  "PostgreSQL " + description_ + ": the connection was lost during the load",
                  /*retriable=*/true);
    }
    main_.reset();
    main_ = PgConnection::Connect(uri_);
  }
  return *main_;
}

CopyWriters& PostgresDestination::StageWriters() {
  if (!stage_writers_) {
    std::vector<PgConnection*> connections;
    for (size_t i = 0; i < uri_.copy_connections; i++) {
      copy_connections_.push_back(PgConnection::Connect(uri_));
      // Staging rows only matter if the main transaction commits, and its commit record comes
      // after theirs in the WAL: waiting for each COPY's flush would buy nothing.
      copy_connections_.back()->Execute("SET synchronous_commit = off");
      connections.push_back(copy_connections_.back().get());
    }
    stage_writers_ = std::make_unique<CopyWriters>(connections);
  }
  return *stage_writers_;
}

CopyWriters& PostgresDestination::MainWriter() {
  if (!main_writer_) main_writer_ = std::make_unique<CopyWriters>(std::vector{main_.get()});
  return *main_writer_;
}

PgConnection& PostgresDestination::StageDdl() {
  StageWriters().Flush();
  return *copy_connections_[0];
}

void PostgresDestination::FlushWriters() {
  if (main_writer_) main_writer_->Flush();
  if (stage_writers_) stage_writers_->Flush();
}

void PostgresDestination::EnsureMainTransaction() {
  if (in_transaction_) return;
  Main().Execute("BEGIN");
  in_transaction_ = true;
}

void PostgresDestination::EnsureMetadataTables() {
  PgConnection& m = Main();
  const std::string schema = uri_.schema;
  const std::vector<std::pair<std::string, std::string>> tables = {
      {"_sluice_loads",
       "load_id text PRIMARY KEY, pipeline text, source text, mode text, status text, "
       "started_at timestamptz, finished_at timestamptz, rows_per_table json, "
       "rows_rejected bigint, error text"},
      {"_sluice_state",
       "pipeline text, resource text, key text, value json, load_id text, "
       "updated_at timestamptz, PRIMARY KEY (pipeline, resource, key)"},
      {kRejectsTable,
       "load_id text, table_name text, source text, line bigint, byte_offset bigint, "
       "column_name text, raw text, reason text"},
      {"_sluice_schemas",
       "pipeline text, table_name text, version_hash text, schema json, load_id text, "
       "created_at timestamptz, PRIMARY KEY (pipeline, table_name, version_hash)"},
  };
  // Only what is missing is created (a loader may lack CREATE on an existing schema), under a
  // transaction-level lock so concurrent first loads do not race on the catalog.
  auto missing = [&] {
    std::string names;
    for (const auto& t : tables) names += (names.empty() ? "" : ",") + t.first;
    return m.QueryValue(
        "SELECT (SELECT count(*) FROM pg_namespace WHERE nspname = $1)::text || ':' || "
        "(SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = $1 AND c.relname = ANY (string_to_array($2, ',')))::text",
        {schema, names});
  };
  if (missing() == "1:" + std::to_string(tables.size())) return;
  m.Execute("BEGIN");
  try {
    m.QueryValue("SELECT pg_advisory_xact_lock(" + std::to_string(kStageLockClass) + ", 0)");
    if (m.QueryValue("SELECT count(*) FROM pg_namespace WHERE nspname = $1", {schema}) == "0") {
      m.Execute("CREATE SCHEMA " + QuoteIdentifier(schema));
    }
    for (const auto& [name, columns] : tables) {
      m.Execute("CREATE TABLE IF NOT EXISTS " + Table(name) + " (" + columns + ")");
    }
    m.Execute("COMMIT");
  } catch (...) {
    try {
      if (m.InTransaction()) m.Execute("ROLLBACK");
    } catch (...) {
    }
    throw;
  }
}

// --- reading ------------------------------------------------------------------------------------

std::vector<TableSchema> PostgresDestination::ReadTables(const std::string& root_table) {
  PgConnection& m = Main();
  std::vector<TableSchema> out;
  for (const auto& name : ListFamily(m, uri_.schema, root_table)) {
    const auto columns = ReadColumns(m, uri_.schema, name);
    if (!columns) continue;  // dropped meanwhile
    TableSchema table{name, {}};
    for (const auto& c : *columns) table.columns.push_back({c.name, c.type});
    out.push_back(std::move(table));
  }
  return out;
}

bool PostgresDestination::ColumnHasValues(const std::string& table, const std::string& column) {
  return Main().QueryValue("SELECT EXISTS (SELECT 1 FROM " + Table(table) + " WHERE " +
                           QuoteIdentifier(column) + " IS NOT NULL)") == "t";
}

uint8_t PostgresDestination::LoadedIntegerDigits(const std::string& table,
                                                 const std::string& column) {
  const std::string c = QuoteIdentifier(column);
  const std::string digits =
      Main().QueryValue("SELECT length(trunc(greatest(abs(max(" + c + ")::numeric), abs(min(" + c +
                        ")::numeric)))::text) FROM " + Table(table));
  return digits.empty() ? 0 : uint8_t(std::stoi(digits));
}

std::vector<StateEntry> PostgresDestination::ReadState(const std::string& pipeline) {
  PgConnection& m = Main();
  std::vector<StateEntry> out;
  if (!ReadColumns(m, uri_.schema, "_sluice_state")) return out;
  for (const auto& row : m.Query("SELECT pipeline, resource, key, value::text, load_id, "
                                 "updated_at::text FROM " +
                                     Table("_sluice_state") +
                                     " WHERE pipeline = $1 ORDER BY resource COLLATE \"C\", key "
                                     "COLLATE \"C\"",
                                 {pipeline})) {
    out.push_back(
        {row.values[0], row.values[1], row.values[2], row.values[3], row.values[4], row.values[5]});
  }
  return out;
}

uint64_t PostgresDestination::ResetState(const std::string& pipeline) {
  PgConnection& m = Main();
  if (!ReadColumns(m, uri_.schema, "_sluice_state")) return 0;
  return std::stoull(m.QueryValue("WITH gone AS (DELETE FROM " + Table("_sluice_state") +
                                      " WHERE pipeline = $1 RETURNING 1) SELECT count(*) FROM gone",
                                  {pipeline}));
}

// --- a load -------------------------------------------------------------------------------------

void PostgresDestination::Begin(const LoadPlan& plan) {
  if (in_load_) Rollback();
  if (plan.mode == WriteMode::kMerge && plan.primary_key.empty()) {
    throw UsageError("--mode merge needs --primary-key");
  }
  plan_ = plan;
  PgConnection& m = Main();
  if (m.InTransaction()) m.Execute("ROLLBACK");
  EnsureMetadataTables();
  DropStaleStageTables(m, uri_.schema);
  stage_id_ = ClaimStageId(m);
  in_load_ = true;
}

PostgresDestination::Route PostgresDestination::ChooseRoute(const std::string& table, bool exists,
                                                            bool native, bool plain) const {
  if (table == kRejectsTable)
    return plan_.mode == WriteMode::kAppend ? Route::kDirect : Route::kStage;
  switch (plan_.mode) {
    case WriteMode::kAppend:
      if (exists) return native ? Route::kDirect : Route::kStage;
      return uri_.copy_connections > 1 ? Route::kNewTable : Route::kDirect;
    case WriteMode::kReplace:
      if (!exists) return Route::kNewTable;
      // Writing the rows once (swap) instead of twice (stage, then INSERT) when the swap loses
      // nothing: see docs/architecture.md for the numbers.
      return native && plain ? Route::kSwap : Route::kStage;
    case WriteMode::kMerge:
      return Route::kStage;
  }
  return Route::kStage;
}

void PostgresDestination::RefreshCopyTarget(TableState& t) {
  auto copy = std::make_shared<CopyTarget>();
  copy->table = Table(t.route == Route::kDirect ? t.name : t.stage);
  copy->columns = t.columns;
  copy->sequence = t.route == Route::kStage && plan_.mode == WriteMode::kMerge;
  // A table created inside the main transaction can take its rows frozen: nobody else can see
  // it before the commit, and later readers and VACUUM need not set hint bits on every row.
  copy->freeze = t.route == Route::kDirect && !t.existed;
  t.copy = std::move(copy);
}

void PostgresDestination::CreateStage(TableState& t, bool unlogged) {
  t.stage = StageTableName(stage_id_, std::to_string(next_stage_++));
  std::string sql = std::string("CREATE ") + (unlogged ? "UNLOGGED " : "") + "TABLE " +
                    Table(t.stage) + " (" + ColumnDefinitions(t.columns);
  if (unlogged && plan_.mode == WriteMode::kMerge) {
    sql += std::string(t.columns.empty() ? "" : ", ") + kSequenceColumn + " bigint";
  }
  StageDdl().Execute(sql + ")");
}

PostgresDestination::TableState& PostgresDestination::Touch(const std::string& table) {
  if (!in_load_) throw Error(ErrorKind::kInternal, "PostgreSQL destination: no load begun");
  auto it = tables_.find(table);
  if (it != tables_.end()) return it->second;
  const auto columns = ReadColumns(Main(), uri_.schema, table);
  if (!columns) {
    throw Error(ErrorKind::kInternal, "table '" + table + "' does not exist in schema '" +
                                          uri_.schema + "' and was not created by the load");
  }
  TableState t;
  t.name = table;
  t.existed = true;
  bool native = true;
  for (const auto& c : *columns) {
    t.columns.push_back({c.name, c.type});
    t.target_types[c.name] = c.pg_type;
    native = native && c.native();
  }
  const bool plain = plan_.mode == WriteMode::kReplace && table != kRejectsTable &&
                     IsPlainTable(Main(), uri_.schema, table);
  t.route = ChooseRoute(table, true, native, plain);
  if (t.route == Route::kStage) CreateStage(t, /*unlogged=*/true);
  if (t.route == Route::kSwap) CreateStage(t, /*unlogged=*/false);
  RefreshCopyTarget(t);
  table_order_.push_back(table);
  return tables_.emplace(table, std::move(t)).first->second;
}

void PostgresDestination::CreateTable(const TableSchema& table) {
  if (!in_load_) throw Error(ErrorKind::kInternal, "PostgreSQL destination: no load begun");
  if (tables_.count(table.name)) {
    throw Error(ErrorKind::kInternal,
                "CreateTable: the load already has table '" + table.name + "'");
  }
  TableState t;
  t.name = table.name;
  for (const auto& c : table.columns) t.columns.push_back({c.name, Stored(c.type)});
  t.route = ChooseRoute(table.name, false, true, false);
  switch (t.route) {
    case Route::kDirect:
      EnsureMainTransaction();
      Main().Execute("CREATE TABLE " + Table(t.name) + " (" + ColumnDefinitions(t.columns) + ")");
      break;
    case Route::kNewTable:
      CreateStage(t, /*unlogged=*/false);
      break;
    case Route::kStage:
    case Route::kSwap:  // (not for new tables)
      CreateStage(t, /*unlogged=*/true);
      break;
  }
  RefreshCopyTarget(t);
  table_order_.push_back(table.name);
  tables_.emplace(table.name, std::move(t));
}

void PostgresDestination::AlterForRoute(TableState& t, const std::string& clause) {
  if (t.route == Route::kDirect) {
    EnsureMainTransaction();
    Main().Execute("ALTER TABLE " + Table(t.name) + " " + clause);
  } else {
    StageDdl().Execute("ALTER TABLE " + Table(t.stage) + " " + clause);
  }
}

void PostgresDestination::AddColumn(const std::string& table, const ColumnSchema& column) {
  TableState& t = Touch(table);
  if (HasColumn(t.columns, column.name)) return;
  const ColumnSchema c{column.name, Stored(column.type)};
  AlterForRoute(t, "ADD COLUMN " + QuoteIdentifier(c.name) + " " + PgTypeName(c.type));
  t.columns.push_back(c);  // kStage of an existing table: added to the target at commit
  RefreshCopyTarget(t);
}

void PostgresDestination::WidenColumn(const std::string& table, const ColumnSchema& column) {
  TableState& t = Touch(table);
  auto it = std::find_if(t.columns.begin(), t.columns.end(),
                         [&](const ColumnSchema& c) { return c.name == column.name; });
  if (it == t.columns.end()) {
    throw Error(ErrorKind::kInternal,
                "WidenColumn: table '" + table + "' has no column '" + column.name + "'");
  }
  const DataType to = Stored(column.type);
  if (it->type == to) return;
  // What the relation COPY writes to holds now: the target's own type for a direct table's
  // original columns, else the type sluice created.
  std::string from = PgTypeName(it->type);
  if (t.route == Route::kDirect && t.target_types.count(it->name)) from = t.target_types[it->name];
  AlterForRoute(t, "ALTER COLUMN " + QuoteIdentifier(it->name) + " TYPE " + PgTypeName(to) +
                       " USING " + WidenUsing(it->name, from, to));
  if (t.route == Route::kDirect && t.target_types.count(it->name)) {
    t.target_types[it->name] = PgTypeName(to);
  }
  it->type = to;  // kStage of an existing table: the target is altered at commit
  RefreshCopyTarget(t);
}

void PostgresDestination::Write(Batch& batch) {
  TableState& t = Touch(batch.table);
  if (batch.num_rows == 0) return;
  const int64_t first = int64_t(t.rows);
  t.rows += batch.num_rows;
  if (t.route == Route::kDirect) {
    EnsureMainTransaction();
    MainWriter().Write(t.copy, std::move(batch), first);
  } else {
    StageWriters().Write(t.copy, std::move(batch), first);
  }
}

void PostgresDestination::WriteRejects(const std::vector<RejectedRecord>& rejects) {
  if (rejects.empty()) return;
  Batch b;
  b.table = kRejectsTable;
  b.names = {"load_id",     "table_name",  "source", "line",
             "byte_offset", "column_name", "raw",    "reason"};
  const DataType text = DataType::Of(TypeId::kText), i64 = DataType::Of(TypeId::kInt64);
  b.columns = {Column(text), Column(text), Column(text), Column(i64),
               Column(i64),  Column(text), Column(text), Column(text)};
  for (const auto& r : rejects) {
    b.columns[0].AppendString(plan_.load_id);
    b.columns[1].AppendString(EscapeInvalidUtf8(r.table));
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
    b.columns[6].AppendString(EscapeInvalidUtf8(r.raw));
    b.columns[7].AppendString(EscapeInvalidUtf8(r.reason));
  }
  b.num_rows = rejects.size();
  Write(b);
}

// --- commit -------------------------------------------------------------------------------------

std::string PostgresDestination::ColumnList(const TableState& t) const {
  std::vector<std::string> names;
  for (const auto& c : t.columns) names.push_back(c.name);
  return Quoted(names);
}

std::string PostgresDestination::StageSelectList(const TableState& t,
                                                 const std::string& alias) const {
  std::vector<std::string> items;
  for (const auto& c : t.columns) {
    const std::string ref = alias + "." + QuoteIdentifier(c.name);
    auto it = t.target_types.find(c.name);
    if (it != t.target_types.end() && it->second != PgTypeName(c.type)) {
      // A column of a type sluice did not create: staged as text, cast back on the way in.
      items.push_back("CAST(" + ref + " AS " + it->second + ") AS " + QuoteIdentifier(c.name));
    } else {
      items.push_back(ref);
    }
  }
  return Join(items, ", ");
}

void PostgresDestination::ApplyTargetDdl(TableState& t) {
  // Every change in one ALTER TABLE, so a table is rewritten at most once.
  std::vector<std::string> clauses;
  for (const auto& c : t.columns) {
    auto it = t.target_types.find(c.name);
    if (it == t.target_types.end()) {
      clauses.push_back("ADD COLUMN " + QuoteIdentifier(c.name) + " " + PgTypeName(c.type));
      t.target_types[c.name] = PgTypeName(c.type);
    } else if (it->second != PgTypeName(c.type) && TypeFromPg(it->second) != c.type) {
      clauses.push_back("ALTER COLUMN " + QuoteIdentifier(c.name) + " TYPE " + PgTypeName(c.type) +
                        " USING " + WidenUsing(c.name, it->second, c.type));
      it->second = PgTypeName(c.type);
    }
  }
  if (!clauses.empty()) main_->Execute("ALTER TABLE " + Table(t.name) + " " + Join(clauses, ", "));
}

void PostgresDestination::CreateTargetFromStage(TableState& t) {
  main_->Execute("CREATE TABLE " + Table(t.name) + " (" + ColumnDefinitions(t.columns) + ")");
  for (const auto& c : t.columns) t.target_types[c.name] = PgTypeName(c.type);
}

void PostgresDestination::InsertFromStage(TableState& t) {
  main_->Execute("INSERT INTO " + Table(t.name) + " (" + ColumnList(t) + ") SELECT " +
                 StageSelectList(t, "s") + " FROM " + Table(t.stage) + " s");
}

void PostgresDestination::CommitReplace() {
  PgConnection& m = *main_;
  // Tables still plain now take the staging table's place; anything attached to one during the
  // load (an index, a grant) makes it keep its table and take the rows by INSERT instead.
  std::set<std::string> swapped;
  for (auto& [name, t] : tables_) {
    if (t.route != Route::kSwap) continue;
    // Both ways end in DROP or TRUNCATE: take that lock before looking, so nothing can be
    // attached between the look and the swap.
    m.Execute("LOCK TABLE " + Table(name) + " IN ACCESS EXCLUSIVE MODE");
    if (IsPlainTable(m, uri_.schema, name)) {
      swapped.insert(name);
    } else {
      t.route = Route::kStage;
    }
  }
  // Every other table of the family as it exists now, also those this load has no rows for: the
  // load is the family's whole content. TRUNCATE keeps the tables (indexes, grants, views on
  // them); readers wait on its lock until COMMIT and then see the new rows, never an empty table.
  std::vector<std::string> family;
  if (ReadColumns(m, uri_.schema, plan_.root_table)) family.push_back(plan_.root_table);
  for (const auto& child : ListChildTables(m, uri_.schema, plan_.root_table)) {
    family.push_back(child);
  }
  std::vector<std::string> truncate;
  for (const auto& f : family) {
    if (!swapped.count(f)) truncate.push_back(Table(f));
  }
  if (!truncate.empty()) m.Execute("TRUNCATE " + Join(truncate, ", "));
  for (const auto& name : table_order_) {
    if (name == kRejectsTable) continue;
    TableState& t = tables_.at(name);
    if (t.route == Route::kSwap) {
      m.Execute("DROP TABLE " + Table(t.name));
    }
    if (t.route == Route::kNewTable || t.route == Route::kSwap) {
      m.Execute("ALTER TABLE " + Table(t.stage) + " RENAME TO " + QuoteIdentifier(t.name));
      t.stage.clear();
    } else if (t.route == Route::kStage) {
      ApplyTargetDdl(t);  // after TRUNCATE: a type change rewrites an empty table
      InsertFromStage(t);
    }
  }
}

void PostgresDestination::EnsureUniqueKeyIndex(TableState& root) {
  PgConnection& m = *main_;
  std::string keys_json = "[";
  for (size_t i = 0; i < plan_.primary_key.size(); i++) {
    if (i) keys_json += ",";
    AppendJsonString(plan_.primary_key[i], &keys_json);
  }
  keys_json += "]";
  const std::string found = m.QueryValue(
      "SELECT count(*) FROM pg_index i WHERE i.indrelid = $1::regclass AND i.indisunique AND "
      "i.indpred IS NULL AND i.indexprs IS NULL AND i.indnatts = $3::int AND "
      "(SELECT array_agg(a.attname::text ORDER BY a.attname::text) FROM pg_attribute a "
      "WHERE a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)) = "
      "(SELECT array_agg(k ORDER BY k) FROM json_array_elements_text($2::json) k)",
      {Table(root.name), keys_json, std::to_string(plan_.primary_key.size())});
  if (found != "0") return;
  const std::string index = ShortenIdentifier(root.name + "_sluice_key", MaxIdentifierBytes());
  try {
    m.Execute("CREATE UNIQUE INDEX " + QuoteIdentifier(index) + " ON " + Table(root.name) + " (" +
              Quoted(plan_.primary_key) + ")");
  } catch (const Error& e) {
    if (m.last_sqlstate() != "23505") throw;
    throw DestinationError(
        "cannot upsert into " + Table(root.name) +
        ": it already holds several rows with the "
        "same key (" +
        Join(plan_.primary_key, ", ") +
        "), so the unique index upsert needs "
        "cannot be built. Use --merge-strategy delete-insert, or remove the duplicates. (" +
        e.what() + ")");
  }
}

void PostgresDestination::DeleteMergedDescendants(TableState& root,
                                                  const std::vector<std::string>& children) {
  // Every descendant of a merged key goes, in every child table that exists (also those the
  // load has no rows for: an array that became empty), deepest first while the chain of
  // parents it is found through still exists. The merged roots are the target rows with the
  // load's keys (found before they are replaced) and the load's own root ids.
  PgConnection& m = *main_;
  std::vector<std::string> match;
  for (const auto& k : plan_.primary_key) {
    match.push_back("t." + QuoteIdentifier(k) + " = w." + QuoteIdentifier(k));
  }
  m.Execute(std::string("CREATE TEMP TABLE _sluice_merged_ids ON COMMIT DROP AS SELECT "
                        "t._sluice_id FROM ") +
            Table(root.name) + " t JOIN " + kWinners + " w ON " + Join(match, " AND ") +
            " UNION SELECT w._sluice_id FROM " + kWinners + " w");
  const std::set<std::string> existing(children.begin(), children.end());
  for (const auto& child : children) {
    std::string ids = std::string("SELECT _sluice_id FROM ") + kMergedIds;
    bool reachable = true;
    for (size_t p = child.find("__", root.name.size() + 2); p != std::string::npos;
         p = child.find("__", p + 2)) {
      const std::string ancestor = child.substr(0, p);
      if (!existing.count(ancestor)) {
        reachable = false;
        break;
      }
      ids =
          "SELECT _sluice_id FROM " + Table(ancestor) + " WHERE _sluice_parent_id IN (" + ids + ")";
    }
    if (!reachable) continue;
    m.Execute("DELETE FROM " + Table(child) + " WHERE _sluice_parent_id IN (" + ids + ")");
  }
}

void PostgresDestination::MergeRoot(TableState& root, bool has_children) {
  PgConnection& m = *main_;
  const std::string keys = Quoted(plan_.primary_key, "s.");
  std::string order = keys;
  if (!plan_.dedup_sort.empty()) {
    order += ", s." + QuoteIdentifier(plan_.dedup_sort) +
             (plan_.dedup_sort_descending ? " DESC" : " ASC") + " NULLS LAST";
  }
  order += std::string(", s.") + kSequenceColumn + " DESC";
  // One winner per key: highest (or lowest) dedup_sort, non-NULL before NULL, then the row
  // that arrived last.
  m.Execute("CREATE TEMP TABLE _sluice_winners ON COMMIT DROP AS SELECT DISTINCT ON (" + keys +
            ") " + StageSelectList(root, "s") + " FROM " + Table(root.stage) + " s ORDER BY " +
            order);
  m.Execute(std::string("ANALYZE ") + kWinners);
  if (has_children && HasColumn(root.columns, "_sluice_id")) {
    DeleteMergedDescendants(root, ListChildTables(m, uri_.schema, root.name));
  }
  std::vector<std::string> match;
  for (const auto& k : plan_.primary_key) {
    match.push_back("t." + QuoteIdentifier(k) + " = w." + QuoteIdentifier(k));
  }
  const std::string target = Table(root.name);
  const std::string deleted =
      plan_.delete_column.empty() ? "" : "w." + QuoteIdentifier(plan_.delete_column) + " IS TRUE";
  const std::string kept =
      plan_.delete_column.empty()
          ? ""
          : " WHERE w." + QuoteIdentifier(plan_.delete_column) + " IS NOT TRUE";
  std::vector<std::string> names;
  for (const auto& c : root.columns) names.push_back(c.name);
  const std::string insert = "INSERT INTO " + target + " AS t (" + Quoted(names) + ") SELECT " +
                             Quoted(names, "w.") + " FROM " + kWinners + " w" + kept;
  if (plan_.merge_strategy == MergeStrategy::kDeleteInsert) {
    m.Execute("DELETE FROM " + target + " t USING " + kWinners + " w WHERE " +
              Join(match, " AND "));
    m.Execute(insert);
    return;
  }
  EnsureUniqueKeyIndex(root);
  if (!deleted.empty()) {
    m.Execute("DELETE FROM " + target + " t USING " + kWinners + " w WHERE " +
              Join(match, " AND ") + " AND " + deleted);
  }
  std::vector<std::string> sets;
  for (const auto& n : names) {
    if (std::find(plan_.primary_key.begin(), plan_.primary_key.end(), n) !=
        plan_.primary_key.end()) {
      continue;
    }
    sets.push_back(QuoteIdentifier(n) + " = EXCLUDED." + QuoteIdentifier(n));
  }
  m.Execute(insert + " ON CONFLICT (" + Quoted(plan_.primary_key) + ") DO " +
            (sets.empty() ? "NOTHING" : "UPDATE SET " + Join(sets, ", ")));
}

void PostgresDestination::MergeChild(TableState& child) {
  // The load's rows of a child table land if their parent row exists in the (already merged)
  // parent table: children of hard-deleted roots do not. One row per _sluice_id: the last.
  const std::string parent = child.name.substr(0, child.name.rfind("__"));
  std::string sql = "INSERT INTO " + Table(child.name) + " (" + ColumnList(child) + ") SELECT ";
  const bool ids = HasColumn(child.columns, "_sluice_id");
  if (ids) sql += "DISTINCT ON (s._sluice_id) ";
  sql += StageSelectList(child, "s") + " FROM " + Table(child.stage) + " s";
  if (HasColumn(child.columns, "_sluice_parent_id")) {
    sql += " WHERE EXISTS (SELECT 1 FROM " + Table(parent) +
           " p WHERE p._sluice_id = s._sluice_parent_id)";
  }
  if (ids) sql += std::string(" ORDER BY s._sluice_id, s.") + kSequenceColumn + " DESC";
  main_->Execute(sql);
}

void PostgresDestination::CommitMerge() {
  PgConnection& m = *main_;
  auto root_it = tables_.find(plan_.root_table);
  if (root_it == tables_.end()) return;  // no rows: nothing to merge
  TableState& root = root_it->second;
  if (root.existed) {
    // One merge into a family at a time (two could insert the same new key); readers go on.
    m.Execute("LOCK TABLE " + Table(root.name) + " IN SHARE ROW EXCLUSIVE MODE");
  }
  std::vector<TableState*> children;
  for (const auto& name : table_order_) {
    if (name == kRejectsTable) continue;
    TableState& t = tables_.at(name);
    if (t.existed) {
      ApplyTargetDdl(t);
    } else {
      CreateTargetFromStage(t);
    }
    if (name != root.name) children.push_back(&t);
  }
  MergeRoot(root, root.existed);
  std::stable_sort(children.begin(), children.end(), [&](TableState* a, TableState* b) {
    return FamilyDepth(root.name, a->name) < FamilyDepth(root.name, b->name);
  });
  for (TableState* child : children) MergeChild(*child);
}

void PostgresDestination::WriteLoadRecord(const LoadRecord& record) {
  PgConnection& m = *main_;
  std::string rows_json = "{";
  for (const auto& [table, rows] : record.rows_per_table) {
    if (rows_json.size() > 1) rows_json += ",";
    AppendJsonString(table, &rows_json);
    rows_json += ":" + std::to_string(rows);
  }
  rows_json += "}";
  // State changes in two statements whatever their number (a glob may fingerprint many files).
  std::string upserts = "[", deletes = "[";
  for (const auto& s : record.state) {
    std::string& list = s.value.empty() ? deletes : upserts;
    if (list.size() > 1) list += ",";
    list += "{\"r\":";
    AppendJsonString(s.resource, &list);
    list += ",\"k\":";
    AppendJsonString(s.key, &list);
    list += ",\"v\":";
    AppendJsonString(s.value, &list);
    list += "}";
  }
  upserts += "]";
  deletes += "]";
  const std::string state = Table("_sluice_state");
  if (deletes.size() > 2) {
    m.Query("DELETE FROM " + state +
                " s USING json_array_elements($2::json) e WHERE s.pipeline = $1 AND "
                "s.resource = e->>'r' AND s.key = e->>'k'",
            {plan_.pipeline, deletes});
  }
  if (upserts.size() > 2) {
    m.Query("INSERT INTO " + state +
                " (pipeline, resource, key, value, load_id, updated_at) SELECT $1, e->>'r', "
                "e->>'k', (e->>'v')::json, $3, now() FROM json_array_elements($2::json) e "
                "ON CONFLICT (pipeline, resource, key) DO UPDATE SET value = EXCLUDED.value, "
                "load_id = EXCLUDED.load_id, updated_at = EXCLUDED.updated_at",
            {plan_.pipeline, upserts, plan_.load_id});
  }
  for (const auto& s : record.schemas) {
    m.Query("INSERT INTO " + Table("_sluice_schemas") +
                " (pipeline, table_name, version_hash, schema, load_id, created_at) VALUES "
                "($1, $2, $3, $4::json, $5, now()) ON CONFLICT DO NOTHING",
            {plan_.pipeline, s.table, s.version_hash, s.schema_json, plan_.load_id});
  }
  m.Query(
      "INSERT INTO " + Table("_sluice_loads") +
          " (load_id, pipeline, source, mode, status, started_at, finished_at, "
          "rows_per_table, rows_rejected, error) VALUES ($1, $2, $3, $4, 'committed', " +
          MicrosToTimestamp("$5") + ", " + MicrosToTimestamp("$6") +
          ", $7::json, $8::bigint, NULL)",
      {plan_.load_id, plan_.pipeline, EscapeInvalidUtf8(record.source),
       std::string(WriteModeName(plan_.mode)), std::to_string(record.started_at_micros),
       std::to_string(record.finished_at_micros), rows_json, std::to_string(record.rows_rejected)});
}

void PostgresDestination::Commit(const LoadRecord& record) {
  if (!in_load_) throw Error(ErrorKind::kInternal, "PostgreSQL destination: no load begun");
  // Every row is on the server; the COPY connections' work is committed to the staging tables.
  FlushWriters();
  stage_writers_.reset();
  main_writer_.reset();
  copy_connections_.clear();
  EnsureMainTransaction();
  PgConnection& m = *main_;
  if (plan_.mode == WriteMode::kReplace) {
    CommitReplace();
  } else if (plan_.mode == WriteMode::kMerge) {
    CommitMerge();
  } else {
    for (const auto& name : table_order_) {
      TableState& t = tables_.at(name);
      if (t.route == Route::kNewTable) {
        m.Execute("ALTER TABLE " + Table(t.stage) + " RENAME TO " + QuoteIdentifier(t.name));
        t.stage.clear();
      } else if (t.route == Route::kStage) {
        ApplyTargetDdl(t);
        InsertFromStage(t);
      }
    }
  }
  auto rejects = tables_.find(kRejectsTable);
  if (rejects != tables_.end() && rejects->second.route == Route::kStage) {
    InsertFromStage(rejects->second);
  }
  std::vector<std::string> stages;
  for (const auto& [name, t] : tables_) {
    if (!t.stage.empty()) stages.push_back(Table(t.stage));
  }
  if (!stages.empty()) m.Execute("DROP TABLE " + Join(stages, ", "));
  WriteLoadRecord(record);
  m.Execute("COMMIT");
  in_transaction_ = false;
  try {
    ReleaseStageId(m, stage_id_);
  } catch (...) {
    // Committed; the lock goes with the session at the latest.
  }
  ResetLoad();
}

void PostgresDestination::ResetLoad() noexcept {
  tables_.clear();
  table_order_.clear();
  in_load_ = false;
  in_transaction_ = false;
  stage_id_ = 0;
  next_stage_ = 0;
}

void PostgresDestination::Rollback() noexcept {
  // Writers first: they cancel their COPYs (nothing of a cancelled COPY is kept).
  stage_writers_.reset();
  main_writer_.reset();
  copy_connections_.clear();
  if (main_ && main_->ok()) {
    try {
      if (main_->InTransaction()) main_->Execute("ROLLBACK");
      for (const auto& [name, t] : tables_) {
        if (!t.stage.empty()) main_->Execute("DROP TABLE IF EXISTS " + Table(t.stage));
      }
      if (stage_id_) ReleaseStageId(*main_, stage_id_);
    } catch (...) {
      // Best effort: whatever is left is dropped by the next load's Begin once this session's
      // lock is gone.
      main_.reset();
    }
  } else {
    main_.reset();  // the session (and its lock) is gone; reconnect on the next use
  }
  ResetLoad();
}

void PostgresDestination::RecordFailure(const LoadRecord& record,
                                        const std::string& error) noexcept {
  try {
    PgConnection& m = Main();
    EnsureMetadataTables();
    m.Query("INSERT INTO " + Table("_sluice_loads") +
                " (load_id, pipeline, source, mode, status, started_at, finished_at, "
                "rows_per_table, rows_rejected, error) VALUES ($1, $2, $3, $4, 'failed', " +
                MicrosToTimestamp("$5") + ", " + MicrosToTimestamp("$6") +
                ", NULL, $7::bigint, $8) ON CONFLICT (load_id) DO NOTHING",
            {plan_.load_id, plan_.pipeline, EscapeInvalidUtf8(record.source),
             std::string(WriteModeName(plan_.mode)), std::to_string(record.started_at_micros),
             std::to_string(record.finished_at_micros), std::to_string(record.rows_rejected),
             EscapeInvalidUtf8(uri_.Scrub(error))});
  } catch (...) {
  }
}

}  // namespace sluice
