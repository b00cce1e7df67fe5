#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include <gtest/gtest.h>

#include "core/identifiers.h"
#include "destinations/conformance/destination_harness.h"
#include "destinations/duckdb/duckdb_connection.h"
#include "destinations/duckdb/duckdb_destination.h"
#include "destinations/postgres/pg_connection.h"
#include "destinations/postgres/postgres_destination.h"
#include "destinations/postgres/postgres_uri.h"
#include "destinations/sqlite/sqlite_destination.h"
#include "destinations/sqlite/sqlite_test_util.h"

namespace sluice::testing_util {
namespace {

std::vector<std::string> Lines(const std::vector<DuckDbConnection::Row>& rows) {
  std::vector<std::string> out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.values.size(); i++) {
      line += (i ? "|" : "") + (row.nulls[i] ? std::string("NULL") : row.values[i]);
    }
    out.push_back(line);
  }
  return out;
}

class DuckDbHarness : public DestinationHarness {
 public:
  explicit DuckDbHarness(const std::string& test_name) {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("sluice_conformance_" + std::to_string(::getpid()) + "_" + test_name);
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "test.duckdb").string();
  }
  ~DuckDbHarness() override { std::filesystem::remove_all(dir_); }
  std::string Name() const override { return "duckdb"; }
  std::string Uri() const override { return "duckdb:///" + path_; }
  std::unique_ptr<Destination> Open() override { return DuckDbDestination::Open(path_); }
  std::vector<std::string> Query(const std::string& sql) override {
    DuckDbConnection con(path_);
    return Lines(con.Query(sql));
  }
  std::vector<std::string> UserTables() override {
    return Query(
        "SELECT table_name FROM duckdb_tables() WHERE NOT starts_with(table_name, '_sluice_') "
        "ORDER BY 1");
  }
  std::vector<std::string> AllTables() override {
    return Query("SELECT table_name FROM duckdb_tables() ORDER BY 1");
  }

 private:
  std::filesystem::path dir_;
  std::string path_;
};

class SqliteHarness : public DestinationHarness {
 public:
  explicit SqliteHarness(const std::string& test_name) {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("sluice_conformance_sqlite_" + std::to_string(::getpid()) + "_" + test_name);
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "test.db").string();
  }
  ~SqliteHarness() override { std::filesystem::remove_all(dir_); }
  std::string Name() const override { return "sqlite"; }
  std::string Uri() const override { return "sqlite:///" + path_; }
  std::unique_ptr<Destination> Open() override { return SqliteDestination::Open(path_, {}); }
  std::vector<std::string> Query(const std::string& sql) override {
    sqlite::Connection con(path_);
    return sqlite_test::QueryRows(con, sql);
  }
  std::vector<std::string> UserTables() override {
    return Query(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE '\\_sluice\\_%' "
        "ESCAPE '\\' ORDER BY name");
  }
  std::vector<std::string> AllTables() override {
    return Query("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name");
  }

 private:
  std::filesystem::path dir_;
  std::string path_;
};

// A schema of its own on the test server (tests run in parallel).
class PostgresHarness : public DestinationHarness {
 public:
  PostgresHarness(const std::string& base_uri, const std::string& test_name) {
    if (base_uri.empty()) {
      throw std::runtime_error(
          "SLUICE_REQUIRE_POSTGRES=1 but SLUICE_TEST_POSTGRES_URI is not set "
          "(scripts/postgres_test_server.sh start)");
    }
    std::string name = test_name;
    for (char& c : name) c = char(std::tolower(static_cast<unsigned char>(c)));
    schema_ = ShortenIdentifier("c_" + std::to_string(::getpid()) + "_" + name, 63);
    uri_ = base_uri + (base_uri.find('?') == std::string::npos ? "?" : "&") + "schema=" + schema_;
    admin_ = PgConnection::Connect(PostgresUri::Parse(base_uri));
    admin_->Execute("DROP SCHEMA IF EXISTS " + QuoteIdentifier(schema_) + " CASCADE");
    admin_->Execute("CREATE SCHEMA " + QuoteIdentifier(schema_));
    admin_->Execute("SET search_path = " + QuoteIdentifier(schema_));
  }
  ~PostgresHarness() override {
    try {
      admin_->Execute("DROP SCHEMA IF EXISTS " + QuoteIdentifier(schema_) + " CASCADE");
    } catch (...) {
    }
  }
  std::string Name() const override { return "postgres"; }
  std::string Uri() const override { return uri_; }
  std::unique_ptr<Destination> Open() override { return PostgresDestination::Open(uri_); }
  std::vector<std::string> Query(const std::string& sql) override {
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
  std::vector<std::string> UserTables() override {
    std::vector<std::string> out;
    for (const auto& t : AllTables()) {
      if (t.rfind("_sluice_", 0) != 0) out.push_back(t);
    }
    return out;
  }
  std::vector<std::string> AllTables() override {
    return Query(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE "
        "n.nspname = current_schema() AND c.relkind = 'r' ORDER BY c.relname::text COLLATE \"C\"");
  }

 private:
  std::string schema_;
  std::string uri_;
  std::unique_ptr<PgConnection> admin_;
};

}  // namespace

std::vector<HarnessFactory> AllHarnesses() {
  std::vector<HarnessFactory> out;
  out.push_back({"duckdb", [](const std::string& test) -> std::unique_ptr<DestinationHarness> {
                   return std::make_unique<DuckDbHarness>(test);
                 }});
  out.push_back({"sqlite", [](const std::string& test) -> std::unique_ptr<DestinationHarness> {
                   return std::make_unique<SqliteHarness>(test);
                 }});
  out.push_back(
      {"filesystem", [](const std::string& test) { return MakeFilesystemHarness(test); }});
  const char* pg = std::getenv("SLUICE_TEST_POSTGRES_URI");
  const char* required = std::getenv("SLUICE_REQUIRE_POSTGRES");
  if ((pg && *pg) || (required && std::string(required) == "1")) {
    const std::string base = pg ? pg : "";
    out.push_back(
        {"postgres", [base](const std::string& test) -> std::unique_ptr<DestinationHarness> {
           return std::make_unique<PostgresHarness>(base, test);
         }});
  }
  return out;
}

Batch MakeBatch(const std::string& table, std::vector<std::string> names,
                std::vector<DataType> types, std::vector<std::vector<const char*>> rows) {
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
        case TypeId::kDecimal:  // unscaled
          col.AppendInt64(std::stoll(v));
          break;
        case TypeId::kDouble:
          col.AppendDouble(std::stod(v));
          break;
        case TypeId::kBoolean:
          col.AppendBoolean(v == "true");
          break;
        default:
          col.AppendString(v);
      }
    }
  }
  b.num_rows = rows.size();
  return b;
}

}  // namespace sluice::testing_util
