#pragma once
// A thin RAII layer over DuckDB's C API: a database, one connection, queries that throw
// sluice::Error with DuckDB's message, and prepared statements with bound parameters (values
// are never spliced into SQL).
#include <duckdb.h>

#include <cstdint>
#include <string>
#include <vector>

namespace sluice {

// "name" -> "\"name\"" with embedded quotes doubled.
std::string QuoteIdentifier(const std::string& name);

class DuckDbConnection {
 public:
  explicit DuckDbConnection(const std::string& path);
  ~DuckDbConnection();
  DuckDbConnection(const DuckDbConnection&) = delete;
  DuckDbConnection& operator=(const DuckDbConnection&) = delete;

  duckdb_connection get() const { return con_; }
  const std::string& path() const { return path_; }

  void Execute(const std::string& sql);
  // Runs a query and returns every value as text (NULL as std::nullopt-like empty + flag).
  struct Row {
    std::vector<std::string> values;
    std::vector<bool> nulls;
  };
  std::vector<Row> Query(const std::string& sql, const std::vector<std::string>& params = {});
  // Executes `sql` with parameters bound as VARCHAR (DuckDB casts them to the column types).
  void ExecuteWithParams(const std::string& sql, const std::vector<std::string>& params,
                         const std::vector<bool>& nulls = {});

 private:
  std::string path_;
  duckdb_database db_ = nullptr;
  duckdb_connection con_ = nullptr;
};

}  // namespace sluice
