#pragma once
// A thin RAII layer over libpq: one connection, statements with text parameters (values are never
// spliced into SQL), COPY ... FROM STDIN, and errors turned into sluice::Error with the retriable
// flag decided by SQLSTATE. Messages never contain the URI's password.
#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "destinations/postgres/postgres_uri.h"

namespace sluice {

struct PgRow {
  std::vector<std::string> values;
  std::vector<bool> nulls;
};
using PgParam = std::optional<std::string>;  // std::nullopt = SQL NULL

// Transient failures worth retrying: connection exceptions (class 08), serialization failure
// (40001), deadlock (40P01), admin/crash shutdown and "cannot connect now" (57P01-57P03),
// too many connections (53300).
bool IsRetriableSqlState(const std::string& sqlstate);

class PgConnection {
 public:
  // Connects (libpq fills in what the URI leaves out from PG* variables and ~/.pgpass) and sets
  // the session up for sluice: UTF8, TimeZone UTC, ISO dates, exact floats.
  static std::unique_ptr<PgConnection> Connect(const PostgresUri& uri);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Runs one or more statements without parameters or results.
  void Execute(const std::string& sql);
  // Runs one statement with text parameters ($1, $2, ...) and returns its rows as text.
  std::vector<PgRow> Query(const std::string& sql, const std::vector<PgParam>& params = {});
  // Query() for a single value (first column of the first row; "" if none or NULL).
  std::string QueryValue(const std::string& sql, const std::vector<PgParam>& params = {});

  // COPY ... FROM STDIN: BeginCopy sends the statement, PutCopyData streams data, EndCopy
  // finishes it and throws the server's error, if any. CancelCopy aborts it (best effort).
  void BeginCopy(const std::string& copy_sql);
  void PutCopyData(const char* data, size_t size);
  void EndCopy();
  void CancelCopy() noexcept;
  bool in_copy() const { return in_copy_; }

  // Whether the session is inside a transaction block (or a failed one).
  bool InTransaction() const;
  // Whether the connection is still usable (the server has not closed it).
  bool ok() const { return PQstatus(conn_) == CONNECTION_OK; }
  // SQLSTATE of the last error thrown ("" if it had none, e.g. a lost connection).
  const std::string& last_sqlstate() const { return last_sqlstate_; }
  int BackendPid() const { return PQbackendPID(conn_); }
  // postgresql://user@host:port/dbname as libpq resolved it (no password).
  std::string Describe() const;
  const PostgresUri& uri() const { return uri_; }

 private:
  PgConnection(PGconn* conn, PostgresUri uri) : conn_(conn), uri_(std::move(uri)) {}
  // An error for a failed statement (`result` may be null: then the connection's message).
  Error MakeError(const PGresult* result, const std::string& sql) const;

  PGconn* conn_;
  PostgresUri uri_;
  bool in_copy_ = false;
  mutable std::string last_sqlstate_;
};

}  // namespace sluice
