// The filesystem destination end to end through `sluice load`: idempotent reruns from the
// pipeline state in the manifests, merge refused, and kill -9 at arbitrary moments never
// leaving a partial load visible.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <thread>

#include "cli/cli_test_util.h"
#include "destinations/filesystem/filesystem_test_util.h"
#include "destinations/filesystem/manifest_catalog.h"
#include "storage/storage.h"

extern char** environ;

namespace sluice {
namespace {

using testing_util::RunSluice;
using testing_util::TempDir;
using Rows = std::vector<std::string>;

class FilesystemCli : public ::testing::Test {
 protected:
  std::string Prefix() const { return "file://" + dir_.File("out") + "/"; }
  Rows Query(const std::string& sql) {
    return testing_util::QueryFilesystemDestination(StorageFor(Prefix()), Prefix(), sql);
  }
  TempDir dir_;
};

TEST_F(FilesystemCli, ASecondRunOfUnchangedInputLoadsNothing) {
  const std::string csv = dir_.Write("data.csv", "id,name\n1,a\n2,b\n");
  const std::string dest = "'" + Prefix() + "?format=parquet'";
  auto first = RunSluice("load " + csv + " " + dest + " -q");
  ASSERT_EQ(first.exit_code, 0) << first.err;
  auto second = RunSluice("load " + csv + " " + dest);
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.err.find("nothing to load"), std::string::npos) << second.err;
  EXPECT_EQ(Query("SELECT id, name FROM data ORDER BY id"), (Rows{"1|a", "2|b"}));
  EXPECT_EQ(Query("SELECT count(*) FROM _sluice_loads"), Rows{"1"});
  EXPECT_EQ(Query("SELECT resource FROM _sluice_state"), Rows{"data"})
      << "the file's fingerprint is the pipeline state in the manifest";

  dir_.Write("data.csv", "id,name\n1,a\n2,b\n3,c\n");
  auto third = RunSluice("load " + csv + " " + dest + " -q --mode replace");
  ASSERT_EQ(third.exit_code, 0) << third.err;
  EXPECT_EQ(Query("SELECT count(*) FROM data"), Rows{"3"}) << "a changed file loads again";
}

TEST_F(FilesystemCli, StateShowAndResetWorkOnManifests) {
  const std::string csv = dir_.Write("data.csv", "id\n1\n");
  const std::string dest = "'" + Prefix() + "?format=csv'";
  ASSERT_EQ(RunSluice("load " + csv + " " + dest + " -q").exit_code, 0);
  auto reset = RunSluice("state reset data " + dest);
  ASSERT_EQ(reset.exit_code, 0) << reset.err;
  auto again = RunSluice("load " + csv + " " + dest + " -q");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(Query("SELECT count(*) FROM data"), Rows{"2"}) << "after a reset the file loads again";
}

TEST_F(FilesystemCli, MergeIsAUsageError) {
  const std::string csv = dir_.Write("data.csv", "id\n1\n");
  auto r = RunSluice("load " + csv + " '" + Prefix() + "' --mode merge --primary-key id -q");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("does not support --mode merge"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir_.File("out") + "/_sluice/loads"));
}

// Starts `sluice load`; kills it with SIGKILL after `kill_after` unless it finished first.
bool LoadAndMaybeKill(const std::vector<std::string>& args, std::chrono::milliseconds kill_after) {
  std::vector<char*> argv;
  std::string bin = testing_util::SluiceBinary();
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

// The invariant: what the manifests list is exactly the loads that committed, and after the next
// load nothing else of sluice's is left in the directory.
TEST_F(FilesystemCli, KillingLoadsAtRandomNeverShowsAPartialLoad) {
  constexpr int kRows = 200000;
  std::string csv = "id,name,amount\n";
  for (int i = 0; i < kRows; i++) {
    csv += std::to_string(i) + ",name " + std::to_string(i % 977) + "," + std::to_string(i % 1000) +
           ".5\n";
  }
  const std::string path = dir_.Write("big.csv", csv);
  for (const std::string mode : {"append", "replace"}) {
    std::filesystem::remove_all(dir_.File("out"));
    const std::vector<std::string> args = {
        "load", path, Prefix() + "?format=csv&file_rows=20000", "--mode", mode, "-q", "--force"};
    std::mt19937 rng(7);
    int64_t exited_ok = 0;
    int attempts = 0;
    for (; attempts < 8; attempts++) {
      const auto delay = std::chrono::milliseconds(std::uniform_int_distribution<int>(5, 900)(rng));
      if (LoadAndMaybeKill(args, delay)) exited_ok++;
      const int64_t committed = std::stoll(Query("SELECT count(*) FROM _sluice_loads")[0]);
      ASSERT_GE(committed, exited_ok);
      const int64_t expected = committed == 0 ? 0 : (mode == "append" ? committed * kRows : kRows);
      const Rows rows = committed ? Query("SELECT count(*) FROM big") : Rows{"0"};
      ASSERT_EQ(rows, Rows{std::to_string(expected)}) << mode << " attempt " << attempts;
    }
    ASSERT_LT(exited_ok, attempts) << "no run was killed: the test proved nothing";
    ASSERT_TRUE(LoadAndMaybeKill(args, std::chrono::seconds(120))) << "a load that is not killed";
    const auto catalog = ManifestCatalog::Read(StorageFor(Prefix()), Prefix());
    const auto live = catalog.LiveFiles();
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir_.File("out"))) {
      if (!e.is_regular_file()) continue;
      const std::string rel = std::filesystem::relative(e.path(), dir_.File("out")).string();
      if (rel.rfind("_sluice/", 0) == 0) continue;
      EXPECT_TRUE(live.count(rel)) << mode << ": " << rel << " is left over";
    }
  }
}

}  // namespace
}  // namespace sluice
