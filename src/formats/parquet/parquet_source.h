#pragma once
// The Parquet reader: DuckDB's Parquet reader (read_parquet in an in-memory database) streams
// the rows of one file at a time as data chunks (one reader thread); parse workers convert the
// chunks' vectors into typed batches of the root table and, for LIST / MAP columns, child tables
// exactly as the JSON reader would make them. Rules: docs/parquet.md.
#include <memory>
#include <vector>

#include "formats/parquet/parquet_options.h"
#include "sources/source.h"

namespace sluice {

// Validates the options, reads the first file's schema (a malformed file or an unknown
// --columns name fails here) and returns the source. Local paths are read in place; URIs with a
// scheme are spooled to a temporary file first (options.open_remote).
std::unique_ptr<Source> MakeParquetSource(std::vector<InputFile> files, ParquetOptions options);

}  // namespace sluice
