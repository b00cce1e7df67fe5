// Transient destination failures: the load is rolled back and retried, and lands exactly once.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "cli/cli_test_util.h"
#include "destinations/postgres/postgres_test_util.h"

namespace sluice {
namespace {

using testing_util::RunSluice;
using testing_util::TempDir;

class Retry : public testing_util::PostgresTest {};

// The server drops every sluice connection a moment into the load (an admin's
// pg_terminate_backend, a failover): the attempt fails, rolls back, and the retry loads the file.
TEST_F(Retry, ALoadWhoseConnectionsAreKilledIsRetriedAndLandsOnce) {
  const std::string admin_uri = testing_util::EnvOr("SLUICE_TEST_POSTGRES_ADMIN_URI");
  if (admin_uri.empty()) GTEST_SKIP() << "SLUICE_TEST_POSTGRES_ADMIN_URI is not set";
  TempDir dir;
  std::string csv = "id,payload\n";
  constexpr int kRows = 400000;
  for (int i = 0; i < kRows; i++)
    csv += std::to_string(i) + ",row number " + std::to_string(i) + "\n";
  const std::string file = dir.Write("r.csv", csv);
  bool retried = false;
  // The kill must land while the load runs; a load that finished first proves nothing: try again.
  for (int trial = 0; trial < 4 && !retried; trial++) {
    admin_->Execute("DROP TABLE IF EXISTS r");
    std::atomic<bool> done{false};
    std::thread killer([&] {
      auto superuser = Connect(admin_uri);
      std::this_thread::sleep_for(std::chrono::milliseconds(150 + 150 * trial));
      if (done) return;
      superuser->Query(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'sluice' AND "
          "application_name <> 'sluice-test-admin' AND pid <> pg_backend_pid()");
    });
    auto r = RunSluice("load " + file + " '" + DestinationUri() + "' --force -q --retries 3");
    done = true;
    killer.join();
    // The admin connection of the fixture may have been killed too: reconnect.
    admin_ = Connect(base_uri_);
    admin_->Execute("SET search_path = " + QuoteIdentifier(schema_));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    retried = r.err.find("retrying in") != std::string::npos;
    if (retried) {
      EXPECT_EQ(Value("SELECT count(*) FROM r"), std::to_string(kRows));
      EXPECT_EQ(Value("SELECT count(DISTINCT id) FROM r"), std::to_string(kRows));
    }
  }
  EXPECT_TRUE(retried) << "the connection was never killed during a load";
}

}  // namespace
}  // namespace sluice
