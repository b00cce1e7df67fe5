#pragma once
// A thin RAII layer over SQLite's C API: one connection and prepared statements that throw
// sluice::Error (kind kDestination) with SQLite's message. Values are only ever bound, never
// spliced into SQL; identifiers go through QuoteIdentifier.
#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::sqlite {

// "name" -> "\"name\"" with embedded quotes doubled.
std::string QuoteIdentifier(std::string_view name);
// main."name": tables the loader owns live in the main database; the connection's TEMP tables
// (staging) would otherwise shadow a main table of the same name.
std::string MainTable(std::string_view name);

// Whether an SQLite result code is worth retrying (another writer holds the lock).
bool IsRetriable(int rc);

class Statement {
 public:
  Statement() = default;
  Statement(sqlite3* db, std::string_view sql, bool persistent = false);
  ~Statement();
  Statement(Statement&& o) noexcept;
  Statement& operator=(Statement&& o) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  sqlite3_stmt* get() const { return stmt_; }
  explicit operator bool() const { return stmt_ != nullptr; }

  // Runs one step: true if a row is available, false when done. Throws on errors (after
  // resetting the statement so it can run again).
  bool Step();
  // Steps until done (for statements that return no rows or whose rows are not needed).
  void Run();
  void Reset();

  // Binds that copy (SQLITE_TRANSIENT): for metadata and DDL helpers, not the row path.
  void BindText(int index, std::string_view v);
  void BindInt64(int index, int64_t v);
  void BindNull(int index);

  bool IsNull(int column) const;
  int64_t ColumnInt64(int column) const;
  std::string_view ColumnText(int column) const;

 private:
  [[noreturn]] void Fail(int rc) const;

  sqlite3_stmt* stmt_ = nullptr;
};

class Connection {
 public:
  // Opens (creating if needed) the database file. SQLITE_OPEN_NOMUTEX: one thread at a time
  // uses a connection.
  explicit Connection(const std::string& path);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* get() const { return db_; }
  const std::string& path() const { return path_; }

  // Runs SQL that returns no rows needed (one or more statements).
  void Execute(std::string_view sql);
  Statement Prepare(std::string_view sql, bool persistent = false) {
    return Statement(db_, sql, persistent);
  }
  // The first column of the first row as text ("" if no row or NULL).
  std::string QueryText(std::string_view sql);
  bool InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }
  bool TableExists(std::string_view name, std::string_view schema = "main");

 private:
  std::string path_;
  sqlite3* db_ = nullptr;
};

// Throws the destination error for `rc` on `db`, naming what was being done.
[[noreturn]] void ThrowSqliteError(sqlite3* db, int rc, std::string_view what);

}  // namespace sluice::sqlite
