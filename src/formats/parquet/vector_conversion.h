#pragma once
// Converts DuckDB vectors into sluice columns following a ParquetReadPlan: values are copied
// from DuckDB's flat buffers into the columns' buffers, with no allocation per value.
#include <duckdb.h>

#include <cstdint>
#include <vector>

#include "core/column.h"
#include "formats/parquet/parquet_read_plan.h"

namespace sluice {

// Appends `count` rows of `vector` (read as `reader` says) to the output columns the reader's
// leaves point at. `parent_valid` (one byte per row, may be null) marks rows whose enclosing
// struct is NULL. Returns false if a UBIGINT value does not fit int64 while the output column
// is int64: the caller re-runs the chunk with that column as text (`uint64_as_text`).
bool AppendVector(const VectorReader& reader, duckdb_vector vector, idx_t count,
                  const uint8_t* parent_valid, const std::vector<bool>& uint64_as_text,
                  std::vector<Column>* out, int* overflowed_output);

}  // namespace sluice
