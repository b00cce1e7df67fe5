#pragma once
// A thin RAII layer over DuckDB's C API: a database, one connection, queries that throw
// sluice::Error with DuckDB's message, and prepared statements with bound parameters (values
// are never spliced into SQL).
#include <duckdb.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/identifiers.h"  // QuoteIdentifier

namespace sluice {

class DuckDbConnection {
 public:
  // Opens the database file and a first connection.
  explicit DuckDbConnection(const std::string& path);
  ~DuckDbConnection();
  // Another connection to the same database (for writers on other threads).
  std::unique_ptr<DuckDbConnection> Connect() const;
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
  struct Database {
    duckdb_database handle = nullptr;
    ~Database() { duckdb_close(&handle); }
  };
  DuckDbConnection(std::shared_ptr<Database> db, std::string path);

  std::string path_;
  std::shared_ptr<Database> db_;  // closed when the last connection goes
  duckdb_connection con_ = nullptr;
};

}  // namespace sluice
