#include "formats/parquet/parquet_options.h"

#include "core/error.h"

namespace sluice {

void ParquetOptions::Validate() const {
  if (max_nesting < 0 || max_nesting > 64) {
    throw UsageError("--max-nesting must be between 0 and 64, got " + std::to_string(max_nesting));
  }
  if (duckdb_threads < 1 || duckdb_threads > 256) {
    throw UsageError("Parquet duckdb_threads must be between 1 and 256");
  }
  if (rows_per_chunk == 0 || chunk_text_bytes == 0) {
    throw UsageError("Parquet rows_per_chunk and chunk_text_bytes must be positive");
  }
}

std::vector<std::string> ParseColumnList(const std::string& list) {
  std::vector<std::string> out;
  size_t begin = 0;
  for (;;) {
    const size_t comma = list.find(',', begin);
    std::string name =
        list.substr(begin, comma == std::string::npos ? std::string::npos : comma - begin);
    const size_t first = name.find_first_not_of(" \t");
    const size_t last = name.find_last_not_of(" \t");
    name = first == std::string::npos ? "" : name.substr(first, last - first + 1);
    if (name.empty()) throw UsageError("--columns '" + list + "' has an empty column name");
    out.push_back(std::move(name));
    if (comma == std::string::npos) break;
    begin = comma + 1;
  }
  return out;
}

}  // namespace sluice
