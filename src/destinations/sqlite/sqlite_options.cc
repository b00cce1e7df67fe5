#include "destinations/sqlite/sqlite_options.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "core/error.h"

namespace sluice::sqlite {
namespace {

bool ParseInt(const std::string& value, int min, int max, int* out) {
  int v = 0;
  const auto r = std::from_chars(value.data(), value.data() + value.size(), v);
  if (r.ec != std::errc() || r.ptr != value.data() + value.size() || v < min || v > max) {
    return false;
  }
  *out = v;
  return true;
}

}  // namespace

SqliteOptions SqliteOptions::Parse(const std::string& query) {
  SqliteOptions options;
  size_t start = 0;
  while (start < query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string::npos) end = query.size();
    const std::string pair = query.substr(start, end - start);
    start = end + 1;
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    const std::string key = pair.substr(0, eq);
    const std::string value = eq == std::string::npos ? "" : pair.substr(eq + 1);
    if (key == "busy_timeout") {
      if (!ParseInt(value, 0, 86400000, &options.busy_timeout_ms)) {
        throw UsageError("sqlite busy_timeout '" + value +
                         "' is not a number of milliseconds from 0 to 86400000");
      }
    } else if (key == "synchronous") {
      std::string upper = value;
      std::transform(upper.begin(), upper.end(), upper.begin(),
                     [](unsigned char c) { return char(std::toupper(c)); });
      // Spliced into a PRAGMA, so only these words pass.
      if (upper != "OFF" && upper != "NORMAL" && upper != "FULL" && upper != "EXTRA") {
        throw UsageError("sqlite synchronous '" + value + "' is not off, normal, full or extra");
      }
      options.synchronous = upper;
    } else if (key == "cache_mb") {
      if (!ParseInt(value, 1, 65536, &options.cache_mb)) {
        throw UsageError("sqlite cache_mb '" + value + "' is not a number from 1 to 65536");
      }
    } else {
      throw UsageError("unknown sqlite destination setting '" + key +
                       "' (known: busy_timeout, synchronous, cache_mb)");
    }
  }
  return options;
}

void ParseSqliteUri(const std::string& uri, std::string* path, SqliteOptions* options) {
  const std::string prefix = "sqlite://";
  std::string rest = uri.substr(prefix.size());
  std::string query;
  if (const size_t q = rest.find('?'); q != std::string::npos) {
    query = rest.substr(q + 1);
    rest.resize(q);
  }
  // sqlite:///x.db -> "x.db" (relative); sqlite:////abs/x.db -> "/abs/x.db".
  if (rest.empty() || rest[0] != '/') {
    throw UsageError("destination '" + uri +
                     "' is not sqlite:///relative/path.db or sqlite:////absolute/path.db");
  }
  rest = rest.substr(1);
  if (rest.empty() || rest.back() == '/') {
    throw UsageError("destination '" + uri + "' names no database file");
  }
  *path = rest;
  *options = SqliteOptions::Parse(query);
}

}  // namespace sluice::sqlite
