// The receiver in-process: a real HTTP server on a free port, a real spool and a DuckDB file.
#include "webhook/webhook_service.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "core/error.h"
#include "destinations/duckdb/duckdb_test_util.h"
#include "webhook/signature_verifier.h"

namespace sluice {
namespace {

namespace fs = std::filesystem;
using testing_util::QueryRows;
using namespace std::chrono_literals;

int64_t Now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class WebhookReceiver : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           ("sluice_webhook_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    db_ = (dir_ / "hooks.duckdb").string();
    config_.pipeline = "hooks";
    config_.destination = "duckdb:///" + db_;
    config_.listen = "127.0.0.1:0";
    config_.spool_dir = (dir_ / "spool").string();
    config_.batch_rows = 1000;
    config_.batch_interval_s = 0.05;
    WebhookRouteConfig stripe{"/stripe", "stripe_events", {}, "id", 5};
    stripe.signature.scheme = SignatureConfig::Scheme::kStripe;
    stripe.signature.secret = "whsec_test";
    WebhookRouteConfig github{"/github", "gh_events", {}, "", 5};
    github.signature.scheme = SignatureConfig::Scheme::kGithub;
    github.signature.secret = "gh-secret";
    WebhookRouteConfig hmac{"/hmac", "generic_events", {}, "data.id", 5};
    hmac.signature.scheme = SignatureConfig::Scheme::kHmac;
    hmac.signature.secret = "k1";
    hmac.signature.header = "X-Signature";
    hmac.signature.prefix = "sha256=";
    WebhookRouteConfig open{"/open", "open_events", {}, "id", 5};
    config_.routes = {stripe, github, hmac, open};
  }
  void TearDown() override {
    service_.reset();
    fs::remove_all(dir_);
  }

