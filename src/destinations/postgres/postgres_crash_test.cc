// Loaders that die (kill -9), sessions the server ends, and loaders running side by side.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "core/error.h"
#include "destinations/postgres/postgres_destination.h"
#include "destinations/postgres/postgres_destination_test_util.h"

namespace sluice {
namespace {

using testing_util::kInt;
using testing_util::kText;
using testing_util::MakeBatch;
using V = std::vector<std::string>;

class PostgresCrashTest : public testing_util::PostgresDestinationTest {
 protected:
  void SetUp() override {
    testing_util::PostgresDestinationTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    // Each loader's sessions carry this test's name, so the test can find them.
    app_ = ShortenIdentifier("sluice_" + schema_, 60);  // application_name holds 63 bytes
  }
  std::string LoaderUri(const std::string& extra = "") {
    return DestinationUri("application_name=" + app_ + (extra.empty() ? "" : "&" + extra));
  }
  // Sessions of this test's loaders still known to the server.
  int LoaderSessions() {
    return std::stoi(admin_->QueryValue(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", {app_}));
  }
  void WaitForLoaderSessionsToEnd() {
    for (int i = 0; i < 200 && LoaderSessions() > 0; i++) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_EQ(LoaderSessions(), 0);
  }
  // The backend of the loader's main connection (the one holding its staging lock), or of one
  // of its COPY connections.
  int LoaderBackend(bool main) {
    const std::string pid = admin_->QueryValue(
        std::string("SELECT a.pid FROM pg_stat_activity a WHERE a.application_name = $1 AND ") +
            (main ? "" : "NOT ") +
            "EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = a.pid AND l.locktype = 'advisory') "
            "ORDER BY a.pid LIMIT 1",
        {app_});
    return pid.empty() ? 0 : std::stoi(pid);
  }
  std::unique_ptr<PgConnection> Superuser() {
    const std::string uri = testing_util::EnvOr("SLUICE_TEST_POSTGRES_ADMIN_URI");
    if (uri.empty()) return nullptr;
    return Connect(uri);
  }
  // Runs `load` in a child process that then dies by SIGKILL while the destination `load`
  // returns is still open, as a kill -9 of the loader would.
  void RunAndKill(const std::function<std::unique_ptr<Destination>()>& load) {
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      std::unique_ptr<Destination> open;
      try {
        open = load();
      } catch (...) {
        _exit(3);
      }
      kill(getpid(), SIGKILL);
      _exit(4);
    }
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "the child loader failed before it was killed (status " << status << ")";
    WaitForLoaderSessionsToEnd();
  }
  std::vector<Batch> Rows(int first, int count, int batches) {
    std::vector<Batch> out;
    for (int b = 0; b < batches; b++) {
      Batch batch;
      batch.table = "t";
      batch.names = {"id", "s"};
      batch.columns = {Column(kInt), Column(kText)};
      for (int i = 0; i < count; i++) {
        batch.columns[0].AppendInt64(first + b * count + i);
        batch.columns[1].AppendString("row");
      }
      batch.num_rows = count;
      out.push_back(std::move(batch));
    }
    return out;
  }
  using testing_util::PostgresDestinationTest::Rows;

  std::string app_;
};

TEST_F(PostgresCrashTest, AKilledLoaderChangesNothingAndTheNextBeginDropsItsStagingTables) {
  Load(WriteMode::kAppend, {MakeBatch("t", {"id", "s"}, {kInt, kText}, {{"1", "one"}})});
  struct Case {
    WriteMode mode;
    std::string extra;
    bool stages;  // the killed load had staging tables
  };
  for (const Case& c : {Case{WriteMode::kReplace, "copy_connections=2", true},
                        Case{WriteMode::kMerge, "copy_connections=1", true},
                        Case{WriteMode::kAppend, "copy_connections=1", false},
                        Case{WriteMode::kAppend, "copy_connections=2", true}}) {
    const std::string what = std::string(WriteModeName(c.mode)) + " " + c.extra;
    const std::string loads = Value("SELECT count(*) FROM _sluice_loads");
    RunAndKill([&] {
      auto d = PostgresDestination::Open(LoaderUri(c.extra));
      Begin(*d, Plan(c.mode, {"id"}));
      for (auto& b : Rows(100, 1000, 5)) Feed(*d, std::move(b));
      // A table of its own, so the append with copy_connections=2 stages one too.
      Feed(*d, MakeBatch("t__new", {"x"}, {kInt}, {{"1"}}));
      d->ReadTables("t");  // every row so far sent to the main connection's COPY
      return d;
    });
    EXPECT_EQ(Rows("SELECT id, s FROM t"), (V{"1|one"})) << what;
    EXPECT_EQ(Value("SELECT to_regclass('t__new') IS NULL"), "t") << what;
    EXPECT_EQ(Value("SELECT count(*) FROM _sluice_loads"), loads) << what;
    EXPECT_EQ(StageTables() != "0", c.stages) << what << ": the killed load left its stage";
    // The next load starts by dropping them, then loads as if nothing happened.
    auto d = PostgresDestination::Open(LoaderUri(c.extra));
    Begin(*d, Plan(WriteMode::kAppend));
    EXPECT_EQ(StageTables(), "0") << what;
    Feed(*d, MakeBatch("t", {"id", "s"}, {kInt, kText}, {{"2", "two"}}));
    d->Commit(Record());
    EXPECT_EQ(Rows("SELECT id, s FROM t ORDER BY id"), (V{"1|one", "2|two"})) << what;
    admin_->Execute("DELETE FROM t WHERE id = 2");
  }
}

TEST_F(PostgresCrashTest, AKillInTheMiddleOfTheCommitChangesNothing) {
  for (const char* attach : {"", "CREATE INDEX ON t (id)"}) {  // swap, and TRUNCATE + INSERT
    admin_->Execute("DROP SCHEMA IF EXISTS " + QuoteIdentifier(schema_) + " CASCADE");
    Load(WriteMode::kAppend, {MakeBatch("t", {"id", "s"}, {kInt, kText}, {{"1", "one"}})});
    if (*attach) admin_->Execute(attach);
    // A reader holds the table, so the commit stops at its DROP / TRUNCATE with the load's rows
    // already moved or about to be; the loader is killed right there.
    auto holder = Connect(DestinationUri());
    holder->Execute("BEGIN; SELECT count(*) FROM " + QuoteIdentifier(schema_) + ".t");
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      try {
        auto d = PostgresDestination::Open(LoaderUri());
        Begin(*d, Plan(WriteMode::kReplace));
        for (auto& b : Rows(100, 1000, 3)) Feed(*d, std::move(b));
        d->Commit(Record());
      } catch (...) {
      }
      _exit(3);
    }
    bool waiting = false;
    for (int i = 0; i < 500 && !waiting; i++) {
      waiting = admin_->QueryValue(
                    "SELECT count(*) FROM pg_stat_activity WHERE "
                    "application_name = $1 AND wait_event_type = 'Lock'",
                    {app_}) == "1";
      if (!waiting) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_TRUE(waiting) << "the commit never reached the table's lock";
    kill(child, SIGKILL);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status));
    holder->Execute("COMMIT");
    WaitForLoaderSessionsToEnd();
    EXPECT_EQ(Rows("SELECT id, s FROM t"), (V{"1|one"})) << attach;
    EXPECT_EQ(Value("SELECT count(*) FROM _sluice_loads"), "1") << attach;
    EXPECT_NE(StageTables(), "0") << "the staged rows stay until the next Begin";
    Load(WriteMode::kReplace, {MakeBatch("t", {"id", "s"}, {kInt, kText}, {{"2", "two"}})});
    EXPECT_EQ(Rows("SELECT id, s FROM t"), (V{"2|two"})) << attach;
    EXPECT_EQ(StageTables(), "0") << attach;
  }
}

TEST_F(PostgresCrashTest, ALiveLoadersStagingTablesSurviveAnotherLoadersBegin) {
  Load(WriteMode::kAppend, {MakeBatch("t", {"id", "s"}, {kInt, kText}, {{"1", "one"}})});
  auto slow = PostgresDestination::Open(LoaderUri());
  Begin(*slow, Plan(WriteMode::kReplace));
  for (auto& b : Rows(10, 100, 3)) Feed(*slow, std::move(b));
  const std::string stages = StageTables();
  ASSERT_NE(stages, "0");
  // Another loader of another table in the same schema begins, loads and commits meanwhile.
  {
    auto other = PostgresDestination::Open(LoaderUri());
    LoadPlan p = Plan(WriteMode::kAppend);
    p.root_table = "u";
    other->Begin(p);
    other->CreateTable({"u", {{"x", kInt}}});
    Batch b = MakeBatch("u", {"x"}, {kInt}, {{"5"}});
    other->Write(b);
    other->Commit(Record());
  }
  EXPECT_EQ(StageTables(), stages) << "a running load's staging tables were dropped";
  slow->Commit(Record());
  EXPECT_EQ(Value("SELECT count(*), min(id), max(id) FROM t"), "300|10|309");
  EXPECT_EQ(Value("SELECT x FROM u"), "5");
  EXPECT_EQ(StageTables(), "0");
}

TEST_F(PostgresCrashTest, ATerminatedMainSessionFailsTheLoadRetriablyAndCommitsNothing) {
  auto superuser = Superuser();
  if (!superuser) {
    if (testing_util::EnvOr("SLUICE_REQUIRE_POSTGRES") == "1") FAIL() << "no admin URI";
    GTEST_SKIP() << "SLUICE_TEST_POSTGRES_ADMIN_URI is not set";
  }
  Load(WriteMode::kAppend, {MakeBatch("t", {"id", "s"}, {kInt, kText}, {{"1", "one"}})});
  for (WriteMode mode : {WriteMode::kAppend, WriteMode::kReplace}) {
    auto d = PostgresDestination::Open(LoaderUri());
    Begin(*d, Plan(mode));
    for (auto& b : Rows(100, 1000, 3)) Feed(*d, std::move(b));
    const int pid = LoaderBackend(/*main=*/true);
    ASSERT_NE(pid, 0);
    superuser->QueryValue("SELECT pg_terminate_backend($1::int)", {std::to_string(pid)});
    try {
      for (auto& b : Rows(5000, 1000, 3)) Feed(*d, std::move(b));
      d->Commit(Record());
      FAIL() << "the load committed without its session";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kDestination) << e.what();
      EXPECT_TRUE(e.retriable()) << WriteModeName(mode) << ": " << e.what();
    }
    d->Rollback();
    EXPECT_EQ(Rows("SELECT id, s FROM t"), (V{"1|one"})) << WriteModeName(mode);
    EXPECT_EQ(Value("SELECT count(*) FROM _sluice_loads"), "1");
    // The destination reconnects for the next load, which also drops what the dead one staged.
    Begin(*d, Plan(WriteMode::kAppend));
    EXPECT_EQ(StageTables(), "0");
    d->Rollback();
  }
}

