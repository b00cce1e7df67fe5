// DuckDB's own loader as the benchmark peer, driven through the same C API sluice links.
//
//   sluice_duckdb_peer csv   FILE DB.duckdb TABLE   CREATE OR REPLACE TABLE AS read_csv(FILE)
//   sluice_duckdb_peer json  FILE DB.duckdb TABLE   ... read_json(FILE)
//   sluice_duckdb_peer parquet FILE DB.duckdb TABLE ... read_parquet(FILE)
//   sluice_duckdb_peer query DB.duckdb SQL          prints the result, tab separated
//
// Loads use DuckDB defaults (auto-detection, all cores, default memory limit) because that is
// what a user comparing the two tools would run. The load mode prints one machine-readable line:
//   rows=N load_seconds=S total_seconds=T
// where total includes opening the database and the checkpoint on close.

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "duckdb.h"

namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// SQL string literal with embedded quotes doubled.
std::string Literal(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += '\'';
    out += c;
  }
  out += '\'';
  return out;
}

std::string Identifier(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

struct Db {
  duckdb_database db = nullptr;
  duckdb_connection con = nullptr;

  bool Open(const char* path) {
    char* error = nullptr;
    if (duckdb_open_ext(path, &db, nullptr, &error) != DuckDBSuccess) {
      std::fprintf(stderr, "duckdb_peer: cannot open %s: %s\n", path, error ? error : "?");
      duckdb_free(error);
      return false;
    }
    if (duckdb_connect(db, &con) != DuckDBSuccess) {
      std::fprintf(stderr, "duckdb_peer: cannot connect to %s\n", path);
      return false;
    }
    return true;
  }

  // Closing checkpoints the WAL into the file; it belongs to the measured load.
  ~Db() {
    if (con != nullptr) duckdb_disconnect(&con);
    if (db != nullptr) duckdb_close(&db);
  }
};

bool Run(duckdb_connection con, const std::string& sql, duckdb_result* result) {
  if (duckdb_query(con, sql.c_str(), result) != DuckDBSuccess) {
    std::fprintf(stderr, "duckdb_peer: query failed: %s\n  sql: %s\n", duckdb_result_error(result),
                 sql.c_str());
    duckdb_destroy_result(result);
    return false;
  }
  return true;
}

int Load(std::string_view kind, const char* file, const char* db_path, const char* table) {
  auto start = Clock::now();
  double load_seconds = 0;
  unsigned long long rows = 0;
  {
    Db db;
    if (!db.Open(db_path)) return 1;
    std::string reader;
    if (kind == "csv") {
      reader = "read_csv(" + Literal(file) + ")";
    } else if (kind == "parquet") {
      reader = "read_parquet(" + Literal(file) + ")";
    } else if (EndsWith(file, ".ndjson") || EndsWith(file, ".jsonl")) {
      // The format is what the extension already says; types are still auto-detected.
      reader = "read_json(" + Literal(file) + ", format = 'newline_delimited')";
    } else {
      reader = "read_json(" + Literal(file) + ")";
    }
    std::string sql =
        "CREATE OR REPLACE TABLE " + Identifier(table) + " AS SELECT * FROM " + reader;
    auto load_start = Clock::now();
    duckdb_result result;
    if (!Run(db.con, sql, &result)) return 1;
    load_seconds = SecondsSince(load_start);
    duckdb_destroy_result(&result);

    // Counted separately: CTAS reports no reliable row count through the C API.
    if (!Run(db.con, "SELECT count(*) FROM " + Identifier(table), &result)) return 1;
    rows = static_cast<unsigned long long>(duckdb_value_int64(&result, 0, 0));
    duckdb_destroy_result(&result);
  }
  std::printf("rows=%llu load_seconds=%.3f total_seconds=%.3f\n", rows, load_seconds,
              SecondsSince(start));
  return 0;
}

int Query(const char* db_path, const char* sql) {
  Db db;
  if (!db.Open(db_path)) return 1;
  duckdb_result result;
  if (!Run(db.con, sql, &result)) return 1;
  idx_t cols = duckdb_column_count(&result);
  idx_t rows = duckdb_row_count(&result);
  for (idx_t r = 0; r < rows; ++r) {
    for (idx_t c = 0; c < cols; ++c) {
      if (c > 0) std::fputc('\t', stdout);
      // Fine for the short diagnostic results this mode is for; not a general exporter.
      char* value = duckdb_value_varchar(&result, c, r);
      std::fputs(value != nullptr ? value : "NULL", stdout);
      duckdb_free(value);
    }
    std::fputc('\n', stdout);
  }
  duckdb_destroy_result(&result);
  return 0;
}

int Usage() {
  std::fprintf(stderr,
               "usage: sluice_duckdb_peer csv|json|parquet FILE DB.duckdb TABLE\n"
               "       sluice_duckdb_peer query DB.duckdb SQL\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return Usage();
  std::string_view mode = argv[1];
  if ((mode == "csv" || mode == "json" || mode == "parquet") && argc == 5)
    return Load(mode, argv[2], argv[3], argv[4]);
  if (mode == "query" && argc == 4) return Query(argv[2], argv[3]);
  return Usage();
}
