#pragma once
// Options of the Parquet reader (docs/parquet.md).
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "io/input_stream.h"

namespace sluice {

struct ParquetOptions {
  // Root table the rows load into; child tables (from LIST / MAP columns) are `<table>__<col>`.
  // Required; normalized with NormalizeIdentifier.
  std::string table;

  // Top-level columns to read (Parquet names, or their normalized sluice names). Empty: all.
  // Pushed into the SELECT list, so DuckDB never decodes the other column chunks.
  std::vector<std::string> columns;

  // Levels of nested structs / lists expanded into columns and child tables, as in the JSON
  // reader (JsonOptions::max_nesting); deeper values are stored as JSON text.
  int max_nesting = 5;

  // Rows handed to one parse worker (DuckDB produces vectors of 2048 rows; this many rows are
  // gathered before a chunk is cut). Smaller chunks lower peak memory (chunks in flight), larger
  // ones cost less per batch downstream; 32K measured best of 16K/32K/64K (docs/parquet.md).
  size_t rows_per_chunk = 32 * 1024;
  // A chunk is also cut once its top-level text / json / binary values reach this many bytes, so
  // rows of huge strings stay in bounded memory (and far below a column's 4 GiB heap limit).
  size_t chunk_text_bytes = size_t{64} << 20;

  // Threads DuckDB's Parquet reader may use (its own pool). 1: decoding runs on the reader
  // thread while the runner's parse workers convert and the destination writes.
  int duckdb_threads = 1;

  // Opens remote objects (URIs with a scheme, e.g. s3://) for spooling into a temporary file.
  // Empty: the storage layer (StorageFor(uri).OpenRead(uri)).
  std::function<std::unique_ptr<InputStream>(const std::string& uri)> open_remote;

  // Throws a usage error (sluice::Error) if an option is out of range.
  void Validate() const;
};

// Splits a --columns value "a,b,c" (names trimmed; empty names are a usage error).
std::vector<std::string> ParseColumnList(const std::string& list);

}  // namespace sluice