TEST_F(PostgresCrashTest, ATerminatedCopySessionFailsTheLoadRetriably) {
  auto superuser = Superuser();
  if (!superuser) {
    if (testing_util::EnvOr("SLUICE_REQUIRE_POSTGRES") == "1") FAIL() << "no admin URI";
    GTEST_SKIP() << "SLUICE_TEST_POSTGRES_ADMIN_URI is not set";
  }
  Load(WriteMode::kAppend, {MakeBatch("t", {"id", "s"}, {kInt, kText}, {{"1", "one"}})});
  auto d = PostgresDestination::Open(LoaderUri("copy_connections=2"));
  Begin(*d, Plan(WriteMode::kReplace));
  for (auto& b : Rows(100, 1000, 3)) Feed(*d, std::move(b));
  const int pid = LoaderBackend(/*main=*/false);
  ASSERT_NE(pid, 0);
  superuser->QueryValue("SELECT pg_terminate_backend($1::int)", {std::to_string(pid)});
  try {
    for (auto& b : Rows(5000, 1000, 10)) Feed(*d, std::move(b));
    d->Commit(Record());
    FAIL() << "the load committed without one of its COPY sessions";
  } catch (const Error& e) {
    EXPECT_TRUE(e.retriable()) << e.what();
  }
  d->Rollback();
  EXPECT_EQ(Rows("SELECT id, s FROM t"), (V{"1|one"}));
  EXPECT_EQ(StageTables(), "0") << "Rollback drops the stage when the main session is alive";
}

}  // namespace
}  // namespace sluice
