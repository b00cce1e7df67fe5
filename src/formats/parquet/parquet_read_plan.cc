#include "formats/parquet/parquet_read_plan.h"

#include <cstring>

#include "core/error.h"
#include "core/identifiers.h"

namespace sluice {

std::string SqlStringLiteral(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  out += '\'';
  return out;
}

namespace {

// Owns a logical type the C API handed out.
struct TypeHandle {
  duckdb_logical_type type;
  ~TypeHandle() { duckdb_destroy_logical_type(&type); }
};

std::string TakeString(char* s) {
  std::string out = s ? s : "";
  duckdb_free(s);
  return out;
}

bool ContainsNested(duckdb_logical_type t) {
  switch (duckdb_get_type_id(t)) {
    case DUCKDB_TYPE_LIST:
    case DUCKDB_TYPE_ARRAY:
    case DUCKDB_TYPE_MAP:
      return true;
    case DUCKDB_TYPE_STRUCT: {
      const idx_t n = duckdb_struct_type_child_count(t);
      for (idx_t i = 0; i < n; i++) {
        TypeHandle child{duckdb_struct_type_child_type(t, i)};
        if (ContainsNested(child.type)) return true;
      }
      return false;
    }
    default:
      return false;
  }
}

// True if the value must be rewritten before to_json(): MAPs (into entry lists) and scalars whose
// JSON rendering would lose exactness or type (see Planner::Document).
bool NeedsDocumentRewrite(duckdb_logical_type t) {
  switch (duckdb_get_type_id(t)) {
    case DUCKDB_TYPE_MAP:
    case DUCKDB_TYPE_FLOAT:
    case DUCKDB_TYPE_UBIGINT:
    case DUCKDB_TYPE_HUGEINT:
    case DUCKDB_TYPE_UHUGEINT:
    case DUCKDB_TYPE_TIMESTAMP_NS:
      return true;
    case DUCKDB_TYPE_DECIMAL:
      return duckdb_decimal_width(t) > kMaxDecimalDigits;
    case DUCKDB_TYPE_LIST: {
      TypeHandle child{duckdb_list_type_child_type(t)};
      return NeedsDocumentRewrite(child.type);
    }
    case DUCKDB_TYPE_ARRAY: {
      TypeHandle child{duckdb_array_type_child_type(t)};
      return NeedsDocumentRewrite(child.type);
    }
    case DUCKDB_TYPE_STRUCT: {
      const idx_t n = duckdb_struct_type_child_count(t);
      for (idx_t i = 0; i < n; i++) {
        TypeHandle child{duckdb_struct_type_child_type(t, i)};
        if (NeedsDocumentRewrite(child.type)) return true;
      }
      return false;
    }
    default:
      return false;
  }
}

// The JSON flattener's raw path segment for an object key (length-prefixed key), so a struct
// field and a JSON key at the same path share one name registry entry.
std::string RawKey(std::string_view key) {
  const uint32_t n = static_cast<uint32_t>(key.size());
  std::string out(reinterpret_cast<const char*>(&n), sizeof n);
  out.append(key);
  return out;
}

std::string Segment(std::string_view key, size_t position) {
  std::string part = NormalizeIdentifier(key);
  return part.empty() ? "col_" + std::to_string(position) : part;
}

class Planner {
 public:
  Planner(int max_nesting, const std::string& table, JsonNames* names, ParquetReadPlan* plan)
      : max_nesting_(max_nesting), table_(table), names_(names), plan_(plan) {}

