#include "destinations/sqlite/sqlite_table_rebuild.h"

#include <memory>
#include <vector>

#include "core/column.h"
#include "core/types.h"
#include "core/utf8.h"
#include "destinations/sqlite/sqlite_types.h"

namespace sluice::sqlite {
namespace {

// The rebuilt table's name while both exist; a transaction never commits it.
constexpr const char* kRebuildPrefix = "_sluice_rebuild__";

struct WidenScratch {
  Column from;
  char buffer[kScratchBytes];
};

bool ValidTypeArgs(sqlite3_value** argv, int first, DataType* out) {
  const int64_t id = sqlite3_value_int64(argv[first]);
  const int64_t scale = sqlite3_value_int64(argv[first + 1]);
  if (id < 0 || id > int64_t(TypeId::kUuid) || scale < 0 || scale > kMaxDecimalDigits) {
    return false;
  }
  *out = DataType{TypeId(id), uint8_t(scale)};
  return true;
}

void Widen(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
    sqlite3_result_null(ctx);
    return;
  }
  DataType from, to;
  if (argc != 5 || !ValidTypeArgs(argv, 1, &from) || !ValidTypeArgs(argv, 3, &to)) {
    sqlite3_result_error(ctx, "sluice_widen: bad type arguments", -1);
    return;
  }
  // A text column that only ever held NULLs may take any first type (the evolver asks only
  // then); a value in it means the request was not a widening.
  if (!WidensTo(from, to)) {
    const std::string message =
        "cannot widen a " + TypeName(from) + " value to " + TypeName(to) + ": not lossless";
    sqlite3_result_error(ctx, message.c_str(), int(message.size()));
    return;
  }
  auto* scratch = static_cast<WidenScratch*>(sqlite3_user_data(ctx));
  scratch->from.Reset(from);
  if (!DecodeValue(argv[0], from, &scratch->from)) {
    const auto* text = reinterpret_cast<const char*>(sqlite3_value_text(argv[0]));
    const std::string_view shown =
        std::string_view(text ? text : "", size_t(sqlite3_value_bytes(argv[0]))).substr(0, 64);
    const std::string message = "a stored value is not a valid " + TypeName(from) +
                                " (was it written by another tool?): '" + EscapeInvalidUtf8(shown) +
                                "'";
    sqlite3_result_error(ctx, message.c_str(), int(message.size()));
    return;
  }
  try {
    const Column widened = scratch->from.CastTo(to);
    ResultStoredValue(ctx, EncodeValue(widened, 0, scratch->buffer));
  } catch (const std::exception& e) {
    sqlite3_result_error(ctx, e.what(), -1);
  }
}

}  // namespace

void RegisterWidenFunction(sqlite3* db) {
  auto scratch = std::make_unique<WidenScratch>();
  const int rc = sqlite3_create_function_v2(
      db, "sluice_widen", 5, SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_DIRECTONLY, scratch.get(),
      Widen, nullptr, nullptr, [](void* p) { delete static_cast<WidenScratch*>(p); });
  // On failure SQLite has already called the destructor.
  scratch.release();
  if (rc != SQLITE_OK) ThrowSqliteError(db, rc, "registering sluice_widen");
}

std::string WidenExpression(const std::string& quoted_column, DataType from, DataType to) {
  return "sluice_widen(" + quoted_column + ", " + std::to_string(int(from.id)) + ", " +
         std::to_string(int(from.scale)) + ", " + std::to_string(int(to.id)) + ", " +
         std::to_string(int(to.scale)) + ")";
}

void RebuildWithColumnType(Connection& connection, const TableSchema& table, size_t column,
                           DataType to) {
  // Indexes (the upsert key index among them) and triggers die with the old table; their SQL
  // recreates them on the new one, which by then has the old name.
  std::vector<std::string> recreate;
  {
    Statement s = connection.Prepare(
        "SELECT sql FROM main.sqlite_schema WHERE tbl_name = ? AND type IN ('index', 'trigger') "
        "AND sql IS NOT NULL ORDER BY type = 'trigger', rowid");
    s.BindText(1, table.name);
    while (s.Step()) recreate.emplace_back(s.ColumnText(0));
  }
  const std::string rebuilt = kRebuildPrefix + table.name;
  std::string ddl = "CREATE TABLE " + MainTable(rebuilt) + " (";
  std::string names = "rowid", select = "rowid";
  for (size_t i = 0; i < table.columns.size(); i++) {
    const ColumnSchema& c = table.columns[i];
    const std::string q = QuoteIdentifier(c.name);
    ddl += (i ? ", " : "") + q + " " + DeclaredType(i == column ? to : c.type);
    names += ", " + q;
    select += ", " + (i == column ? WidenExpression(q, c.type, to) : q);
  }
  connection.Execute("DROP TABLE IF EXISTS " + MainTable(rebuilt));
  connection.Execute(ddl + ")");
  connection.Execute("INSERT INTO " + MainTable(rebuilt) + " (" + names + ") SELECT " + select +
                     " FROM " + MainTable(table.name) + " ORDER BY rowid");
  connection.Execute("DROP TABLE " + MainTable(table.name));
  // Legacy rename: views that name the table keep naming it (a modern RENAME would first check
  // them, fail while the table is gone, and rewrite nothing we want rewritten).
  const bool legacy = connection.QueryText("PRAGMA legacy_alter_table") == "1";
  if (!legacy) connection.Execute("PRAGMA legacy_alter_table = ON");
  try {
    connection.Execute("ALTER TABLE " + MainTable(rebuilt) + " RENAME TO " +
                       QuoteIdentifier(table.name));
  } catch (...) {
    if (!legacy) connection.Execute("PRAGMA legacy_alter_table = OFF");
    throw;
  }
  if (!legacy) connection.Execute("PRAGMA legacy_alter_table = OFF");
  for (const auto& sql : recreate) connection.Execute(sql);
}

}  // namespace sluice::sqlite
