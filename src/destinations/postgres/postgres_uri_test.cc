#include "destinations/postgres/postgres_uri.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "destinations/destination.h"
#include "destinations/postgres/pg_connection.h"
#include "destinations/postgres/postgres_test_util.h"

namespace sluice {
namespace {

std::string ErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "<no error>";
}

TEST(PostgresUri, TakesOutSluiceKeysAndPassesTheRestToLibpq) {
  const auto u = PostgresUri::Parse(
      "postgresql://ann:pw@db.example:6543/sales?sslmode=disable&schema=raw&"
      "copy_connections=3&application_name=nightly&connect_timeout=5");
  EXPECT_EQ(u.schema, "raw");
  EXPECT_EQ(u.copy_connections, 3u);
  EXPECT_EQ(u.libpq_uri,
            "postgresql://ann:pw@db.example:6543/sales?sslmode=disable&application_name=nightly&"
            "connect_timeout=5");
}

TEST(PostgresUri, DefaultsToThePublicSchemaAndAcceptsThePostgresScheme) {
  const auto u = PostgresUri::Parse("postgres://localhost/db");
  EXPECT_EQ(u.schema, "public");
  EXPECT_EQ(u.copy_connections, kDefaultCopyConnections);
  EXPECT_EQ(u.libpq_uri, "postgres://localhost/db");
  EXPECT_TRUE(IsPostgresUri("postgresql://x"));
  EXPECT_FALSE(IsPostgresUri("duckdb:///x.duckdb"));
}

TEST(PostgresUri, LeavesOutWhatLibpqTakesFromTheEnvironment) {
  // Host, port, user, password and database may all come from PG* variables or ~/.pgpass.
  const auto u = PostgresUri::Parse("postgresql://?schema=s");
  EXPECT_EQ(u.libpq_uri, "postgresql://");
  EXPECT_EQ(u.schema, "s");
}

TEST(PostgresUri, DecodesPercentEscapesInTheSchema) {
  EXPECT_EQ(PostgresUri::Parse("postgresql://h/db?schema=my%20%22schema%22").schema,
            "my \"schema\"");
}

TEST(PostgresUri, RejectsBadSluiceSettings) {
  EXPECT_THROW(PostgresUri::Parse("postgresql://h/db?copy_connections=0"), Error);
  EXPECT_THROW(PostgresUri::Parse("postgresql://h/db?copy_connections=two"), Error);
  EXPECT_THROW(PostgresUri::Parse("postgresql://h/db?schema="), Error);
  EXPECT_THROW(PostgresUri::Parse("mysql://h/db"), Error);
}

TEST(PostgresUri, AnUnknownKeyIsNamedInTheError) {
  const std::string message =
      ErrorOf([] { PostgresUri::Parse("postgresql://u:hunter2@h/db?writers=2"); });
  EXPECT_NE(message.find("'writers'"), std::string::npos) << message;
  EXPECT_NE(message.find("schema and copy_connections"), std::string::npos) << message;
  EXPECT_EQ(message.find("hunter2"), std::string::npos) << message;
}

TEST(PostgresUri, TheRedactedFormHidesThePasswordWhereverItIsWritten) {
  const auto u = PostgresUri::Parse("postgresql://ann:s3cr%40t@h:5432/db?schema=x");
  EXPECT_EQ(u.redacted, "postgresql://ann:***@h:5432/db?schema=x");
  EXPECT_EQ(u.Scrub("oops s3cr%40t and s3cr@t"), "oops *** and ***");
  const auto q = PostgresUri::Parse("postgresql://ann@h/db?password=topsecret&sslmode=disable");
  EXPECT_EQ(q.redacted, "postgresql://ann@h/db?password=***&sslmode=disable");
  EXPECT_EQ(q.Scrub("topsecret"), "***");
}

TEST(PostgresUri, LibpqParseErrorsDoNotEchoThePassword) {
  // libpq quotes the offending token, here the password itself.
  const std::string message =
      ErrorOf([] { PostgresUri::Parse("postgresql://ann:pass%zzword@h/db"); });
  EXPECT_NE(message, "<no error>");
  EXPECT_EQ(message.find("pass%zzword"), std::string::npos) << message;
  EXPECT_EQ(message.find("zzword"), std::string::npos) << message;
}

TEST(PostgresUri, AFailedConnectionNamesTheServerButNotThePassword) {
  // Port 1 on loopback: nothing listens there.
  const std::string uri = "postgresql://ann:hunter2@127.0.0.1:1/db?connect_timeout=2";
  try {
    PgConnection::Connect(PostgresUri::Parse(uri));
    FAIL() << "connected to port 1?";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_EQ(e.kind(), ErrorKind::kDestination);
    EXPECT_TRUE(e.retriable()) << "a refused connection may work later: " << message;
    EXPECT_EQ(message.find("hunter2"), std::string::npos) << message;
    EXPECT_NE(message.find("127.0.0.1"), std::string::npos) << message;
  }
}

TEST(PostgresUri, OpenDestinationPicksPostgresByScheme) {
  // Unreachable on purpose: what matters is which destination tried and that the usage error of
  // an unknown scheme does not repeat the URI (it may carry a password).
  EXPECT_THROW(OpenDestination("postgres://ann:pw@127.0.0.1:1/db?connect_timeout=1"), Error);
  const std::string message = ErrorOf([] { OpenDestination("mysql://ann:hunter2@h/db"); });
  EXPECT_EQ(message.find("hunter2"), std::string::npos) << message;
}

class PostgresConnectionTest : public testing_util::PostgresTest {};

TEST_F(PostgresConnectionTest, AWrongPasswordFailsWithoutShowingIt) {
  auto u = PostgresUri::Parse(base_uri_);
  ASSERT_FALSE(u.password.empty() && u.password_raw.empty()) << "the test server uses a password";
  std::string uri = base_uri_;
  const std::string right = u.password_raw;
  uri.replace(uri.find(right), right.size(), "wrong-" + right);
  try {
    PgConnection::Connect(PostgresUri::Parse(uri));
    FAIL() << "a wrong password was accepted";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_FALSE(e.retriable()) << message;
    EXPECT_EQ(message.find(right), std::string::npos) << message;
    EXPECT_NE(message.find("password authentication failed"), std::string::npos) << message;
  }
}

TEST_F(PostgresConnectionTest, DescribeNamesTheServerWithoutThePassword) {
  auto c = Connect(base_uri_);
  const std::string described = c->Describe();
  EXPECT_EQ(described.rfind("postgresql://", 0), 0u) << described;
  EXPECT_EQ(described.find(PostgresUri::Parse(base_uri_).password_raw), std::string::npos);
}

TEST_F(PostgresConnectionTest, ServerErrorsCarryTheirSqlstateAndAreNotRetriable) {
  auto c = Connect(base_uri_);
  try {
    c->Execute("SELECT 1/0");
    FAIL();
  } catch (const Error& e) {
    EXPECT_FALSE(e.retriable());
    EXPECT_NE(std::string(e.what()).find("22012"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(IsRetriableSqlState("40001"));
  EXPECT_TRUE(IsRetriableSqlState("40P01"));
  EXPECT_TRUE(IsRetriableSqlState("08006"));
  EXPECT_TRUE(IsRetriableSqlState("57P01"));
  EXPECT_TRUE(IsRetriableSqlState("53300"));
  EXPECT_FALSE(IsRetriableSqlState("23505"));
}

TEST_F(PostgresConnectionTest, ParametersAreBoundNotSpliced) {
  auto c = Connect(base_uri_);
  EXPECT_EQ(c->QueryValue("SELECT $1::text || $2::text", {"'; DROP TABLE x; --", std::nullopt}),
            "");
  EXPECT_EQ(c->QueryValue("SELECT $1::text", {"'; DROP TABLE x; --"}), "'; DROP TABLE x; --");
}

}  // namespace
}  // namespace sluice