  // A column read straight from vectors; returns the SQL expression that selects it.
  // `depth`: nesting of the struct holding the value (0 = the row).
  std::string Direct(const std::string& expr, duckdb_logical_type t, int depth,
                     const std::string& raw, const std::string& desired, VectorReader* r) {
    switch (duckdb_get_type_id(t)) {
      case DUCKDB_TYPE_BOOLEAN:
        return Leaf(expr, VectorKind::kBoolean, DataType::Of(TypeId::kBoolean), raw, desired, r);
      case DUCKDB_TYPE_TINYINT:
        return Int(expr, VectorKind::kInt8, raw, desired, r);
      case DUCKDB_TYPE_SMALLINT:
        return Int(expr, VectorKind::kInt16, raw, desired, r);
      case DUCKDB_TYPE_INTEGER:
        return Int(expr, VectorKind::kInt32, raw, desired, r);
      case DUCKDB_TYPE_BIGINT:
        return Int(expr, VectorKind::kInt64, raw, desired, r);
      case DUCKDB_TYPE_UTINYINT:
        return Int(expr, VectorKind::kUInt8, raw, desired, r);
      case DUCKDB_TYPE_USMALLINT:
        return Int(expr, VectorKind::kUInt16, raw, desired, r);
      case DUCKDB_TYPE_UINTEGER:
        return Int(expr, VectorKind::kUInt32, raw, desired, r);
      case DUCKDB_TYPE_UBIGINT:
        return Int(expr, VectorKind::kUInt64, raw, desired, r);
      case DUCKDB_TYPE_FLOAT:
        return Leaf(expr, VectorKind::kFloat, DataType::Of(TypeId::kDouble), raw, desired, r);
      case DUCKDB_TYPE_DOUBLE:
        return Leaf(expr, VectorKind::kDouble, DataType::Of(TypeId::kDouble), raw, desired, r);
      case DUCKDB_TYPE_DECIMAL: {
        // sluice decimals hold 18 digits; wider ones load as exact text (docs/parquet.md).
        if (duckdb_decimal_width(t) > kMaxDecimalDigits) break;
        const uint8_t scale = duckdb_decimal_scale(t);
        VectorKind kind = VectorKind::kDecimal64;
        switch (duckdb_decimal_internal_type(t)) {
          case DUCKDB_TYPE_SMALLINT:
            kind = VectorKind::kDecimal16;
            break;
          case DUCKDB_TYPE_INTEGER:
            kind = VectorKind::kDecimal32;
            break;
          default:
            break;
        }
        r->scale = scale;
        return Leaf(expr, kind, DataType::Decimal(scale), raw, desired, r);
      }
      case DUCKDB_TYPE_VARCHAR: {
        const bool json = TakeString(duckdb_logical_type_get_alias(t)) == "JSON";
        return json ? Leaf(expr, VectorKind::kJson, DataType::Of(TypeId::kJson), raw, desired, r)
                    : Leaf(expr, VectorKind::kText, DataType::Of(TypeId::kText), raw, desired, r);
      }
      case DUCKDB_TYPE_BLOB:
        return Leaf(expr, VectorKind::kBlob, DataType::Of(TypeId::kBinary), raw, desired, r);
      case DUCKDB_TYPE_ENUM: {
        VectorKind kind = VectorKind::kEnum32;
        switch (duckdb_enum_internal_type(t)) {
          case DUCKDB_TYPE_UTINYINT:
            kind = VectorKind::kEnum8;
            break;
          case DUCKDB_TYPE_USMALLINT:
            kind = VectorKind::kEnum16;
            break;
          default:
            break;
        }
        const uint32_t n = duckdb_enum_dictionary_size(t);
        for (uint32_t i = 0; i < n; i++) {
          r->dictionary.push_back(TakeString(duckdb_enum_dictionary_value(t, i)));
        }
        return Leaf(expr, kind, DataType::Of(TypeId::kText), raw, desired, r);
      }
      case DUCKDB_TYPE_DATE:
        return Leaf(expr, VectorKind::kDate, DataType::Of(TypeId::kDate), raw, desired, r);
      case DUCKDB_TYPE_TIMESTAMP_S:
        return Timestamp(expr, VectorKind::kTimestampS, raw, desired, r);
      case DUCKDB_TYPE_TIMESTAMP_MS:
        return Timestamp(expr, VectorKind::kTimestampMs, raw, desired, r);
      case DUCKDB_TYPE_TIMESTAMP:
        return Timestamp(expr, VectorKind::kTimestampUs, raw, desired, r);
      case DUCKDB_TYPE_TIMESTAMP_NS:
        return Timestamp(expr, VectorKind::kTimestampNs, raw, desired, r);
      case DUCKDB_TYPE_TIMESTAMP_TZ:
        return Leaf(expr, VectorKind::kTimestampTz, DataType::Of(TypeId::kTimestampTz), raw,
                    desired, r);
      case DUCKDB_TYPE_UUID:
        return Leaf(expr, VectorKind::kUuid, DataType::Of(TypeId::kUuid), raw, desired, r);
      case DUCKDB_TYPE_STRUCT:
        if (depth + 1 > max_nesting_) return JsonLeaf(expr, t, raw, desired, r);
        return Struct(expr, t, depth, raw, desired, r);
      case DUCKDB_TYPE_LIST:
      case DUCKDB_TYPE_ARRAY:
      case DUCKDB_TYPE_MAP:
        // Only reached when nesting is not expanded (max_nesting 0): JSON text, as the JSON
        // reader stores an array it does not expand.
        return JsonLeaf(expr, t, raw, desired, r);
      default:
        break;  // TIME, TIME_TZ, TIME_NS, INTERVAL, HUGEINT, UHUGEINT, BIT, BIGNUM, UNION, ...
    }
    // No sluice column type holds these; DuckDB's own text rendering is exact.
    Leaf(expr, VectorKind::kText, DataType::Of(TypeId::kText), raw, desired, r);
    return "CAST(" + expr + " AS VARCHAR)";
  }