  void Start() {
    service_ = std::make_unique<WebhookService>(config_);
    port_ = service_->Start();
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
    client_->set_read_timeout(10, 0);
  }
  bool StopService() {
    const bool drained = service_->Stop(10s);
    service_.reset();
    return drained;
  }
  int Post(const std::string& path, const std::string& body, httplib::Headers headers = {}) {
    auto res = client_->Post(path.c_str(), headers, body, "application/json");
    return res ? res->status : -1;
  }
  std::string Get(const std::string& path, int* status = nullptr) {
    auto res = client_->Get(path.c_str());
    if (status) *status = res ? res->status : -1;
    return res ? res->body : "";
  }
  std::string Count(const std::string& table) {
    return QueryRows(db_, "SELECT count(*) FROM " + table)[0];
  }
  double Metric(const std::string& name, const MetricLabels& labels = {}) {
    return service_->metrics().Value(name, labels);
  }
  // Polls until `done` or 10 s.
  template <typename F>
  bool Eventually(F done) {
    for (int i = 0; i < 1000; i++) {
      if (done()) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }

  fs::path dir_;
  std::string db_;
  WebhookConfig config_;
  std::unique_ptr<WebhookService> service_;
  std::unique_ptr<httplib::Client> client_;
  int port_ = 0;
};

// Sends `request` as is on a new connection; returns the status of the answer (-1: none).
int RawRequest(int port, const std::string& request) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(uint16_t(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval timeout{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  std::string answer;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == ssize_t(request.size())) {
    char buf[4096];
    for (;;) {
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      answer.append(buf, size_t(n));
      if (answer.find("\r\n\r\n") != std::string::npos) break;
    }
  }
  ::close(fd);
  if (answer.rfind("HTTP/1.1 ", 0) != 0 || answer.size() < 12) return -1;
  return std::stoi(answer.substr(9, 3));
}

std::string StripeHeader(const std::string& body, int64_t t, const std::string& secret) {
  return "t=" + std::to_string(t) +
         ",v1=" + HexEncode(HmacDigest("sha256", secret, std::to_string(t) + "." + body));
}

TEST_F(WebhookReceiver, SignaturesValidInvalidAndReplayedPerScheme) {
  Start();
  const std::string stripe_body = R"({"id":"evt_1","type":"charge.succeeded","amount":1200})";
  EXPECT_EQ(Post("/stripe", stripe_body,
                 {{"Stripe-Signature", StripeHeader(stripe_body, Now(), "whsec_test")}}),
            200);
  EXPECT_EQ(Post("/stripe", stripe_body,
                 {{"Stripe-Signature", StripeHeader(stripe_body, Now(), "wrong")}}),
            401);
  // A genuine signature captured long ago and replayed.
  EXPECT_EQ(
      Post("/stripe", R"({"id":"evt_2"})",
           {{"Stripe-Signature", StripeHeader(R"({"id":"evt_2"})", Now() - 3600, "whsec_test")}}),
      401);
  EXPECT_EQ(Post("/stripe", stripe_body), 401) << "unsigned";

  const std::string gh_body = R"({"action":"opened","number":7})";
  const std::string gh_sig = "sha256=" + HexEncode(HmacDigest("sha256", "gh-secret", gh_body));
  EXPECT_EQ(Post("/github", gh_body, {{"X-Hub-Signature-256", gh_sig}}), 200);
  EXPECT_EQ(Post("/github", R"({"action":"closed","number":7})", {{"X-Hub-Signature-256", gh_sig}}),
            401);

  const std::string hmac_body = R"({"data":{"id":99,"v":"x"}})";
  const std::string hmac_sig = "sha256=" + HexEncode(HmacDigest("sha256", "k1", hmac_body));
  EXPECT_EQ(Post("/hmac", hmac_body, {{"X-Signature", hmac_sig}}), 200);
  EXPECT_EQ(Post("/hmac", hmac_body, {{"X-Signature", hmac_sig + "00"}}), 401);

  EXPECT_EQ(Metric("sluice_webhook_signature_failures_total", {{"route", "/stripe"}}), 3);
  EXPECT_EQ(Metric("sluice_webhook_signature_failures_total", {{"route", "/github"}}), 1);
  EXPECT_EQ(Metric("sluice_webhook_signature_failures_total", {{"route", "/hmac"}}), 1);
  EXPECT_EQ(Metric("sluice_webhook_requests_total", {{"route", "/stripe"}, {"code", "401"}}), 3);
  ASSERT_TRUE(StopService());
  EXPECT_EQ(QueryRows(db_, "SELECT _event_id, type, amount FROM stripe_events"),
            std::vector<std::string>{"evt_1|charge.succeeded|1200"});
  EXPECT_EQ(QueryRows(db_, "SELECT action, number FROM gh_events"),
            std::vector<std::string>{"opened|7"});
  EXPECT_EQ(QueryRows(db_, "SELECT _event_id, data__v FROM generic_events"),
            std::vector<std::string>{"99|x"});
}

TEST_F(WebhookReceiver, BodyLimitBadJsonUnknownPathAndMissingIdAreRefusedAndCounted) {
  config_.max_body_bytes = 256;
  Start();
  EXPECT_EQ(Post("/open", "{\"id\":\"a\",\"pad\":\"" + std::string(1000, 'x') + "\"}"), 413);
  EXPECT_EQ(Post("/open", "{\"id\":"), 400);
  EXPECT_EQ(Post("/open", "[1,2]"), 400) << "an event is a JSON object";
  EXPECT_EQ(Post("/open", R"({"no_id":1})"), 400);
  EXPECT_EQ(Post("/open", R"({"id":null})"), 400);
  EXPECT_EQ(Post("/nowhere", R"({"id":"a"})"), 404);
  EXPECT_EQ(Post("/open", R"({"id":"ok"})"), 200);
  EXPECT_EQ(Metric("sluice_webhook_requests_total", {{"route", "/open"}, {"code", "413"}}), 1);
  EXPECT_EQ(Metric("sluice_webhook_requests_total", {{"route", "/open"}, {"code", "400"}}), 4);
  EXPECT_EQ(Metric("sluice_webhook_requests_total", {{"route", "unknown"}, {"code", "404"}}), 1);
  EXPECT_EQ(Metric("sluice_webhook_requests_total", {{"route", "/open"}, {"code", "200"}}), 1);
  EXPECT_EQ(Metric("sluice_webhook_events_accepted_total", {{"route", "/open"}}), 1);
  ASSERT_TRUE(StopService());
  EXPECT_EQ(Count("open_events"), "1");
}

TEST_F(WebhookReceiver, RetriedIdsAreAcknowledgedAndLoadedOnce) {
  Start();
  for (int i = 0; i < 3; i++) EXPECT_EQ(Post("/open", R"({"id":"evt_7","n":1})"), 200);
  EXPECT_EQ(Post("/open", R"({"id":"evt_8","n":2})"), 200);
  EXPECT_EQ(Metric("sluice_webhook_duplicates_total", {{"route", "/open"}}), 2);
  EXPECT_EQ(Metric("sluice_webhook_events_accepted_total", {{"route", "/open"}}), 2);
  ASSERT_TRUE(StopService());
  EXPECT_EQ(QueryRows(db_, "SELECT _event_id FROM open_events ORDER BY 1"),
            (std::vector<std::string>{"evt_7", "evt_8"}));
  // A replay the in-memory set cannot know (another spool, e.g. a second replica or a wiped
  // disk) still merges onto the same row by `_event_id`.
  config_.spool_dir = (dir_ / "spool2").string();
  Start();
  EXPECT_EQ(Post("/open", R"({"id":"evt_7","n":3})"), 200);
  ASSERT_TRUE(StopService());
  EXPECT_EQ(QueryRows(db_, "SELECT _event_id, n FROM open_events ORDER BY 1"),
            (std::vector<std::string>{"evt_7|3", "evt_8|2"}));
}

TEST_F(WebhookReceiver, BatchesLoadAtBatchRowsOrOnStop) {
  config_.batch_rows = 5;
  config_.batch_interval_s = 3600;
  Start();
  for (int i = 0; i < 5; i++) {
    EXPECT_EQ(Post("/open",
                   "{\"id\":\"e" + std::to_string(i) + "\",\"items\":[{\"sku\":1},{\"sku\":2}]}"),
              200);
  }
  EXPECT_TRUE(Eventually([&] {
    return Metric("sluice_webhook_rows_loaded_total", {{"table", "open_events"}}) == 5;
  }));
  EXPECT_EQ(Metric("sluice_webhook_rows_loaded_total", {{"table", "open_events__items"}}), 10);
  EXPECT_GT(Metric("sluice_webhook_last_load_timestamp_seconds"), Now() - 60);
  EXPECT_EQ(Post("/open", R"({"id":"e5"})"), 200);
  EXPECT_EQ(Post("/open", R"({"id":"e6"})"), 200);
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(Metric("sluice_webhook_rows_loaded_total", {{"table", "open_events"}}), 5)
      << "two events are below batch_rows and the interval is an hour";
  Get("/metrics");
  EXPECT_EQ(Metric("sluice_webhook_spool_events"), 2);
  ASSERT_TRUE(StopService());
  EXPECT_EQ(Count("open_events"), "7");
  EXPECT_EQ(Count("open_events__items"), "10");
  EXPECT_EQ(QueryRows(db_,
                      "SELECT data_type FROM duckdb_columns() WHERE table_name = "
                      "'open_events' AND column_name = '_received_at'"),
            std::vector<std::string>{"TIMESTAMP WITH TIME ZONE"});
  EXPECT_EQ(QueryRows(db_,
                      "SELECT count(*) FROM open_events WHERE _received_at > "
                      "now() - INTERVAL 1 HOUR"),
            std::vector<std::string>{"7"});
}

TEST_F(WebhookReceiver, HealthzAndMetricsInPrometheusFormat) {
  Start();
  int status = 0;
  EXPECT_EQ(Get("/healthz", &status), "ok\n");
  EXPECT_EQ(status, 200);
  EXPECT_EQ(Post("/open", R"({"id":"a"})"), 200);
  EXPECT_TRUE(Eventually([&] {
    return Metric("sluice_webhook_rows_loaded_total", {{"table", "open_events"}}) == 1;
  }));
  const std::string metrics = Get("/metrics", &status);
  EXPECT_EQ(status, 200);
  for (const std::string line : {
           "# HELP sluice_webhook_requests_total ",
           "# TYPE sluice_webhook_requests_total counter",
           "# TYPE sluice_webhook_spool_events gauge",
           "# TYPE sluice_webhook_spool_bytes gauge",
           "# TYPE sluice_webhook_last_load_timestamp_seconds gauge",
           "# TYPE sluice_webhook_duplicates_total counter",
           "# TYPE sluice_webhook_signature_failures_total counter",
           "sluice_webhook_requests_total{route=\"/open\",code=\"200\"} 1\n",
           "sluice_webhook_events_accepted_total{route=\"/open\"} 1\n",
           "sluice_webhook_rows_loaded_total{table=\"open_events\"} 1\n",
           "sluice_webhook_spool_events 0\n",
       }) {
    EXPECT_NE(metrics.find(line), std::string::npos) << line << "\nin:\n" << metrics;
  }
  EXPECT_NE(metrics.find("sluice_webhook_spool_bytes "), std::string::npos);
  ASSERT_TRUE(StopService());
}

TEST_F(WebhookReceiver, DestinationDownKeepsSpoolingReportsUnhealthyAndRecovers) {
  const fs::path missing = dir_ / "not_yet";
  config_.destination = "duckdb:///" + (missing / "hooks.duckdb").string();
  Start();
  for (int i = 0; i < 3; i++) {
    EXPECT_EQ(Post("/open", "{\"id\":\"d" + std::to_string(i) + "\"}"), 200);
  }
  int status = 0;
  EXPECT_TRUE(Eventually([&] {
    Get("/healthz", &status);
    return status == 503;
  }));
  const std::string reason = Get("/healthz");
  EXPECT_EQ(reason, "loader: loads fail\n") << "details (paths, hosts, SQL) only go to stderr";
  EXPECT_EQ(Post("/open", R"({"id":"d3"})"), 200) << "accepting goes on while loads fail";
  fs::create_directories(missing);
  EXPECT_TRUE(Eventually([&] {
    Get("/healthz", &status);
    return status == 200;
  }));
  ASSERT_TRUE(StopService());
  db_ = (missing / "hooks.duckdb").string();
  EXPECT_EQ(Count("open_events"), "4");
}

TEST_F(WebhookReceiver, RestartLoadsOnlyEventsAfterTheCommittedPosition) {
  config_.routes[1].signature = {};  // /github: unsigned, no id: plain appends
  Start();
  for (int i = 0; i < 3; i++) EXPECT_EQ(Post("/github", "{\"n\":" + std::to_string(i) + "}"), 200);
  ASSERT_TRUE(StopService());
  {
    // Events spooled but never loaded, as a crash would leave them.
    EventSpool spool(SpoolOptions{config_.spool_dir});
    for (int i = 3; i < 5; i++) {
      SpoolRecord r;
      r.route = "/github";
      r.table = "gh_events";
      r.received_at_micros = Now() * 1000000;
      r.body = "{\"n\":" + std::to_string(i) + "}";
      spool.Append(r);
    }
  }
  Start();
  ASSERT_TRUE(StopService());
  EXPECT_EQ(QueryRows(db_, "SELECT n FROM gh_events ORDER BY n"),
            (std::vector<std::string>{"0", "1", "2", "3", "4"}));
  EXPECT_EQ(QueryRows(db_,
                      "SELECT value FROM _sluice_state WHERE pipeline = 'hooks' AND "
                      "key = 'spool'")
                .size(),
            1u);
}

// One batch, two tables: the first table's load commits, the second's keeps failing, the
// process stops. On restart the first table's events must not load again.
TEST_F(WebhookReceiver, RestartBetweenTheLoadsOfOneBatchLoadsEachTableOnce) {
  config_.routes = {WebhookRouteConfig{"/a", "a_events", {}, "", 5},
                    WebhookRouteConfig{"/b", "b_events", {}, "", 5}};
  // Both tables' events land in one batch: it closes when all six are spooled (the long interval
  // keeps a slow machine from cutting it earlier).
  config_.batch_rows = 6;
  config_.batch_interval_s = 30;
  {
    // A view where b_events should go: every load of b_events fails.
    DuckDbConnection con(db_);
    con.Query("CREATE VIEW b_events AS SELECT 1 AS x");
  }
  Start();
  for (int i = 0; i < 3; i++) {
    EXPECT_EQ(Post("/a", "{\"n\":" + std::to_string(i) + "}"), 200);
    EXPECT_EQ(Post("/b", "{\"n\":" + std::to_string(i) + "}"), 200);
  }
  int status = 0;
  EXPECT_TRUE(Eventually([&] {
    Get("/healthz", &status);
    return status == 503;
  }));
  EXPECT_FALSE(service_->Stop(0ms)) << "b_events cannot load: its events stay spooled";
  service_.reset();
  EXPECT_EQ(Count("a_events"), "3");
  EXPECT_EQ(QueryRows(db_, "SELECT key FROM _sluice_state WHERE pipeline = 'hooks' ORDER BY 1"),
            std::vector<std::string>{"table:a_events"})
      << "the batch's spool position is not committed until its last table loads";
  {
    DuckDbConnection con(db_);
    con.Query("DROP VIEW b_events");
  }
  Start();
  ASSERT_TRUE(StopService());
  EXPECT_EQ(Count("a_events"), "3") << "a_events' load committed before the stop";
  EXPECT_EQ(Count("b_events"), "3");
}

TEST_F(WebhookReceiver, ServesHttpsWithTheConfiguredCertificate) {
  const std::string cert = (dir_ / "cert.pem").string(), key = (dir_ / "key.pem").string();
  const std::string make_cert =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "
      "/CN=localhost -keyout '" +
      key + "' -out '" + cert + "' >/dev/null 2>&1";
  if (std::system(make_cert.c_str()) != 0) GTEST_SKIP() << "no openssl command";
  config_.tls_cert_file = cert;
  config_.tls_key_file = key;
  service_ = std::make_unique<WebhookService>(config_);
  const int port = service_->Start();
  EXPECT_EQ(service_->url(), "https://127.0.0.1:" + std::to_string(port));
  httplib::SSLClient tls("127.0.0.1", port);
  tls.enable_server_certificate_verification(false);
  auto res = tls.Post("/open", R"({"id":"tls"})", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  ASSERT_TRUE(StopService());
  EXPECT_EQ(Count("open_events"), "1");
  config_.tls_key_file = (dir_ / "missing.pem").string();
  EXPECT_THROW(WebhookService{config_}, Error);
}

TEST_F(WebhookReceiver, ABurstOfConnectionsIsServedCompletely) {
  Start();
  std::atomic<int> ok{0};
  std::vector<std::thread> senders;
  for (int c = 0; c < 24; c++) {
    senders.emplace_back([&, c] {
      httplib::Client client("127.0.0.1", port_);
      for (int i = 0; i < 20; i++) {
        auto res = client.Post("/open", "{\"id\":\"" + std::to_string(c * 100 + i) + "\"}",
                               "application/json");
        if (res && res->status == 200) ok++;
      }
    });
  }
  for (auto& t : senders) t.join();
  EXPECT_EQ(ok, 480);
  EXPECT_LT(service_->spool().syncs(), 480u) << "concurrent appends share fdatasync calls";
  ASSERT_TRUE(StopService());
  EXPECT_EQ(Count("open_events"), "480");
}

TEST_F(WebhookReceiver, ChunkedUnsizedAndCompressedBodiesAreRefusedBeforeReading) {
  config_.max_body_bytes = 100;
  Start();
  // Chunked: the Content-Length limit would not see its size.
  const std::string big(4000, 'x');
  char size[16];
  std::snprintf(size, sizeof size, "%zx", big.size() + 9);
  EXPECT_EQ(RawRequest(port_,
                       "POST /open HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                       "Content-Type: application/json\r\n\r\n" +
                           std::string(size) + "\r\n{\"id\":\"" + big + "\"}\r\n0\r\n\r\n"),
            411);
  // No length at all (the body runs to the end of the connection).
  EXPECT_EQ(RawRequest(port_,
                       "POST /open HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                       "{\"id\":\"nolength\"}"),
            411);
  // Compressed: a small Content-Length could inflate to any size.
  httplib::Headers gzip = {{"Content-Encoding", "gzip"}};
  EXPECT_EQ(Post("/open", std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00", 8), gzip), 415);
  EXPECT_EQ(RawRequest(port_,
                       "POST /open HTTP/1.1\r\nHost: x\r\nContent-Encoding: br\r\n"
                       "Content-Length: 2\r\n\r\n{}"),
            415);
  EXPECT_EQ(Post("/open", R"({"id":"plain"})"), 200) << "a sized, plain body still gets in";
  EXPECT_EQ(Metric("sluice_webhook_requests_total", {{"route", "/open"}, {"code", "411"}}), 2);
  EXPECT_EQ(Metric("sluice_webhook_requests_total", {{"route", "/open"}, {"code", "415"}}), 2);
  ASSERT_TRUE(StopService());
  EXPECT_EQ(QueryRows(db_, "SELECT _event_id FROM open_events"), std::vector<std::string>{"plain"});
}

TEST_F(WebhookReceiver, AByteOrderMarkIsCutBeforeSpooling) {
  Start();
  EXPECT_EQ(Post("/open", "\xEF\xBB\xBF{\"id\":\"bom\",\"n\":1}"), 200);
  EXPECT_EQ(Post("/open", "\xEF\xBB\xBF{\"id\":\"bom\",\"n\":2}"), 200) << "a duplicate";
  ASSERT_TRUE(StopService());
  EXPECT_EQ(QueryRows(db_, "SELECT _event_id, n FROM open_events"),
            std::vector<std::string>{"bom|1"});
  EXPECT_EQ(QueryRows(db_, "SELECT count(*) FROM _sluice_rejects"), std::vector<std::string>{"0"});
}

TEST_F(WebhookReceiver, RoutesWithIdsNeedAMergingDestinationAndBodiesAreCapped) {
  config_.destination = "file://" + (dir_ / "files").string();
  try {
    WebhookService service(config_);
    ADD_FAILURE() << "a route with an id_path cannot load into files";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUsage);
    EXPECT_NE(std::string(e.what()).find("/stripe"), std::string::npos) << e.what();
  }
  config_.destination = "duckdb:///" + db_;
  config_.max_body_bytes = (64 << 20) + 1;
  try {
    WebhookService service(config_);
    ADD_FAILURE() << "the spool cannot take bodies of any size";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUsage) << e.what();
  }
}

TEST_F(WebhookReceiver, EventsWithoutIdsKeepTheirRootIdsWhenReadInOtherBatches) {
  config_.routes[1].signature = {};  // /github: unsigned, no id
  Start();
  for (int i = 0; i < 3; i++) EXPECT_EQ(Post("/github", "{\"n\":" + std::to_string(i) + "}"), 200);
  ASSERT_TRUE(StopService());
  const std::string query = "SELECT n, CAST(_sluice_id AS VARCHAR) FROM gh_events ORDER BY n";
  const auto first = QueryRows(db_, query);
  ASSERT_EQ(first.size(), 3u);
  // The same spool loaded into a fresh database, one event per batch.
  db_ = (dir_ / "again.duckdb").string();
  config_.destination = "duckdb:///" + db_;
  config_.batch_rows = 1;
  Start();
  ASSERT_TRUE(StopService());
  EXPECT_EQ(QueryRows(db_, query), first);
}

TEST_F(WebhookReceiver, AFailedAppendAnswersAShortReason) {
  Start();
  EXPECT_EQ(Post("/open", R"({"id":"a"})"), 200);
  ASSERT_TRUE(Eventually([&] {
    return Metric("sluice_webhook_rows_loaded_total", {{"table", "open_events"}}) == 1;
  }));
  // The disk fills up: the next append gets EFBIG in the middle of its record.
  rlimit old;
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old), 0);
  auto previous = ::signal(SIGXFSZ, SIG_IGN);
  rlimit small = old;
  small.rlim_cur = service_->spool().bytes_on_disk() + 10;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  auto res = client_->Post("/open", "{\"id\":\"b\",\"pad\":\"" + std::string(100, 'x') + "\"}",
                           "application/json");
  ::setrlimit(RLIMIT_FSIZE, &old);
  ::signal(SIGXFSZ, previous);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  EXPECT_EQ(res->body, "cannot spool the event\n") << "the cause (a path, errno) goes to stderr";
  int status = 0;
  EXPECT_EQ(Get("/healthz", &status), "spool: appends fail\n");
  EXPECT_EQ(status, 503);
  EXPECT_EQ(Post("/open", R"({"id":"b"})"), 200) << "the retry gets in";
  EXPECT_EQ(Get("/healthz", &status), "ok\n");
  ASSERT_TRUE(StopService());
  EXPECT_EQ(Count("open_events"), "2");
}

TEST_F(WebhookReceiver, ConfigErrorsAreUsageErrors) {
  config_.routes.push_back(config_.routes[0]);
  EXPECT_THROW(WebhookService{config_}, Error);
  config_.routes.pop_back();
  config_.routes[0].id_path = "items[*].id";
  EXPECT_THROW(WebhookService{config_}, Error);
}

}  // namespace
}  // namespace sluice
