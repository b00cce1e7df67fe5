#pragma once
// Settings from an SQLite destination URI's query string:
//   sqlite:///x.db?busy_timeout=60000&synchronous=normal
#include <cstdint>
#include <string>

namespace sluice::sqlite {

struct SqliteOptions {
  // How long a load waits for another process's write transaction on the same file before it
  // fails (retriably), in milliseconds.
  int busy_timeout_ms = 30000;
  // PRAGMA synchronous: OFF, NORMAL, FULL or EXTRA. FULL (the default) syncs the WAL at every
  // commit, so a committed load survives a power cut; NORMAL survives a crash of sluice but not
  // of the machine.
  std::string synchronous = "FULL";
  // Page cache in MiB (PRAGMA cache_size): a load's dirty pages beyond it spill to the WAL early.
  int cache_mb = 64;

  // Parses "key=value&key=value"; throws a usage error naming an unknown key or a bad value.
  static SqliteOptions Parse(const std::string& query);
};

// Splits an sqlite:// URI into the database path and options: sqlite:///rel.db -> "rel.db",
// sqlite:////abs/x.db -> "/abs/x.db". Throws a usage error for a URI without a path.
void ParseSqliteUri(const std::string& uri, std::string* path, SqliteOptions* options);

}  // namespace sluice::sqlite