  // The SQL expression rendering a nested value for to_json(): every MAP becomes a list of
  // {key, value} structs (one child row per entry), and scalars are shaped so the JSON
  // flattener infers what the vector path would load: FLOAT as its shortest double, UBIGINT as
  // a number while it fits int64 (else text), HUGEINT / UHUGEINT / DECIMAL(>18) as exact text,
  // TIMESTAMP_NS as microseconds.
  std::string Document(const std::string& expr, duckdb_logical_type t) {
    if (!NeedsDocumentRewrite(t)) return expr;
    switch (duckdb_get_type_id(t)) {
      case DUCKDB_TYPE_FLOAT:
        return "CAST(CAST(" + expr + " AS VARCHAR) AS DOUBLE)";
      case DUCKDB_TYPE_UBIGINT:
        return "CASE WHEN (" + expr + ") <= 9223372036854775807 THEN to_json(CAST(" + expr +
               " AS BIGINT)) ELSE to_json(CAST(" + expr + " AS VARCHAR)) END";
      case DUCKDB_TYPE_HUGEINT:
      case DUCKDB_TYPE_UHUGEINT:
      case DUCKDB_TYPE_DECIMAL:
        return "CAST(" + expr + " AS VARCHAR)";
      case DUCKDB_TYPE_TIMESTAMP_NS:
        return "CAST(" + expr + " AS TIMESTAMP)";
      case DUCKDB_TYPE_MAP: {
        TypeHandle key{duckdb_map_type_key_type(t)};
        TypeHandle value{duckdb_map_type_value_type(t)};
        const std::string entries = "map_entries(" + expr + ")";
        if (!NeedsDocumentRewrite(key.type) && !NeedsDocumentRewrite(value.type)) return entries;
        const std::string var = NextVariable();
        return "list_transform(" + entries + ", lambda " + var +
               ": {'key': " + Document("struct_extract(" + var + ", 'key')", key.type) +
               ", 'value': " + Document("struct_extract(" + var + ", 'value')", value.type) + "})";
      }
      case DUCKDB_TYPE_LIST:
      case DUCKDB_TYPE_ARRAY: {
        TypeHandle child{duckdb_get_type_id(t) == DUCKDB_TYPE_LIST
                             ? duckdb_list_type_child_type(t)
                             : duckdb_array_type_child_type(t)};
        const std::string var = NextVariable();
        return "list_transform(" + expr + ", lambda " + var + ": " + Document(var, child.type) +
               ")";
      }
      case DUCKDB_TYPE_STRUCT: {
        std::string fields;
        const idx_t n = duckdb_struct_type_child_count(t);
        for (idx_t i = 0; i < n; i++) {
          const std::string name = TakeString(duckdb_struct_type_child_name(t, i));
          TypeHandle child{duckdb_struct_type_child_type(t, i)};
          if (i) fields += ", ";
          fields +=
              SqlStringLiteral(name) + ": " +
              Document("struct_extract(" + expr + ", " + SqlStringLiteral(name) + ")", child.type);
        }
        // A NULL struct stays NULL (a struct of NULL fields would become an empty object).
        return "CASE WHEN (" + expr + ") IS NULL THEN NULL ELSE {" + fields + "} END";
      }
      default:
        return expr;
    }
  }

 private:
  std::string Leaf(const std::string& expr, VectorKind kind, DataType type, const std::string& raw,
                   const std::string& desired, VectorReader* r) {
    r->kind = kind;
    r->output = static_cast<int>(plan_->output_names.size());
    plan_->output_names.push_back(names_->ColumnName(table_, raw, desired));
    plan_->output_types.push_back(type);
    return expr;
  }
  std::string Int(const std::string& expr, VectorKind kind, const std::string& raw,
                  const std::string& desired, VectorReader* r) {
    return Leaf(expr, kind, DataType::Of(TypeId::kInt64), raw, desired, r);
  }
  std::string Timestamp(const std::string& expr, VectorKind kind, const std::string& raw,
                        const std::string& desired, VectorReader* r) {
    return Leaf(expr, kind, DataType::Of(TypeId::kTimestamp), raw, desired, r);
  }
  std::string JsonLeaf(const std::string& expr, duckdb_logical_type t, const std::string& raw,
                       const std::string& desired, VectorReader* r) {
    Leaf(expr, VectorKind::kJson, DataType::Of(TypeId::kJson), raw, desired, r);
    return "CAST(to_json(" + Document(expr, t) + ") AS VARCHAR)";
  }

