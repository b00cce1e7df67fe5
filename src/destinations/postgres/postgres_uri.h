#pragma once
// The PostgreSQL destination URI: postgresql://user:password@host:port/dbname?key=value&...
// (also postgres://). sluice's own query keys are taken out; everything else (sslmode,
// connect_timeout, application_name, host=/socket/dir, ...) goes to libpq unchanged, and whatever
// the URI leaves out libpq takes from PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGPASSFILE /
// ~/.pgpass, PGSSLMODE, ... as usual.
#include <cstddef>
#include <string>

namespace sluice {

// Parallel COPY connections when the URI does not say (docs/architecture.md, "PostgreSQL
// destination", has the measurements behind it).
inline constexpr size_t kDefaultCopyConnections = 2;

struct PostgresUri {
  // The URI without sluice's keys, for PQconnectdbParams' dbname with expand_dbname (libpq
  // parses it and fills in the rest from the environment).
  std::string libpq_uri;
  // sluice's keys:
  std::string schema = "public";  // `schema`: where tables and sluice's metadata live
  size_t copy_connections = kDefaultCopyConnections;  // `copy_connections` (1..32)
  // The password as written in the URI (user:PASSWORD@ or ?password=), raw and percent-decoded;
  // empty if none. Only for scrubbing it from messages.
  std::string password_raw, password;
  // The URI with the password replaced by "***" (safe for logs and errors).
  std::string redacted;

  // Throws a usage error (which never contains the password) for a URI that is not a PostgreSQL
  // URI, a bad sluice setting, or a key libpq does not know (the message names the key).
  static PostgresUri Parse(const std::string& uri);
  // `text` with every occurrence of the password replaced by "***".
  std::string Scrub(std::string text) const;
};

// True for postgresql:// and postgres:// URIs.
bool IsPostgresUri(const std::string& uri);

}  // namespace sluice
