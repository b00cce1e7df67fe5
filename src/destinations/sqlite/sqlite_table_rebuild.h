#pragma once
// Changing a column's type in SQLite, which has no ALTER COLUMN ... TYPE: the table is rebuilt
// inside the load's transaction (SQLite's documented procedure): create the new table, copy the
// rows with the values converted, drop the old table, rename the new one into its place and
// recreate the old table's indexes and triggers. Rowids are kept, so row order is too.
#include <string>

#include "destinations/sqlite/sqlite_connection.h"
#include "schema/table_schema.h"

namespace sluice::sqlite {

// Registers sluice_widen(value, from_id, from_scale, to_id, to_scale) on the connection: converts
// one stored value of type `from` to the stored form of `to` with Column::CastTo, so rows widened
// in the database read exactly like rows the evolver cast up in a batch. NULL stays NULL; a value
// that cannot convert fails the statement.
void RegisterWidenFunction(sqlite3* db);

// The SQL expression converting column `quoted_column` from `from` to `to`.
std::string WidenExpression(const std::string& quoted_column, DataType from, DataType to);

// Rebuilds main table `table` (currently with `table.columns`) so that `column` has type `to`.
void RebuildWithColumnType(Connection& connection, const TableSchema& table, size_t column,
                           DataType to);

}  // namespace sluice::sqlite
