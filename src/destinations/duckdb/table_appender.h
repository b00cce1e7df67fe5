#pragma once
// Appends sluice batches to one DuckDB table through the C API appender, a data chunk (2048
// rows) at a time: fixed-width values are copied in blocks, strings go straight into the
// vector's heap. Never row-at-a-time SQL.
#include <duckdb.h>

#include <string>
#include <vector>

#include "core/batch.h"

namespace sluice {

class TableAppender {
 public:
  TableAppender(duckdb_connection con, std::string table);
  ~TableAppender();
  TableAppender(const TableAppender&) = delete;
  TableAppender& operator=(const TableAppender&) = delete;

  // Appends rows [0, batch.num_rows) of the named columns (other table columns get their
  // default, NULL). `extra_sequence_column`, if not empty, is filled with first_sequence + row.
  void Append(const Batch& batch, const std::string& extra_sequence_column = "",
              int64_t first_sequence = 0);
  // Flushes and releases the appender (needed before DDL on the table, and before commit).
  void Close();

 private:
  void Configure(const std::vector<std::string>& columns);
  void Check(duckdb_state state, const char* what);

  duckdb_connection con_;
  std::string table_;
  duckdb_appender appender_ = nullptr;
  std::vector<std::string> active_columns_;
  duckdb_data_chunk chunk_ = nullptr;
  std::vector<duckdb_type> physical_;  // DuckDB type id per active column
};

}  // namespace sluice
