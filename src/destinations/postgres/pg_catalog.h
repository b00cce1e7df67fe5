#pragma once
// What the PostgreSQL destination reads from the system catalog: a table's columns with their
// actual types, a family's tables, and how sluice types map back from PostgreSQL types.
#include <optional>
#include <string>
#include <vector>

#include "destinations/postgres/pg_connection.h"
#include "schema/table_schema.h"

namespace sluice {

// "schema"."table", quoted.
std::string QualifiedName(const std::string& schema, const std::string& table);

struct PgColumn {
  std::string name;
  DataType type;        // as sluice sees it: a type sluice did not create is kText
  std::string pg_type;  // format_type(): "bigint", "numeric(18,2)", "integer", ...
  // Whether pg_type is exactly the type sluice creates for `type` (PgTypeName): then values can
  // be copied in binary without a cast.
  bool native() const;
};

// The sluice type for a PostgreSQL type as format_type() spells it (kText if sluice does not
// create that type).
DataType TypeFromPg(const std::string& pg_type);

// The table's columns in order; std::nullopt if there is no such table (or view) in `schema`.
std::optional<std::vector<PgColumn>> ReadColumns(PgConnection& connection,
                                                 const std::string& schema,
                                                 const std::string& table);

// Tables in `schema` whose name is `root` or starts with `root` + "__", by name, without
// sluice's own (_sluice_*) tables.
std::vector<std::string> ListFamily(PgConnection& connection, const std::string& schema,
                                    const std::string& root);
// The family's child tables (root + "__" + path, with a _sluice_parent_id column), deepest
// first.
std::vector<std::string> ListChildTables(PgConnection& connection, const std::string& schema,
                                         const std::string& root);
// Nesting depth of a family table: "t" 0, "t__a" 1, "t__a__b" 2.
size_t FamilyDepth(const std::string& root, const std::string& table);

// Whether nothing but its columns and rows hangs on the table, so that a new table with the same
// columns can take its place without losing anything: no indexes, constraints, defaults,
// NOT NULL, identity or generated columns, triggers, rules or views, policies, grants, comments,
// storage options, inheritance or partitions, another owner, and no other object using its row
// type. (Tables sluice creates are like that until someone adds something.)
bool IsPlainTable(PgConnection& connection, const std::string& schema, const std::string& table);

// The expression that converts column `column` (currently of PostgreSQL type `from_pg`) to
// sluice type `to` in ALTER COLUMN ... TYPE ... USING: json via to_jsonb (text becomes a JSON
// string; dates and times their text), bytea from text via its UTF-8 bytes, else a cast.
std::string WidenUsing(const std::string& column, const std::string& from_pg, DataType to);

}  // namespace sluice
