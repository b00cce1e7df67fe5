#pragma once
// For tests: run a query on a DuckDB file and get its rows as "a|b|c" lines (NULL spelled NULL).
#include <string>
#include <vector>

#include "destinations/duckdb/duckdb_connection.h"

namespace sluice::testing_util {

inline std::vector<std::string> QueryRows(const std::string& db, const std::string& sql) {
  DuckDbConnection con(db);
  std::vector<std::string> out;
  for (const auto& row : con.Query(sql)) {
    std::string line;
    for (size_t i = 0; i < row.values.size(); i++) {
      line += (i ? "|" : "") + (row.nulls[i] ? std::string("NULL") : row.values[i]);
    }
    out.push_back(line);
  }
  return out;
}

}  // namespace sluice::testing_util
