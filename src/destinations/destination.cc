#include "destinations/destination.h"

#include "core/error.h"
#include "destinations/duckdb/duckdb_destination.h"
#include "destinations/filesystem/filesystem_destination.h"
#include "destinations/postgres/postgres_destination.h"
#include "destinations/sqlite/sqlite_destination.h"

namespace sluice {

WriteMode ParseWriteMode(const std::string& name) {
  if (name == "append") return WriteMode::kAppend;
  if (name == "replace") return WriteMode::kReplace;
  if (name == "merge") return WriteMode::kMerge;
  throw UsageError("unknown --mode '" + name + "': use append, replace or merge");
}

const char* WriteModeName(WriteMode mode) {
  switch (mode) {
    case WriteMode::kAppend:
      return "append";
    case WriteMode::kReplace:
      return "replace";
    case WriteMode::kMerge:
      return "merge";
  }
  return "append";
}

MergeStrategy ParseMergeStrategy(const std::string& name) {
  if (name == "delete-insert") return MergeStrategy::kDeleteInsert;
  if (name == "upsert") return MergeStrategy::kUpsert;
  throw UsageError("unknown --merge-strategy '" + name + "': use delete-insert or upsert");
}

const char* MergeStrategyName(MergeStrategy strategy) {
  return strategy == MergeStrategy::kUpsert ? "upsert" : "delete-insert";
}

std::unique_ptr<Destination> OpenDestination(const std::string& uri) {
  const std::string duckdb_prefix = "duckdb://";
  if (uri.rfind(duckdb_prefix, 0) == 0) {
    // duckdb:///x.duckdb -> "x.duckdb" (relative); duckdb:////abs/x.duckdb -> "/abs/x.duckdb".
    std::string path = uri.substr(duckdb_prefix.size());
    std::string query;
    if (const size_t q = path.find('?'); q != std::string::npos) {
      query = path.substr(q + 1);
      path.resize(q);
    }
    if (!path.empty() && path[0] == '/') path = path.substr(1);
    if (path.empty()) throw UsageError("destination '" + uri + "' names no database file");
    return DuckDbDestination::Open(path, DuckDbOptions::Parse(query));
  }
  if (uri.rfind("sqlite://", 0) == 0) {
    std::string path;
    sqlite::SqliteOptions options;
    sqlite::ParseSqliteUri(uri, &path, &options);
    return SqliteDestination::Open(path, options);
  }
  if (IsPostgresUri(uri)) return PostgresDestination::Open(uri);
  if (IsFilesystemDestinationUri(uri)) return FilesystemDestination::Open(uri);
  // The URI may hold a password: name only its scheme.
  const size_t scheme_end = uri.find("://");
  throw UsageError("unsupported destination '" +
                   (scheme_end == std::string::npos ? std::string("(no scheme)")
                                                    : uri.substr(0, scheme_end) + "://...") +
                   "': use duckdb:///path/to/file.duckdb, sqlite:///path/to/file.db, "
                   "postgresql://user@host/db, or files: file:///dir, s3://bucket/prefix, "
                   "gs://bucket/prefix, az://container/prefix");
}

}  // namespace sluice
