#pragma once
// How one Parquet file is read: the SELECT list pushed into DuckDB's read_parquet() and, for
// every selected column, how its DuckDB vectors become sluice columns (docs/parquet.md):
// - scalar columns and STRUCTs of them are read straight from the vectors; structs are
//   flattened into `parent__child` columns;
// - types sluice has no column type for (TIME, INTERVAL, DECIMAL(>18), HUGEINT, ...) are cast
//   to VARCHAR inside DuckDB;
// - columns holding a LIST, ARRAY or MAP anywhere are rendered by DuckDB as one JSON document
//   per row ({"col": [...], ...}) and go through the JSON flattener, so child tables, their
//   names and their ids are exactly the JSON reader's. MAPs are turned into lists of
//   {key, value} first (one child row per entry, not one column per key).
#include <duckdb.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/types.h"
#include "normalize/json_names.h"

namespace sluice {

// What a vector holds and how it is converted.
enum class VectorKind : uint8_t {
  kBoolean,
  kInt8,
  kInt16,
  kInt32,
  kInt64,
  kUInt8,
  kUInt16,
  kUInt32,
  kUInt64,  // int64 while every value of the chunk fits, else the chunk's column is text
  kFloat,
  kDouble,
  kDecimal16,
  kDecimal32,
  kDecimal64,
  kText,
  kJson,
  kBlob,
  kEnum8,
  kEnum16,
  kEnum32,
  kDate,
  kTimestampS,
  kTimestampMs,
  kTimestampUs,
  kTimestampNs,
  kTimestampTz,
  kUuid,
  kStruct,
};

// One selected column or struct field.
struct VectorReader {
  VectorKind kind = VectorKind::kText;
  uint8_t scale = 0;                    // decimals
  std::vector<std::string> dictionary;  // enums
  std::vector<VectorReader> fields;     // structs
  int output = -1;                      // leaves: index into ParquetReadPlan::output_names
};

struct ParquetReadPlan {
  std::string sql;
  std::vector<VectorReader> columns;  // parallel to the SELECT list (without the document)
  std::vector<std::string> output_names;
  std::vector<DataType> output_types;  // the type each output column takes (kUInt64: int64)
  // The last SELECT item is the JSON document of the nested columns.
  bool has_document = false;
};

struct ParquetColumnSchema {
  std::string name;
  duckdb_logical_type type;  // borrowed
};

// Plans the read of `path` (a local file). `projection`: top-level columns to read, by Parquet
// name or normalized name (empty: all); unknown names throw a usage error naming them. Column
// names are decided through `names` (shared with the JSON flattener, same raw paths), so a struct
// field gets the name a JSON object key at the same path would.
ParquetReadPlan PlanParquetRead(const std::string& path,
                                const std::vector<ParquetColumnSchema>& schema,
                                const std::vector<std::string>& projection, int max_nesting,
                                const std::string& table, JsonNames* names);

// 'text' as an SQL string literal.
std::string SqlStringLiteral(std::string_view text);

}  // namespace sluice
