#pragma once
// Where Parquet files are made: a private in-memory DuckDB database (DuckDB's own Parquet writer,
// no second implementation in sluice) and a private local temp directory. A file's rows are
// appended to a buffer table through DuckDB's appender, then COPY ... TO writes them to a local
// temp file (FORMAT parquet), which is streamed to the destination through the storage
// interface and removed. DuckDB may spill buffered rows to the temp directory beyond its
// memory limit.
#include <memory>
#include <mutex>
#include <string>

#include "destinations/duckdb/duckdb_connection.h"

namespace sluice {

// 'text' with quotes doubled: for file paths in DuckDB statements that take no parameters.
std::string SqlStringLiteral(const std::string& s);

class ParquetWorkspace {
 public:
  explicit ParquetWorkspace(std::string compression);
  ~ParquetWorkspace();
  ParquetWorkspace(const ParquetWorkspace&) = delete;
  ParquetWorkspace& operator=(const ParquetWorkspace&) = delete;

  DuckDbConnection& connection() { return *connection_; }
  const std::string& compression() const { return compression_; }
  // A name no other buffer table or temp file of this workspace uses.
  std::string NextName();
  // A path in the private temp directory.
  std::string TempPath(const std::string& name) const { return dir_ + "/" + name; }

 private:
  std::string compression_;
  std::string dir_;
  std::unique_ptr<DuckDbConnection> connection_;
  uint64_t counter_ = 0;
};

}  // namespace sluice
