// `sluice serve` as a process: SIGTERM drains the spool into the destination; kill -9 right
// after acknowledgements loses no acknowledged event and doubles none; a torn spool tail is cut.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "cli/cli_test_util.h"

extern char** environ;

namespace sluice {
namespace {

using namespace std::chrono_literals;
using testing_util::QueryRows;
using testing_util::RunSluice;
using testing_util::SluiceBinary;
using testing_util::TempDir;

class ServeProcess {
 public:
  // Starts `sluice serve CONFIG` and waits for its "listening on" line.
  ServeProcess(const std::string& config, const std::string& log,
               std::vector<std::string> extra = {})
      : log_(log) {
    std::string bin = SluiceBinary(), cmd = "serve", cfg = config;
    std::vector<char*> argv = {bin.data(), cmd.data(), cfg.data()};
    for (std::string& arg : extra) argv.push_back(arg.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    if (posix_spawn(&pid_, bin.c_str(), &actions, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
    for (int i = 0; i < 3000 && pid_ > 0 && port_ == 0; i++) {
      std::ifstream in(log);
      const std::string text((std::istreambuf_iterator<char>(in)), {});
      const size_t at = text.find("listening on http://127.0.0.1:");
      if (at != std::string::npos && text.find('\n', at) != std::string::npos) {
        port_ = std::stoi(text.substr(at + std::strlen("listening on http://127.0.0.1:")));
        break;
      }
      int status;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      std::this_thread::sleep_for(5ms);
    }
  }
  ~ServeProcess() {
    if (pid_ > 0) Kill();
  }
  int port() const { return port_; }
  std::string Log() const {
    std::ifstream in(log_);
    return std::string((std::istreambuf_iterator<char>(in)), {});
  }
  void Kill() {
    kill(pid_, SIGKILL);
    int status;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  // SIGTERM; the exit code (-1 if it did not exit within a minute or died by a signal).
  int Terminate() {
    kill(pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 6000; i++) {
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      std::this_thread::sleep_for(10ms);
    }
    Kill();
    return -1;
  }

 private:
  std::string log_;
  pid_t pid_ = -1;
  int port_ = 0;
};

std::string WriteConfig(const TempDir& dir, const std::string& routes_extra = "") {
  return dir.Write("serve.yaml",
                   "pipeline: hooks\n"
                   "destination: duckdb:///" +
                       dir.File("hooks.duckdb") +
                       "\n"
                       "listen: 127.0.0.1:0\n"
                       "spool_dir: " +
                       dir.File("spool") +
                       "\n"
                       "batch_rows: 50\n"
                       "batch_interval_s: 0.02\n"
                       "routes:\n"
                       "  - path: /events\n"
                       "    table: events\n" +
                       routes_extra);
}

TEST(Serve, SigtermLoadsEverythingSpooledAndExitsZero) {
  TempDir dir;
  const std::string config = WriteConfig(dir, "    id_path: id\n");
  ServeProcess serve(config, dir.File("serve.log"));
  ASSERT_GT(serve.port(), 0) << serve.Log();
  httplib::Client client("127.0.0.1", serve.port());
  for (int i = 0; i < 40; i++) {
    auto res = client.Post(
        "/events", "{\"id\":\"e" + std::to_string(i) + "\",\"n\":" + std::to_string(i) + "}",
        "application/json");
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200);
  }
  ASSERT_EQ(serve.Terminate(), 0) << serve.Log();
  EXPECT_NE(serve.Log().find("warning: route /events has no signature"), std::string::npos)
      << serve.Log();
  EXPECT_EQ(QueryRows(dir.File("hooks.duckdb"),
                      "SELECT count(*), count(DISTINCT _event_id), "
                      "sum(n) FROM events"),
            std::vector<std::string>{"40|40|780"});
}

// Posts from several connections until killed; returns the acknowledged sequence numbers.
std::set<int> PostUntilKilled(ServeProcess& serve, int* next_seq,
                              std::chrono::milliseconds kill_after) {
  std::mutex mu;
  std::set<int> acked;
  std::atomic<bool> stop{false};
  std::atomic<int> seq{*next_seq};
  std::vector<std::thread> senders;
  for (int t = 0; t < 4; t++) {
    senders.emplace_back([&] {
      httplib::Client client("127.0.0.1", serve.port());
      client.set_read_timeout(5, 0);
      while (!stop) {
        const int n = seq++;
        auto res = client.Post(
            "/events",
            "{\"seq\":" + std::to_string(n) + ",\"pad\":\"" + std::string(200, 'p') + "\"}",
            "application/json");
        if (!res) return;  // the server is gone
        if (res->status == 200) {
          std::lock_guard<std::mutex> lock(mu);
          acked.insert(n);
        }
      }
    });
  }
  std::this_thread::sleep_for(kill_after);
  serve.Kill();  // SIGKILL while requests and loads are in flight
  stop = true;
  for (auto& t : senders) t.join();
  *next_seq = seq;
  return acked;
}

TEST(Serve, KillNineAfterAcknowledgementsLosesNothingAndDoublesNothing) {
  TempDir dir;
  const std::string config = WriteConfig(dir);  // no id_path: appends, so a double would show
  std::mt19937 rng(11);
  std::set<int> acked;
  int next_seq = 0;
  for (int round = 0; round < 5; round++) {
    ServeProcess serve(config, dir.File("serve.log"));
    ASSERT_GT(serve.port(), 0) << serve.Log();
    const auto delay = std::chrono::milliseconds(std::uniform_int_distribution<int>(50, 600)(rng));
    const std::set<int> got = PostUntilKilled(serve, &next_seq, delay);
    acked.insert(got.begin(), got.end());
  }
  ASSERT_GT(acked.size(), 20u) << "too few events to prove anything";
  ServeProcess serve(config, dir.File("serve.log"));
  ASSERT_GT(serve.port(), 0) << serve.Log();
  ASSERT_EQ(serve.Terminate(), 0) << serve.Log();
  const auto rows = QueryRows(dir.File("hooks.duckdb"), "SELECT seq FROM events ORDER BY seq");
  std::set<int> loaded;
  for (const auto& r : rows) {
    EXPECT_TRUE(loaded.insert(std::stoi(r)).second) << "event " << r << " loaded twice";
  }
  for (int n : acked) EXPECT_TRUE(loaded.count(n)) << "acknowledged event " << n << " lost";
  // Unacknowledged events may have been spooled before the kill; nothing else can appear.
  EXPECT_LE(loaded.size(), size_t(next_seq));
  RecordProperty("acknowledged", int(acked.size()));
  RecordProperty("loaded", int(loaded.size()));
  RecordProperty("posted", next_seq);
}

TEST(Serve, TornSpoolTailIsCutAndTheRestLoads) {
  TempDir dir;
  const std::string config = WriteConfig(dir, "    id_path: id\n");
  {
    ServeProcess serve(config, dir.File("serve.log"));
    ASSERT_GT(serve.port(), 0) << serve.Log();
    httplib::Client client("127.0.0.1", serve.port());
    for (int i = 0; i < 10; i++) {
      auto res =
          client.Post("/events", "{\"id\":\"t" + std::to_string(i) + "\"}", "application/json");
      ASSERT_TRUE(res && res->status == 200);
    }
    serve.Kill();
  }
  // Half a record at the end of the newest segment, as a crash mid-write leaves it.
  std::vector<std::filesystem::path> segments;
  for (const auto& e : std::filesystem::directory_iterator(dir.File("spool"))) {
    if (e.path().extension() == ".spool") segments.push_back(e.path());
  }
  ASSERT_FALSE(segments.empty());
  std::sort(segments.begin(), segments.end());
  {
    std::ofstream out(segments.back(), std::ios::binary | std::ios::app);
    const char header[12] = {char(200), 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8};
    out.write(header, sizeof header);
    out << "{\"id\":\"tor";
  }
  ServeProcess serve(config, dir.File("serve.log"));
  ASSERT_GT(serve.port(), 0) << serve.Log();
  httplib::Client client("127.0.0.1", serve.port());
  auto res = client.Post("/events", R"({"id":"after"})", "application/json");
  ASSERT_TRUE(res && res->status == 200);
  ASSERT_EQ(serve.Terminate(), 0) << serve.Log();
  EXPECT_EQ(QueryRows(dir.File("hooks.duckdb"),
                      "SELECT count(*), count(DISTINCT _event_id) "
                      "FROM events"),
            std::vector<std::string>{"11|11"});
}

TEST(Serve, SignatureSecretFromTheSecretsFile) {
  TempDir dir;
  const std::string config = WriteConfig(dir,
                                         "    signature:\n"
                                         "      scheme: hmac\n"
                                         "      header: X-Signature\n"
                                         "      secret: ${HOOK_SECRET}\n");
  const std::string secrets = dir.Write("secrets.yaml", "HOOK_SECRET: k1-secret\n");
  ServeProcess serve(config, dir.File("serve.log"), {"--secrets", secrets});
  ASSERT_GT(serve.port(), 0) << serve.Log();
  httplib::Client client("127.0.0.1", serve.port());
  // printf '%s' '{"id":42}' | openssl dgst -sha256 -hmac k1-secret
  const std::string sig = "fb5ade9807bc2f128f5f59a46f877a89e5b8a74a0e68eaeb6b628192f831f848";
  auto good = client.Post("/events", {{"X-Signature", sig}}, R"({"id":42})", "application/json");
  ASSERT_TRUE(good);
  EXPECT_EQ(good->status, 200);
  auto bad = client.Post("/events", {{"X-Signature", sig}}, R"({"id":43})", "application/json");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 401);
  ASSERT_EQ(serve.Terminate(), 0) << serve.Log();
  EXPECT_EQ(serve.Log().find("has no signature"), std::string::npos) << serve.Log();
  EXPECT_EQ(QueryRows(dir.File("hooks.duckdb"), "SELECT id FROM events"),
            std::vector<std::string>{"42"});
}

TEST(Serve, BadConfigIsAUsageError) {
  TempDir dir;
  EXPECT_EQ(RunSluice("serve " + dir.File("missing.yaml")).exit_code, 2);
  const std::string config = dir.Write("bad.yaml", "listen: 127.0.0.1:0\nroutes: []\n");
  const auto r = RunSluice("serve " + config);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  // Routes with an id_path load by merge, which files cannot do.
  const std::string files =
      dir.Write("files.yaml", "destination: file://" + dir.File("out") +
                                  "\nlisten: 127.0.0.1:0\nspool_dir: " + dir.File("spool") +
                                  "\nroutes:\n  - path: /keyed\n"
                                  "    table: keyed\n    id_path: id\n");
  const auto f = RunSluice("serve " + files);
  EXPECT_EQ(f.exit_code, 2) << f.err;
  EXPECT_NE(f.err.find("/keyed"), std::string::npos) << f.err;
}

}  // namespace
}  // namespace sluice
