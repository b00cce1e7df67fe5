#include "destinations/postgres/postgres_uri.h"

#include <libpq-fe.h>

#include <algorithm>
#include <cstdlib>
#include <set>
#include <vector>

#include "core/error.h"

namespace sluice {
namespace {

constexpr const char* kMask = "***";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// libpq's URI decoding: %XX only ('+' stays '+'). False on a bad escape.
bool PercentDecode(const std::string& in, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in.size(); i++) {
    if (in[i] != '%') {
      out->push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return false;
    const int hi = HexValue(in[i + 1]), lo = HexValue(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return true;
}

// Every keyword libpq accepts in a connection string, plus the URI-only alias "ssl".
const std::set<std::string>& LibpqKeywords() {
  static const std::set<std::string> keywords = [] {
    std::set<std::string> out{"ssl"};
    PQconninfoOption* options = PQconndefaults();
    for (PQconninfoOption* o = options; o && o->keyword; o++) out.insert(o->keyword);
    PQconninfoFree(options);
    return out;
  }();
  return keywords;
}

}  // namespace

bool IsPostgresUri(const std::string& uri) {
  return uri.rfind("postgresql://", 0) == 0 || uri.rfind("postgres://", 0) == 0;
}

std::string PostgresUri::Scrub(std::string text) const {
  for (const std::string* secret : {&password_raw, &password}) {
    if (secret->empty()) continue;
    for (size_t p = text.find(*secret); p != std::string::npos;
         p = text.find(*secret, p + std::char_traits<char>::length(kMask))) {
      text.replace(p, secret->size(), kMask);
    }
  }
  return text;
}

PostgresUri PostgresUri::Parse(const std::string& uri) {
  if (!IsPostgresUri(uri)) {
    throw UsageError("not a PostgreSQL URI (postgresql://user@host:port/db?schema=s)");
  }
  PostgresUri out;
  const size_t authority_begin = uri.find("://") + 3;
  const size_t query_begin = uri.find('?', authority_begin);
  std::string base = uri.substr(0, query_begin);
  const std::string query = query_begin == std::string::npos ? "" : uri.substr(query_begin + 1);

  // user:password@ — like libpq, the first '@' before any '/'.
  std::string redacted_base = base;
  const size_t authority_end = std::min(base.find('/', authority_begin), base.size());
  const size_t at = base.find('@', authority_begin);
  if (at != std::string::npos && at < authority_end) {
    const size_t colon = base.find(':', authority_begin);
    if (colon != std::string::npos && colon < at) {
      out.password_raw = base.substr(colon + 1, at - colon - 1);
      redacted_base = base.substr(0, colon + 1) + kMask + base.substr(at);
    }
  }

  std::vector<std::string> kept, kept_redacted;
  size_t start = 0;
  while (start < query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string::npos) end = query.size();
    const std::string pair = query.substr(start, end - start);
    start = end + 1;
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    std::string key, value;
    if (!PercentDecode(pair.substr(0, eq), &key) ||
        (eq != std::string::npos && !PercentDecode(pair.substr(eq + 1), &value))) {
      // Do not echo the pair: it may be the password.
      throw UsageError("PostgreSQL URI " + redacted_base +
                       ": a query parameter has an invalid %-escape");
    }
    if (key == "schema") {
      if (value.empty()) throw UsageError("PostgreSQL URI: schema= needs a schema name");
      out.schema = value;
      kept_redacted.push_back(pair);
      continue;
    }
    if (key == "copy_connections") {
      char* parse_end = nullptr;
      const unsigned long n = std::strtoul(value.c_str(), &parse_end, 10);
      if (value.empty() || *parse_end != '\0' || n < 1 || n > 32) {
        throw UsageError("PostgreSQL URI: copy_connections '" + value +
                         "' is not a number from 1 to 32");
      }
      out.copy_connections = n;
      kept_redacted.push_back(pair);
      continue;
    }
    if (!LibpqKeywords().count(key)) {
      throw UsageError(
          "unknown setting '" + key + "' in the PostgreSQL URI " + redacted_base +
          ": sluice's own settings are schema and copy_connections, and libpq "
          "does not know it either (libpq settings: "
          "https://www.postgresql.org/docs/15/libpq-connect.html#LIBPQ-PARAMKEYWORDS)");
    }
    if (key == "password") {
      out.password_raw = pair.substr(eq + 1);
      kept_redacted.push_back("password=" + std::string(kMask));
    } else {
      kept_redacted.push_back(pair);
    }
    kept.push_back(pair);
  }
  if (!out.password_raw.empty() && !PercentDecode(out.password_raw, &out.password)) {
    out.password.clear();
  }
  if (out.password == out.password_raw) out.password.clear();  // one entry is enough

  auto join = [](const std::string& head, const std::vector<std::string>& pairs) {
    std::string s = head;
    for (size_t i = 0; i < pairs.size(); i++) s += (i ? "&" : "?") + pairs[i];
    return s;
  };
  out.libpq_uri = join(base, kept);
  out.redacted = join(redacted_base, kept_redacted);

  // Let libpq check the rest now (bad port, bad escapes, ...), so a bad URI fails before any
  // work starts; its messages may quote parts of the URI, so they are scrubbed.
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(out.libpq_uri.c_str(), &error);
  if (!options) {
    std::string message = error ? error : "out of memory";
    if (error) PQfreemem(error);
    while (!message.empty() && message.back() == '\n') message.pop_back();
    throw UsageError("PostgreSQL URI " + out.redacted + ": " + out.Scrub(message));
  }
  PQconninfoFree(options);
  return out;
}

}  // namespace sluice
