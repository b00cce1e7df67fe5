// A load whose process dies (exits without Rollback, or is killed with SIGKILL at any moment)
// leaves the database exactly as the last committed load left it, with nothing of its own in
// the file, and the next load can take the write lock.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <thread>

#include "destinations/sqlite/sqlite_test_util.h"

namespace sluice::sqlite_test {
namespace {

class SqliteCrashTest : public SqliteTest {
 protected:
  // Runs `body` in a child process (no connection of the parent crosses the fork) and returns
  // its wait status.
  template <typename Body>
  int InChild(Body body) {
    const pid_t pid = fork();
    if (pid == 0) {
      try {
        body();
      } catch (...) {
        _exit(99);
      }
      _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return status;
  }
  Rows Schema() {
    return Query("SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY name");
  }
};

TEST_F(SqliteCrashTest, AProcessThatExitsMidLoadWithoutRollbackChangesNothing) {
  Load(Merge({"k"}, MergeStrategy::kUpsert),
       {MakeBatch("t", {"k", "v"}, {kInt, kText}, {{"1", "committed"}})});
  const Rows schema = Schema();
  const int status = InChild([&] {
    sqlite::SqliteOptions small_cache;
    small_cache.cache_mb = 1;  // dirty pages spill into the WAL before the end
    auto dest = SqliteDestination::Open(path_, small_cache);
    dest->Begin(Merge({"k"}, MergeStrategy::kUpsert));
    dest->CreateTable({"t__new", {{"x", kText}}});
    dest->AddColumn("t", {"extra", kText});
    dest->WidenColumn("t", {"k", kDouble});
    Batch b = MakeBatch("t", {"k", "v"}, {kDouble, kText}, {});
    for (int i = 0; i < 100000; i++) {
      b.columns[0].AppendDouble(i);
      b.columns[1].AppendString("uncommitted row " + std::to_string(i));
    }
    b.num_rows = 100000;
    dest->Write(b);
    Batch direct = MakeBatch("t__new", {"x"}, {kText}, {{"y"}});
    dest->Write(direct);
    _exit(0);  // no Rollback, no destructor, connection left open
  });
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_EQ(Schema(), schema);
  EXPECT_EQ(Query("SELECT k, v FROM t"), Rows{"1|committed"});
  EXPECT_EQ(Query("PRAGMA integrity_check"), Rows{"ok"});
  Load(Merge({"k"}, MergeStrategy::kUpsert),
       {MakeBatch("t", {"k", "v"}, {kInt, kText}, {{"1", "next load"}})});
  EXPECT_EQ(Query("SELECT k, v FROM t"), Rows{"1|next load"});
}

TEST_F(SqliteCrashTest, AKillAtAnyMomentLeavesTheLastCommittedLoad) {
  // The child replaces t with load n's rows (n repeated in every row), over and over; the parent
  // kills it at random moments. Afterwards t must hold exactly the rows of the last load
  // _sluice_loads calls committed: never a mix, never a half.
  constexpr int kRows = 20000;
  std::mt19937 random(12345);
  int checked_after_commits = 0;
  for (int round = 0; round < 8; round++) {
    const pid_t pid = fork();
    if (pid == 0) {
      try {
        for (int n = 1;; n++) {
          auto dest = SqliteDestination::Open(path_);
          LoadPlan plan;
          plan.load_id = "round" + std::to_string(round) + "-" + std::to_string(n);
          plan.pipeline = "crash";
          plan.mode = n % 3 == 0 ? WriteMode::kMerge : WriteMode::kReplace;
          plan.primary_key = {"i"};
          plan.root_table = "t";
          dest->Begin(plan);
          if (dest->ReadTables("t").empty()) {
            dest->CreateTable({"t", {{"i", kInt}, {"load", kText}}});
          }
          Batch b = MakeBatch("t", {"i", "load"}, {kInt, kText}, {});
          for (int i = 0; i < kRows; i++) {
            b.columns[0].AppendInt64(i);
            b.columns[1].AppendString(plan.load_id);
          }
          b.num_rows = kRows;
          dest->Write(b);
          LoadRecord record;
          record.rows_per_table["t"] = kRows;
          dest->Commit(record);
        }
      } catch (...) {
        _exit(99);
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50 + random() % 400));
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the child failed on its own: " << status;

    const Rows last = Query(
        "SELECT load_id FROM _sluice_loads WHERE status = 'committed' ORDER BY rowid DESC "
        "LIMIT 1");
    if (last.empty()) {
      EXPECT_EQ(UserTables(), Rows{}) << "round " << round;
      continue;
    }
    checked_after_commits++;
    EXPECT_EQ(Query("SELECT load, count(*), count(DISTINCT i) FROM t GROUP BY load"),
              Rows{last[0] + "|" + std::to_string(kRows) + "|" + std::to_string(kRows)})
        << "round " << round;
    EXPECT_EQ(Query("PRAGMA integrity_check"), Rows{"ok"});
    EXPECT_EQ(Query("SELECT count(*) FROM sqlite_schema WHERE name LIKE '%\\_stage\\_%' ESCAPE "
                    "'\\' OR name LIKE '%\\_rebuild\\_%' ESCAPE '\\'"),
              Rows{"0"});
  }
  EXPECT_GT(checked_after_commits, 0) << "no round got as far as a commit";
}

}  // namespace
}  // namespace sluice::sqlite_test
