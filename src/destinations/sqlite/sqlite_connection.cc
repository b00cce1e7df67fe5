#include "destinations/sqlite/sqlite_connection.h"

#include "core/error.h"

namespace sluice::sqlite {

std::string QuoteIdentifier(std::string_view name) {
  std::string out;
  out.reserve(name.size() + 2);
  out += '"';
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string MainTable(std::string_view name) {
  return "main." + QuoteIdentifier(name);
}

bool IsRetriable(int rc) {
  switch (rc & 0xff) {
    case SQLITE_BUSY:      // another connection holds the write lock (past busy_timeout)
    case SQLITE_LOCKED:    // a conflict inside a shared cache
    case SQLITE_PROTOCOL:  // a WAL lock race
      return true;
    default:
      return false;
  }
}

void ThrowSqliteError(sqlite3* db, int rc, std::string_view what) {
  std::string message = "sqlite: ";
  message += db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  if ((rc & 0xff) == SQLITE_BUSY) {
    message +=
        " (another process is writing to the database; it was waited for busy_timeout "
        "ms: retry later or raise ?busy_timeout=)";
  }
  if (!what.empty()) {
    // SQL text here holds identifiers only (values are always bound), so it is safe to show;
    // long statements are cut.
    constexpr size_t kMax = 300;
    message += " [";
    message += what.substr(0, kMax);
    if (what.size() > kMax) message += "...";
    message += "]";
  }
  throw Error(ErrorKind::kDestination, message, IsRetriable(rc));
}

Statement::Statement(sqlite3* db, std::string_view sql, bool persistent) {
  const int rc = sqlite3_prepare_v3(db, sql.data(), int(sql.size()),
                                    persistent ? SQLITE_PREPARE_PERSISTENT : 0, &stmt_, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt_);
    stmt_ = nullptr;
    ThrowSqliteError(db, rc, sql);
  }
}

Statement::~Statement() {
  sqlite3_finalize(stmt_);
}

Statement::Statement(Statement&& o) noexcept : stmt_(o.stmt_) {
  o.stmt_ = nullptr;
}

Statement& Statement::operator=(Statement&& o) noexcept {
  if (this != &o) {
    sqlite3_finalize(stmt_);
    stmt_ = o.stmt_;
    o.stmt_ = nullptr;
  }
  return *this;
}

void Statement::Fail(int rc) const {
  sqlite3* db = sqlite3_db_handle(stmt_);
  // The message must be read before the reset (which may replace it).
  std::string sql = sqlite3_sql(stmt_) ? sqlite3_sql(stmt_) : "";
  try {
    ThrowSqliteError(db, rc, sql);
  } catch (...) {
    sqlite3_reset(stmt_);
    throw;
  }
}

bool Statement::Step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  Fail(rc);
}

void Statement::Run() {
  while (Step()) {
  }
  sqlite3_reset(stmt_);
}

void Statement::Reset() {
  sqlite3_reset(stmt_);
}

void Statement::BindText(int index, std::string_view v) {
  sqlite3_bind_text(stmt_, index, v.empty() ? "" : v.data(), int(v.size()), SQLITE_TRANSIENT);
}

void Statement::BindInt64(int index, int64_t v) {
  sqlite3_bind_int64(stmt_, index, v);
}

void Statement::BindNull(int index) {
  sqlite3_bind_null(stmt_, index);
}

bool Statement::IsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

int64_t Statement::ColumnInt64(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

std::string_view Statement::ColumnText(int column) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  if (!p) return {};
  return std::string_view(p, size_t(sqlite3_column_bytes(stmt_, column)));
}

Connection::Connection(const std::string& path) : path_(path) {
  // Memory statistics take a global mutex on every allocation; sluice never reads them. Only
  // possible before SQLite initializes (a no-op returning SQLITE_MISUSE after).
  static const int kNoMemoryStatistics = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  (void)kNoMemoryStatistics;
  const int rc =
      sqlite3_open_v2(path.c_str(), &db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string message =
        "sqlite: cannot open '" + path + "': " + (db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
    sqlite3_close(db_);
    db_ = nullptr;
    throw Error(ErrorKind::kDestination, message, IsRetriable(rc));
  }
  sqlite3_extended_result_codes(db_, 1);
}

Connection::~Connection() {
  // Statements are owned by their holders, which are destroyed first; close_v2 defers the close
  // until the last one is finalized if not.
  sqlite3_close_v2(db_);
}

void Connection::Execute(std::string_view sql) {
  // sqlite3_exec needs a NUL-terminated string.
  const std::string text(sql);
  char* err = nullptr;
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  sqlite3_free(err);  // sqlite3_errmsg holds the same message
  if (rc != SQLITE_OK) ThrowSqliteError(db_, rc, sql);
}

std::string Connection::QueryText(std::string_view sql) {
  Statement s = Prepare(sql);
  if (!s.Step() || s.IsNull(0)) return "";
  return std::string(s.ColumnText(0));
}

bool Connection::TableExists(std::string_view name, std::string_view schema) {
  Statement s = Prepare("SELECT 1 FROM " + std::string(schema) +
                        ".sqlite_schema WHERE type = 'table' AND name = ?");
  s.BindText(1, name);
  return s.Step();
}

}  // namespace sluice::sqlite
