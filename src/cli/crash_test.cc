// kill -9 at arbitrary moments during loads, then check the database holds exactly the rows of
// the loads that completed: never a partial load, never a lost committed one. Runs against every
// destination (DuckDB, SQLite, PostgreSQL when a test server is configured).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <thread>

#include "cli/cli_test_util.h"
#include "destinations/conformance/destination_harness.h"

extern char** environ;

namespace sluice {
namespace {

using testing_util::DestinationHarness;
using testing_util::SluiceBinary;
using testing_util::TempDir;

constexpr int kRows = 300000;

std::string MakeCsv(const TempDir& dir) {
  std::string csv = "id,name,amount,note\n";
  csv.reserve(size_t(kRows) * 40);
  for (int i = 0; i < kRows; i++) {
    csv += std::to_string(i) + ",\"name, " + std::to_string(i % 977) + "\"," +
           std::to_string(i % 1000) + "." + std::to_string(i % 10) + "5," +
           (i % 13 == 0 ? "" : "note " + std::to_string(i)) + "\n";
  }
  return dir.Write("big.csv", csv);
}

// Starts `sluice load`; kills it with SIGKILL after `kill_after` unless it finished first.
// Returns true if it finished on its own with exit code 0.
bool LoadAndMaybeKill(const std::vector<std::string>& args, std::chrono::milliseconds kill_after) {
  std::vector<char*> argv;
  std::string bin = SluiceBinary();
  argv.push_back(bin.data());
  std::vector<std::string> copy = args;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  if (posix_spawn(&pid, bin.c_str(), &actions, nullptr, argv.data(), environ) != 0) return false;
  posix_spawn_file_actions_destroy(&actions);
  const auto deadline = std::chrono::steady_clock::now() + kill_after;
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (waitpid(pid, &status, WNOHANG) == pid) return WIFEXITED(status) && WEXITSTATUS(status) == 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

bool HasTable(DestinationHarness& db, const std::string& table) {
  const auto tables = db.AllTables();
  return std::find(tables.begin(), tables.end(), table) != tables.end();
}

int64_t CountRows(DestinationHarness& db) {
  if (!HasTable(db, "big")) return 0;
  return std::stoll(db.Query("SELECT count(*) FROM big")[0]);
}

int64_t CommittedLoads(DestinationHarness& db) {
  if (!HasTable(db, "_sluice_loads")) return 0;
  return std::stoll(db.Query("SELECT count(*) FROM _sluice_loads WHERE status = 'committed'")[0]);
}

std::vector<std::string> StagingTables(DestinationHarness& db) {
  std::vector<std::string> out;
  for (const auto& t : db.AllTables()) {
    if (t.find("stage") != std::string::npos) out.push_back(t);
  }
  return out;
}

class CrashSafety : public ::testing::TestWithParam<size_t> {
 protected:
  void SetUp() override {
    db_ = testing_util::AllHarnesses()[GetParam()].make(
        ::testing::UnitTest::GetInstance()->current_test_info()->name());
  }
  void CrashRepeatedly(const std::string& mode);
  std::unique_ptr<DestinationHarness> db_;
};

// The invariant: the load records committed with the data say exactly what the table holds.
// (A run killed after its COMMIT but before it exited did complete: the record says so.)
void CrashSafety::CrashRepeatedly(const std::string& mode) {
  TempDir dir;
  const std::string csv = MakeCsv(dir);
  DestinationHarness& db = *db_;
  // --force: every attempt loads the file again, so every kill hits a real load.
  std::vector<std::string> args = {"load", csv, db.Uri(), "--mode", mode, "-q", "--force"};
  if (mode == "merge") args.insert(args.end(), {"--primary-key", "id"});
  auto expected_rows = [&](int64_t committed) {
    if (committed == 0) return int64_t{0};
    return mode == "append" ? committed * kRows : int64_t{kRows};
  };
  std::mt19937 rng(42);
  int64_t exited_ok = 0;
  for (int attempt = 0; attempt < 12; attempt++) {
    const auto delay = std::chrono::milliseconds(std::uniform_int_distribution<int>(5, 900)(rng));
    if (LoadAndMaybeKill(args, delay)) exited_ok++;
    const int64_t committed = CommittedLoads(db);
    ASSERT_GE(committed, exited_ok);
    ASSERT_LE(committed, attempt + 1);
    ASSERT_EQ(CountRows(db), expected_rows(committed))
        << mode << " after attempt " << attempt << " (killed at " << delay.count() << " ms, "
        << committed << " loads committed)";
  }
  ASSERT_GT(12 - exited_ok, 0) << "no run was killed: the test proved nothing";
  // One uninterrupted run completes and leaves exactly the right rows and no staging tables.
  const int64_t before = CommittedLoads(db);
  ASSERT_TRUE(LoadAndMaybeKill(args, std::chrono::minutes(5)));
  EXPECT_EQ(CommittedLoads(db), before + 1);
  EXPECT_EQ(CountRows(db), expected_rows(before + 1));
  EXPECT_EQ(StagingTables(db), std::vector<std::string>{});
  if (mode != "append") {
    EXPECT_EQ(db.Query("SELECT count(DISTINCT id) FROM big"),
              std::vector<std::string>{std::to_string(kRows)});
  }
}

// Without --force the file's fingerprint is committed with its rows: however often a run is
// killed and restarted, the file lands exactly once.
TEST_P(CrashSafety, RerunsAfterKillsAppendTheFileExactlyOnce) {
  TempDir dir;
  const std::string csv = MakeCsv(dir);
  DestinationHarness& db = *db_;
  const std::vector<std::string> args = {"load", csv, db.Uri(), "-q"};
  std::mt19937 rng(7);
  int killed = 0;
  for (int attempt = 0; attempt < 10; attempt++) {
    const auto delay = std::chrono::milliseconds(std::uniform_int_distribution<int>(5, 700)(rng));
    if (!LoadAndMaybeKill(args, delay)) killed++;
    const int64_t rows = CountRows(db);
    ASSERT_TRUE(rows == 0 || rows == kRows) << "attempt " << attempt << ": " << rows << " rows";
  }
  ASSERT_GT(killed, 0) << "no run was killed: the test proved nothing";
  ASSERT_TRUE(LoadAndMaybeKill(args, std::chrono::minutes(5)));
  EXPECT_EQ(CountRows(db), kRows);
  EXPECT_EQ(CommittedLoads(db), 1) << "later runs found the file unchanged and loaded nothing";
}

TEST_P(CrashSafety, KilledAppendsLeaveOnlyCompletedLoads) {
  CrashRepeatedly("append");
}
TEST_P(CrashSafety, KilledReplacesLeaveTheOldOrTheNewTable) {
  CrashRepeatedly("replace");
}
TEST_P(CrashSafety, KilledMergesLeaveTheOldOrTheMergedTable) {
  if (!db_->SupportsMerge()) GTEST_SKIP() << db_->Name() << " refuses merge";
  CrashRepeatedly("merge");
}

INSTANTIATE_TEST_SUITE_P(AllDestinations, CrashSafety,
                         ::testing::Range(size_t{0}, testing_util::AllHarnesses().size()),
                         [](const ::testing::TestParamInfo<size_t>& info) {
                           return testing_util::AllHarnesses()[info.param].name;
                         });

}  // namespace
}  // namespace sluice