  std::string Struct(const std::string& expr, duckdb_logical_type t, int depth,
                     const std::string& raw, const std::string& desired, VectorReader* r) {
    r->kind = VectorKind::kStruct;
    const idx_t n = duckdb_struct_type_child_count(t);
    r->fields.resize(n);
    bool rewritten = false;
    std::string fields;
    for (idx_t i = 0; i < n; i++) {
      const std::string name = TakeString(duckdb_struct_type_child_name(t, i));
      TypeHandle child{duckdb_struct_type_child_type(t, i)};
      const std::string access = "struct_extract(" + expr + ", " + SqlStringLiteral(name) + ")";
      const std::string sub = Direct(access, child.type, depth + 1, raw + RawKey(name),
                                     desired + "__" + Segment(name, i + 1), &r->fields[i]);
      rewritten |= sub != access;
      if (i) fields += ", ";
      fields += SqlStringLiteral(name) + ": " + sub;
    }
    // Rebuilt only when a field needs a cast; a NULL struct reads as NULL fields either way.
    return rewritten ? "{" + fields + "}" : expr;
  }

  std::string NextVariable() { return "__sluice_v" + std::to_string(variables_++); }

  const int max_nesting_;
  const std::string& table_;
  JsonNames* names_;
  ParquetReadPlan* plan_;
  int variables_ = 0;
};

}  // namespace

ParquetReadPlan PlanParquetRead(const std::string& path,
                                const std::vector<ParquetColumnSchema>& schema,
                                const std::vector<std::string>& projection, int max_nesting,
                                const std::string& table, JsonNames* names) {
  // Which schema columns to read, in the order asked for (or the file's order).
  std::vector<size_t> selected;
  if (projection.empty()) {
    for (size_t i = 0; i < schema.size(); i++) selected.push_back(i);
  } else {
    std::vector<std::string> unknown;
    for (const std::string& want : projection) {
      int found = -1;
      for (size_t i = 0; i < schema.size() && found < 0; i++) {
        if (schema[i].name == want) found = static_cast<int>(i);
      }
      for (size_t i = 0; i < schema.size() && found < 0; i++) {
        if (NormalizeIdentifier(schema[i].name) == NormalizeIdentifier(want)) {
          found = static_cast<int>(i);
        }
      }
      if (found < 0) {
        unknown.push_back("'" + want + "'");
      } else {
        selected.push_back(static_cast<size_t>(found));
      }
    }
    if (!unknown.empty()) {
      std::string list, have;
      for (const auto& u : unknown) list += (list.empty() ? "" : ", ") + u;
      for (size_t i = 0; i < schema.size() && i < 50; i++) {
        have += (have.empty() ? "" : ", ") + schema[i].name;
      }
      if (schema.size() > 50) have += ", ...";
      throw UsageError("--columns: " + path + " has no column " + list + "; its columns: " + have);
    }
  }

  ParquetReadPlan plan;
  Planner planner(max_nesting, table, names, &plan);
  std::string select, document;
  for (size_t i : selected) {
    const ParquetColumnSchema& c = schema[i];
    const std::string quoted = QuoteIdentifier(c.name);
    if (max_nesting > 0 && ContainsNested(c.type)) {
      if (!document.empty()) document += ", ";
      document += SqlStringLiteral(c.name) + ": " + planner.Document(quoted, c.type);
      continue;
    }
    plan.columns.emplace_back();
    const std::string expr = planner.Direct(quoted, c.type, 0, RawKey(c.name),
                                            Segment(c.name, i + 1), &plan.columns.back());
    if (!select.empty()) select += ", ";
    select += expr;
  }
  if (!document.empty()) {
    plan.has_document = true;
    if (!select.empty()) select += ", ";
    select += "CAST(to_json({" + document + "}) AS VARCHAR)";
  }
  if (select.empty()) select = "NULL";  // no column selected; rows still count
  plan.sql = "SELECT " + select + " FROM read_parquet(" + SqlStringLiteral(path) + ")";
  return plan;
}

}  // namespace sluice
