#include "destinations/postgres/pg_catalog.h"

#include <algorithm>

#include "core/identifiers.h"
#include "destinations/postgres/copy_binary_writer.h"

namespace sluice {

std::string QualifiedName(const std::string& schema, const std::string& table) {
  return QuoteIdentifier(schema) + "." + QuoteIdentifier(table);
}

bool PgColumn::native() const {
  return pg_type == PgTypeName(type);
}

DataType TypeFromPg(const std::string& t) {
  if (t == "boolean") return DataType::Of(TypeId::kBoolean);
  if (t == "bigint") return DataType::Of(TypeId::kInt64);
  if (t == "double precision") return DataType::Of(TypeId::kDouble);
  if (t == "date") return DataType::Of(TypeId::kDate);
  if (t == "timestamp without time zone") return DataType::Of(TypeId::kTimestamp);
  if (t == "timestamp with time zone") return DataType::Of(TypeId::kTimestampTz);
  if (t == "jsonb") return DataType::Of(TypeId::kJson);
  if (t == "bytea") return DataType::Of(TypeId::kBinary);
  if (t == "uuid") return DataType::Of(TypeId::kUuid);
  const std::string prefix = "numeric(18,";
  if (t.rfind(prefix, 0) == 0 && t.back() == ')') {
    const std::string digits = t.substr(prefix.size(), t.size() - prefix.size() - 1);
    if (!digits.empty() && digits.size() <= 2 &&
        std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      const int scale = std::stoi(digits);
      if (scale <= kMaxDecimalDigits) return DataType::Decimal(uint8_t(scale));
    }
  }
  return DataType::Of(TypeId::kText);
}

std::optional<std::vector<PgColumn>> ReadColumns(PgConnection& connection,
                                                 const std::string& schema,
                                                 const std::string& table) {
  const auto rows = connection.Query(
      "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_class c "
      "JOIN pg_namespace n ON n.oid = c.relnamespace "
      "LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
      "WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p', 'v', 'm', 'f') "
      "ORDER BY a.attnum",
      {schema, table});
  if (rows.empty()) return std::nullopt;
  std::vector<PgColumn> columns;
  for (const auto& row : rows) {
    if (row.nulls[0]) continue;  // a table without columns
    columns.push_back({row.values[0], TypeFromPg(row.values[1]), row.values[1]});
  }
  return columns;
}

std::vector<std::string> ListFamily(PgConnection& connection, const std::string& schema,
                                    const std::string& root) {
  std::vector<std::string> out;
  for (const auto& row : connection.Query(
           "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
           "WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND (c.relname = $2::text OR "
           "left(c.relname, length($2::text) + 2) = $2::text || '__') AND left(c.relname, 8) <> "
           "'_sluice_' "
           "ORDER BY c.relname COLLATE \"C\"",
           {schema, root})) {
    out.push_back(row.values[0]);
  }
  return out;
}

size_t FamilyDepth(const std::string& root, const std::string& table) {
  size_t depth = 0;
  for (size_t p = table.find("__", root.size()); p != std::string::npos;
       p = table.find("__", p + 2)) {
    depth++;
  }
  return depth;
}

std::vector<std::string> ListChildTables(PgConnection& connection, const std::string& schema,
                                         const std::string& root) {
  std::vector<std::string> out;
  for (const auto& row : connection.Query(
           "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
           "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = '_sluice_parent_id' "
           "AND NOT a.attisdropped WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND "
           "left(c.relname, length($2::text) + 2) = $2::text || '__' ORDER BY c.relname COLLATE "
           "\"C\"",
           {schema, root})) {
    out.push_back(row.values[0]);
  }
  std::stable_sort(out.begin(), out.end(), [&](const std::string& a, const std::string& b) {
    return FamilyDepth(root, a) > FamilyDepth(root, b);
  });
  return out;
}

bool IsPlainTable(PgConnection& connection, const std::string& schema, const std::string& table) {
  return connection.QueryValue(
             "SELECT c.relkind = 'r' AND c.relpersistence = 'p' AND c.relacl IS NULL AND "
             "c.reloptions IS NULL AND NOT c.relrowsecurity AND c.reltablespace = 0 AND "
             "c.relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user) AND "
             "c.relreplident = 'd' AND NOT c.relhastriggers AND NOT c.relhasrules AND "
             "NOT c.relhassubclass AND NOT c.relispartition AND "
             "NOT EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = c.oid) AND "
             // Indexes, constraints, defaults, sequences, views, policies, statistics,
             // publications: everything that depends on the table other than its own row type
             // and TOAST table.
             "NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.refclassid = 'pg_class'::regclass "
             "AND d.refobjid = c.oid AND d.deptype <> 'i') AND "
             "NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.refclassid = 'pg_type'::regclass "
             "AND d.refobjid = c.reltype AND d.deptype <> 'i') AND "
             "NOT EXISTS (SELECT 1 FROM pg_description d WHERE d.classoid = "
             "'pg_class'::regclass AND d.objoid = c.oid) AND "
             "NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 "
             "AND NOT a.attisdropped AND (a.attidentity <> '' OR a.attgenerated <> '' OR "
             "a.atthasdef OR a.attnotnull OR a.attacl IS NOT NULL OR a.attoptions IS NOT NULL OR "
             "a.attstattarget <> -1 OR a.attcollation NOT IN (0, 100))) "
             "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
             "WHERE n.nspname = $1 AND c.relname = $2",
             {schema, table}) == "t";
}

std::string WidenUsing(const std::string& column, const std::string& from_pg, DataType to) {
  const std::string c = QuoteIdentifier(column);
  switch (to.id) {
    case TypeId::kJson:
      if (from_pg == "jsonb") return c;
      if (from_pg == "json") return c + "::jsonb";
      // sluice renders dates and times as their text inside JSON, like its own casts do.
      if (from_pg == "date" || from_pg.rfind("timestamp", 0) == 0)
        return "to_jsonb(" + c + "::text)";
      return "to_jsonb(" + c + ")";
    case TypeId::kBinary:
      if (from_pg == "bytea") return c;
      return "convert_to(" + c + "::text, 'UTF8')";
    default:
      return c + "::" + PgTypeName(to);
  }
}

}  // namespace sluice
