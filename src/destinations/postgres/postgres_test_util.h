#pragma once
// For the PostgreSQL tests: the server comes from SLUICE_TEST_POSTGRES_URI (started by
// scripts/postgres_test_server.sh). Without it the tests skip, unless SLUICE_REQUIRE_POSTGRES=1
// makes that a failure. Each test works in its own schema (tests run in parallel).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "core/batch.h"
#include "core/identifiers.h"
#include "destinations/postgres/pg_connection.h"

namespace sluice::testing_util {

inline std::string EnvOr(const char* name, const std::string& fallback = "") {
  const char* v = std::getenv(name);
  return v ? v : fallback;
}

class PostgresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_uri_ = EnvOr("SLUICE_TEST_POSTGRES_URI");
    if (base_uri_.empty()) {
      if (EnvOr("SLUICE_REQUIRE_POSTGRES") == "1") {
        FAIL() << "SLUICE_REQUIRE_POSTGRES=1 but SLUICE_TEST_POSTGRES_URI is not set "
                  "(scripts/postgres_test_server.sh start)";
      }
      GTEST_SKIP() << "SLUICE_TEST_POSTGRES_URI is not set";
    }
    std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    for (char& c : test) c = char(std::tolower(static_cast<unsigned char>(c)));
    schema_ = ShortenIdentifier("t_" + std::to_string(::getpid()) + "_" + test, 63);
    admin_ = Connect(base_uri_);
    admin_->Execute("DROP SCHEMA IF EXISTS " + QuoteIdentifier(schema_) + " CASCADE");
    admin_->Execute("SET search_path = " + QuoteIdentifier(schema_));
  }
  void TearDown() override {
    if (admin_) admin_->Execute("DROP SCHEMA IF EXISTS " + QuoteIdentifier(schema_) + " CASCADE");
  }

  static std::unique_ptr<PgConnection> Connect(const std::string& uri) {
    return PgConnection::Connect(PostgresUri::Parse(uri));
  }
  // The destination URI for this test's schema, with extra settings ("copy_connections=2").
  std::string DestinationUri(const std::string& extra = "") const {
    std::string uri =
        base_uri_ + (base_uri_.find('?') == std::string::npos ? "?" : "&") + "schema=" + schema_;
    if (!extra.empty()) uri += "&" + extra;
    return uri;
  }
  // Rows of a query in the test's schema as "a|b|c" (NULL spelled NULL).
  std::vector<std::string> Rows(const std::string& sql) {
    std::vector<std::string> out;
    for (const auto& row : admin_->Query(sql)) {
      std::string line;
      for (size_t i = 0; i < row.values.size(); i++) {
        line += (i ? "|" : "") + (row.nulls[i] ? std::string("NULL") : row.values[i]);
      }
      out.push_back(line);
    }
    return out;
  }
  std::string Value(const std::string& sql) {
    const auto rows = Rows(sql);
    return rows.empty() ? "<no rows>" : rows[0];
  }
  // Tables in the test's schema, by name.
  std::vector<std::string> Tables() {
    return Rows(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND c.relkind = 'r' ORDER BY c.relname::text COLLATE "
        "\"C\"");
  }

  std::string base_uri_;
  std::string schema_;
  std::unique_ptr<PgConnection> admin_;  // the test's own session, search_path = its schema
};

// A batch from rows of text: each value converted to its column's type (int64/decimal
// unscaled/double/boolean "true"/date days/timestamps micros/uuid 32 hex digits; others as is).
inline Batch MakeBatch(const std::string& table, std::vector<std::string> names,
                       std::vector<DataType> types,
                       const std::vector<std::vector<const char*>>& rows) {
  Batch b;
  b.table = table;
  b.names = std::move(names);
  for (const auto& t : types) b.columns.emplace_back(t);
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size(); c++) {
      Column& col = b.columns[c];
      if (row[c] == nullptr) {
        col.AppendNull();
        continue;
      }
      const std::string v = row[c];
      switch (types[c].id) {
        case TypeId::kInt64:
        case TypeId::kDecimal:
          col.AppendInt64(std::stoll(v));
          break;
        case TypeId::kTimestamp:
        case TypeId::kTimestampTz:
          col.AppendTimestamp(std::stoll(v));
          break;
        case TypeId::kDate:
          col.AppendDate(std::stoi(v));
          break;
        case TypeId::kDouble:
          col.AppendDouble(std::strtod(v.c_str(), nullptr));  // stod refuses denormals
          break;
        case TypeId::kBoolean:
          col.AppendBoolean(v == "true");
          break;
        case TypeId::kUuid: {
          std::string bytes;
          for (size_t i = 0; i + 1 < v.size(); i += 2) {
            bytes.push_back(char(std::stoi(v.substr(i, 2), nullptr, 16)));
          }
          col.AppendString(bytes);
          break;
        }
        default:
          col.AppendString(v);
      }
    }
  }
  b.num_rows = rows.size();
  return b;
}

}  // namespace sluice::testing_util
