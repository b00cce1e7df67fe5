#include "destinations/duckdb/duckdb_connection.h"

#include "core/error.h"

namespace sluice {

DuckDbConnection::DuckDbConnection(const std::string& path)
    : path_(path), db_(std::make_shared<Database>()) {
  char* error = nullptr;
  duckdb_config config;
  duckdb_create_config(&config);
  // sluice never needs DuckDB to download extensions (and the network may be closed).
  duckdb_set_config(config, "autoinstall_known_extensions", "false");
  duckdb_set_config(config, "autoload_known_extensions", "true");
  const duckdb_state rc = duckdb_open_ext(path.c_str(), &db_->handle, config, &error);
  duckdb_destroy_config(&config);
  if (rc != DuckDBSuccess) {
    std::string message = error ? error : "unknown error";
    duckdb_free(error);
    throw DestinationError("cannot open DuckDB database '" + path + "': " + message);
  }
  if (duckdb_connect(db_->handle, &con_) != DuckDBSuccess) {
    throw DestinationError("cannot connect to DuckDB database '" + path + "'");
  }
}

DuckDbConnection::DuckDbConnection(std::shared_ptr<Database> db, std::string path)
    : path_(std::move(path)), db_(std::move(db)) {
  if (duckdb_connect(db_->handle, &con_) != DuckDBSuccess) {
    throw DestinationError("cannot open another connection to DuckDB database '" + path_ + "'");
  }
}

std::unique_ptr<DuckDbConnection> DuckDbConnection::Connect() const {
  return std::unique_ptr<DuckDbConnection>(new DuckDbConnection(db_, path_));
}

DuckDbConnection::~DuckDbConnection() {
  if (con_) duckdb_disconnect(&con_);
}

void DuckDbConnection::Execute(const std::string& sql) {
  duckdb_result result;
  if (duckdb_query(con_, sql.c_str(), &result) != DuckDBSuccess) {
    std::string message = duckdb_result_error(&result);
    duckdb_destroy_result(&result);
    throw DestinationError("DuckDB: " + message);
  }
  duckdb_destroy_result(&result);
}

namespace {

struct Prepared {
  duckdb_prepared_statement stmt = nullptr;
  ~Prepared() { duckdb_destroy_prepare(&stmt); }
};

void PrepareAndBind(duckdb_connection con, const std::string& sql,
                    const std::vector<std::string>& params, const std::vector<bool>& nulls,
                    Prepared* prepared) {
  if (duckdb_prepare(con, sql.c_str(), &prepared->stmt) != DuckDBSuccess) {
    throw DestinationError(std::string("DuckDB: ") + duckdb_prepare_error(prepared->stmt));
  }
  for (size_t i = 0; i < params.size(); i++) {
    const bool is_null = i < nulls.size() && nulls[i];
    const duckdb_state rc =
        is_null
            ? duckdb_bind_null(prepared->stmt, i + 1)
            : duckdb_bind_varchar_length(prepared->stmt, i + 1, params[i].data(), params[i].size());
    if (rc != DuckDBSuccess) throw DestinationError("DuckDB: cannot bind parameter");
  }
}

}  // namespace

std::vector<DuckDbConnection::Row> DuckDbConnection::Query(const std::string& sql,
                                                           const std::vector<std::string>& params) {
  Prepared prepared;
  PrepareAndBind(con_, sql, params, {}, &prepared);
  duckdb_result result;
  if (duckdb_execute_prepared(prepared.stmt, &result) != DuckDBSuccess) {
    std::string message = duckdb_result_error(&result);
    duckdb_destroy_result(&result);
    throw DestinationError("DuckDB: " + message);
  }
  // Metadata queries only (small results): read values through the text accessors.
  std::vector<Row> rows;
  const idx_t ncols = duckdb_column_count(&result);
  const idx_t nrows = duckdb_row_count(&result);
  for (idx_t r = 0; r < nrows; r++) {
    Row row;
    for (idx_t c = 0; c < ncols; c++) {
      const bool is_null = duckdb_value_is_null(&result, c, r);
      row.nulls.push_back(is_null);
      char* text = is_null ? nullptr : duckdb_value_varchar(&result, c, r);
      if (!is_null && !text) {
        duckdb_destroy_result(&result);
        throw Error(ErrorKind::kInternal, "DuckDB cannot render column " + std::to_string(c) +
                                              " as text: cast it to VARCHAR in: " + sql);
      }
      row.values.push_back(text ? text : "");
      duckdb_free(text);
    }
    rows.push_back(std::move(row));
  }
  duckdb_destroy_result(&result);
  return rows;
}

void DuckDbConnection::ExecuteWithParams(const std::string& sql,
                                         const std::vector<std::string>& params,
                                         const std::vector<bool>& nulls) {
  Prepared prepared;
  PrepareAndBind(con_, sql, params, nulls, &prepared);
  duckdb_result result;
  if (duckdb_execute_prepared(prepared.stmt, &result) != DuckDBSuccess) {
    std::string message = duckdb_result_error(&result);
    duckdb_destroy_result(&result);
    throw DestinationError("DuckDB: " + message);
  }
  duckdb_destroy_result(&result);
}

}  // namespace sluice
