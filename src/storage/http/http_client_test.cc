// How every remote backend's requests survive failures: retried with backoff when transient,
// never returned truncated, and reported with the URL (never its query string) when they fail.
#include "storage/http/http_client.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <limits>
#include <thread>
#include <vector>

#include "core/error.h"
#include "storage/http/fault_proxy_test_util.h"
#include "storage/http/http_storage.h"

namespace sluice {
namespace {

using testing::Fault;
using testing::FaultProxy;
using testing::ObjectHttpServer;

HttpOptions FastRetries() {
  HttpOptions o;
  o.max_attempts = 4;
  o.backoff_base = std::chrono::milliseconds(1);
  o.backoff_max = std::chrono::milliseconds(5);
  o.low_speed_time = std::chrono::seconds(1);
  o.low_speed_bytes = 1;
  return o;
}

class HttpClientTest : public ::testing::Test {
 protected:
  HttpClientTest() : proxy_(origin_.endpoint()) {
    body_ = std::string(200000, 'x');
    for (size_t i = 0; i < body_.size(); i++) body_[i] = static_cast<char>('a' + i % 26);
    origin_.Put("/obj", body_);
  }
  HttpResponse Get(const HttpClient& client, const std::string& path = "/obj") {
    HttpRequest r;
    r.url = proxy_.endpoint() + path;
    return client.Send(r);
  }
  ObjectHttpServer origin_;
  FaultProxy proxy_;
  std::string body_;
};

TEST_F(HttpClientTest, EachTransientFailureIsRetriedUntilTheCompleteBodyArrives) {
  HttpClient client(FastRetries());
  for (Fault f : {Fault::kStatus500, Fault::kSlowDown503, Fault::kDrop, Fault::kTruncate}) {
    proxy_.Schedule({f, f, f});
    const HttpResponse r = Get(client);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, body_) << "fault " << static_cast<int>(f);
  }
  EXPECT_EQ(proxy_.faults_injected(), 12);
}

TEST_F(HttpClientTest, AStalledResponseIsAbandonedAndRetried) {
  HttpClient client(FastRetries());
  proxy_.set_slow_seconds(3);
  proxy_.Schedule({Fault::kSlow});
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(Get(client).body, body_);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}

TEST_F(HttpClientTest, RetryAfterIsHonored) {
  HttpClient client(FastRetries());
  proxy_.Schedule({Fault::kTooMany429});
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(Get(client).status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(950));
}

TEST_F(HttpClientTest, ATruncatedBodyIsNeverReturnedEvenWhenEveryAttemptIsTruncated) {
  HttpClient client(FastRetries());
  proxy_.FailAlways(Fault::kTruncate);
  try {
    HttpRequest r;
    r.url = proxy_.endpoint() + "/obj?sig=secret";
    client.Send(r);
    FAIL() << "a truncated body was returned";
  } catch (const Error& e) {
    EXPECT_TRUE(e.retriable());
    EXPECT_EQ(e.kind(), ErrorKind::kIo);
    const std::string message = e.what();
    EXPECT_NE(message.find("/obj"), std::string::npos) << message;
    EXPECT_EQ(message.find("secret"), std::string::npos) << message;
    EXPECT_NE(message.find("4 attempts"), std::string::npos) << message;
  }
  EXPECT_EQ(proxy_.requests(), 4);
}

TEST_F(HttpClientTest, ClientErrorsAreReturnedAtOnceNotRetried) {
  HttpClient client(FastRetries());
  EXPECT_EQ(Get(client, "/missing").status, 404);
  EXPECT_EQ(proxy_.requests(), 1);
}

TEST_F(HttpClientTest, SignRunsBeforeEveryAttempt) {
  HttpClient client(FastRetries());
  proxy_.Schedule({Fault::kStatus500, Fault::kStatus500});
  int signatures = 0;
  HttpRequest r;
  r.url = proxy_.endpoint() + "/obj";
  r.sign = [&](HttpRequest& req) {
    signatures++;
    req.headers.emplace_back("Authorization", "attempt " + std::to_string(signatures));
  };
  EXPECT_EQ(client.Send(r).status, 200);
  EXPECT_EQ(signatures, 3);
}

TEST_F(HttpClientTest, RedirectsAreFollowedForUnsignedRequestsOnly) {
  HttpClient client(FastRetries());
  origin_.Redirect("/moved", "/obj");
  EXPECT_EQ(Get(client, "/moved").body, body_);
  // A signature is bound to its URL, and credentials must not follow a redirect elsewhere.
  HttpRequest signed_request;
  signed_request.url = proxy_.endpoint() + "/moved";
  signed_request.sign = [](HttpRequest& r) { r.headers.emplace_back("Authorization", "x"); };
  const HttpResponse r = client.Send(signed_request);
  EXPECT_EQ(r.status, 302);
  EXPECT_EQ(r.Header("location"), "/obj");
}

TEST(HttpStorage, ARedirectedUrlIsReadThroughItsTarget) {
  ObjectHttpServer origin;
  origin.Put("/real.csv", "id\n1\n2\n");
  origin.Redirect("/link.csv", origin.endpoint() + "/real.csv");
  auto storage = MakeHttpStorage(HttpOptions{});
  EXPECT_EQ(storage->Stat(origin.endpoint() + "/link.csv").size, 7);
  auto in = storage->OpenRead(origin.endpoint() + "/link.csv");
  char buf[64];
  EXPECT_EQ(std::string(buf, in->Read(buf, sizeof buf)), "id\n1\n2\n");
}

TEST(HttpStorage, ALinkPresignedForGetOnlyIsStatedWithARangedGet) {
  ObjectHttpServer origin;
  origin.set_forbid_head(true);
  origin.Put("/x.csv", "id\n1\n");
  auto storage = MakeHttpStorage(HttpOptions{});
  EXPECT_EQ(storage->Stat(origin.endpoint() + "/x.csv?X-Amz-Signature=abc").size, 5);
}

TEST(HttpStorage, AServerIgnoringRangeNeverMakesAReadTakeMoreThanItAsked) {
  ObjectHttpServer origin;
  origin.set_ignore_range(true);
  origin.Put("/big.bin", std::string(1 << 20, 'x'));
  auto storage = MakeHttpStorage(HttpOptions{});
  const std::string url = origin.endpoint() + "/big.bin";
  EXPECT_EQ(storage->Stat(url).size, 1 << 20);
  std::string out(1000, '\0');
  EXPECT_EQ(storage->ReadRange(url, 0, 1000, out.data()), 1000u);
  EXPECT_EQ(out, std::string(1000, 'x'));
  try {
    storage->ReadRange(url, 5000, 1000, out.data());
    FAIL() << "a later range of a server without Range support was read";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInput);
    EXPECT_NE(std::string(e.what()).find("SLUICE_RANGE_SIZE"), std::string::npos) << e.what();
  }
}

TEST(HttpClientPolicy, WhichStatusesAreRetried) {
  for (long s : {408L, 429L, 500L, 502L, 503L, 504L}) EXPECT_TRUE(HttpClient::IsRetriableStatus(s));
  for (long s : {200L, 206L, 400L, 401L, 403L, 404L, 412L, 501L}) {
    EXPECT_FALSE(HttpClient::IsRetriableStatus(s)) << s;
  }
}

TEST(HttpClientPolicy, RetryAfterInSecondsOrAsAnHttpDate) {
  EXPECT_EQ(HttpClient::ParseRetryAfter("7", 0), 7);
  EXPECT_EQ(HttpClient::ParseRetryAfter(" 12 ", 0), 12);
  // Wed, 21 Oct 2015 07:28:00 GMT = 1445412480
  EXPECT_EQ(HttpClient::ParseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", 1445412470), 10);
  EXPECT_EQ(HttpClient::ParseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", 1445412490), 0);
  EXPECT_EQ(HttpClient::ParseRetryAfter("soon", 0), -1);
}

TEST(HttpClientPolicy, UrlsArePrintedWithoutTheirQueryString) {
  EXPECT_EQ(UrlForDisplay("https://a.blob.core.windows.net/c/x?sv=1&sig=abc"),
            "https://a.blob.core.windows.net/c/x");
  EXPECT_EQ(UrlForDisplay("https://user:pw@host.example/a@b.csv?x=1"),
            "https://host.example/a@b.csv");
  EXPECT_EQ(UriEncode("a b/ü~", true), "a%20b/%C3%BC~");
  EXPECT_EQ(UriEncode("a/b", false), "a%2Fb");
}

TEST(HttpClientTls, AnUnverifiableCertificateFailsWithoutRetrying) {
  // Nothing listens with TLS on the origin's plain-HTTP port; the handshake fails. A TLS failure
  // must not be retried as if transient, and must name the URL.
  ObjectHttpServer origin;
  HttpClient client(FastRetries());
  HttpRequest r;
  r.url = "https" + origin.endpoint().substr(4) + "/obj";
  try {
    client.Send(r);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/obj"), std::string::npos);
  }
}

TEST(HttpStorage, StatReadsSizeEtagAndLastModified) {
  ObjectHttpServer origin;
  origin.Put("/d/a.csv", "id\n1\n");
  auto storage = MakeHttpStorage(HttpOptions{});
  const ObjectInfo info = storage->Stat(origin.endpoint() + "/d/a.csv");
  EXPECT_EQ(info.size, 5);
  EXPECT_FALSE(info.etag.empty());
  EXPECT_EQ(info.etag.find('"'), std::string::npos);
  EXPECT_EQ(info.mtime_ns, ParseHttpDate("Tue, 03 Nov 2026 10:00:00 GMT"));
  EXPECT_GT(info.mtime_ns, 0);
  EXPECT_THROW(storage->List(origin.endpoint() + "/d/"), Error);
  EXPECT_THROW(storage->OpenWrite(origin.endpoint() + "/d/b.csv"), Error);
}

// A server whose answers the test scripts: `handler` gets the request number (1-based).
class ScriptedServer {
 public:
  explicit ScriptedServer(std::function<void(int, httplib::Response&)> handler)
      : handler_(std::move(handler)) {
    server_.set_keep_alive_timeout(1);
    server_.Get("/.*", [this](const httplib::Request&, httplib::Response& res) {
      handler_(++requests_, res);
    });
    const int port = server_.bind_to_any_port("127.0.0.1");
    endpoint_ = "http://127.0.0.1:" + std::to_string(port);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~ScriptedServer() {
    server_.stop();
    thread_.join();
  }
  std::string endpoint() const { return endpoint_; }
  int requests() const { return requests_; }

 private:
  std::function<void(int, httplib::Response&)> handler_;
  httplib::Server server_;
  std::thread thread_;
  std::string endpoint_;
  std::atomic<int> requests_{0};
};

HttpResponse WithHeaders(long status, HttpHeaders headers) {
  HttpResponse r;
  r.status = status;
  r.headers = std::move(headers);
  return r;
}

TEST(HttpClientPolicy, RateLimitResetIsEpochSecondsOrADelta) {
  EXPECT_EQ(HttpClient::ParseRateLimitReset("1700000030", 1700000000), 30);
  EXPECT_EQ(HttpClient::ParseRateLimitReset("1700000000", 1700000030), 0);  // already past
  EXPECT_EQ(HttpClient::ParseRateLimitReset("45", 1700000000), 45);
  EXPECT_EQ(HttpClient::ParseRateLimitReset("1.5", 0), -1);
  EXPECT_EQ(HttpClient::ParseRateLimitReset("", 0), -1);
}

TEST(HttpClientPolicy, TheServersWaitComesFromRetryAfterElseTheRateLimitResetOn429And503) {
  const int64_t now = 1700000000;
  EXPECT_EQ(HttpClient::ServerWaitSeconds(
                WithHeaders(429, {{"retry-after", "3"}, {"x-ratelimit-reset", "9"}}), now),
            3);
  EXPECT_EQ(
      HttpClient::ServerWaitSeconds(WithHeaders(429, {{"x-ratelimit-reset", "1700000007"}}), now),
      7);
  EXPECT_EQ(HttpClient::ServerWaitSeconds(WithHeaders(503, {{"ratelimit-reset", "4"}}), now), 4);
  // A 500 carrying quota headers is not a rate-limit answer.
  EXPECT_EQ(HttpClient::ServerWaitSeconds(WithHeaders(500, {{"x-ratelimit-reset", "5"}}), now), -1);
  EXPECT_EQ(HttpClient::ServerWaitSeconds(WithHeaders(429, {}), now), -1);
}

TEST(HttpClientRateLimit, A429IsRetriedAfterItsXRateLimitReset) {
  ScriptedServer server([](int n, httplib::Response& res) {
    if (n == 1) {
      res.status = 429;
      res.set_header("X-RateLimit-Reset", "1");
      return;
    }
    res.set_content("ok", "text/plain");
  });
  HttpClient client(FastRetries());
  HttpRequest r;
  r.url = server.endpoint() + "/x";
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(client.Send(r).body, "ok");
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(950));
  EXPECT_EQ(server.requests(), 2);
}

TEST(HttpClientRateLimit, AWaitBeyondTheLimitFailsAtOnceSayingSo) {
  ScriptedServer server([](int, httplib::Response& res) {
    res.status = 429;
    res.set_header("X-RateLimit-Reset", std::to_string(::time(nullptr) + 3600));
  });
  HttpOptions options = FastRetries();
  options.max_server_wait = std::chrono::seconds(60);
  HttpClient client(options);
  HttpRequest r;
  r.url = server.endpoint() + "/x?sig=secret";
  const auto start = std::chrono::steady_clock::now();
  try {
    client.Send(r);
    FAIL();
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_TRUE(e.retriable());
    EXPECT_NE(message.find("HTTP 429"), std::string::npos) << message;
    EXPECT_NE(message.find("60 s allowed"), std::string::npos) << message;
    EXPECT_EQ(message.find("secret"), std::string::npos) << message;
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  EXPECT_EQ(server.requests(), 1);
}

TEST(HttpClientTimeout, AnAttemptLongerThanTheTotalTimeoutIsAbandonedAndRetried) {
  ScriptedServer server([](int n, httplib::Response& res) {
    if (n == 1) std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    res.set_content("ok", "text/plain");
  });
  HttpOptions options = FastRetries();
  options.timeout = std::chrono::milliseconds(300);
  HttpClient client(options);
  HttpRequest r;
  r.url = server.endpoint() + "/x";
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(client.Send(r).body, "ok");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1200));
  EXPECT_EQ(server.requests(), 2);
}

TEST(HttpClientRateLimit, TheServersWaitIsAnnouncedBeforeTheClientSleepsOnIt) {
  ScriptedServer server([](int n, httplib::Response& res) {
    if (n == 1) {
      res.status = 429;
      res.set_header("Retry-After", "1");
      return;
    }
    res.set_content("ok", "text/plain");
  });
  HttpClient client(FastRetries());
  HttpRequest r;
  r.url = server.endpoint() + "/x";
  std::vector<std::chrono::seconds> announced;
  r.on_server_wait = [&](std::chrono::seconds wait) {
    announced.push_back(wait);
    EXPECT_EQ(server.requests(), 1);  // before the retry
  };
  EXPECT_EQ(client.Send(r).body, "ok");
  EXPECT_EQ(announced, std::vector<std::chrono::seconds>{std::chrono::seconds(1)});
}

TEST(HttpClientCancel, ACancelledRequestStopsDuringALongServerWait) {
  ScriptedServer server([](int, httplib::Response& res) {
    res.status = 503;
    res.set_header("Retry-After", "60");
  });
  HttpClient client(FastRetries());
  std::atomic<bool> cancelled{false};
  HttpRequest r;
  r.url = server.endpoint() + "/x";
  r.cancelled = &cancelled;
  std::thread canceller([&] {
    while (server.requests() < 1) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    cancelled = true;
  });
  const auto start = std::chrono::steady_clock::now();
  try {
    client.Send(r);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cancelled"), std::string::npos) << e.what();
    EXPECT_FALSE(e.retriable());
  }
  canceller.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(400));
  EXPECT_EQ(server.requests(), 1);
  // Already cancelled: nothing is sent.
  EXPECT_THROW(client.Send(r), Error);
  EXPECT_EQ(server.requests(), 1);
}

TEST(HttpClientCancel, ACancelledRequestStopsDuringASlowTransfer) {
  ScriptedServer server([](int, httplib::Response& res) {
    std::this_thread::sleep_for(std::chrono::seconds(2));
    res.set_content("late", "text/plain");
  });
  HttpClient client(FastRetries());
  std::atomic<bool> cancelled{false};
  HttpRequest r;
  r.url = server.endpoint() + "/x";
  r.cancelled = &cancelled;
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    cancelled = true;
  });
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(client.Send(r), Error);
  canceller.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start,
            std::chrono::milliseconds(1800));  // not the 2 s
}

TEST(HttpClientCancel, HugeBackoffSettingsNeitherOverflowNorSkipTheWait) {
  ScriptedServer server([](int, httplib::Response& res) { res.status = 500; });
  HttpOptions options = FastRetries();
  options.backoff_base = std::chrono::milliseconds(std::numeric_limits<int64_t>::max() / 2);
  options.backoff_max = std::chrono::milliseconds::max();
  HttpClient client(options);
  std::atomic<bool> cancelled{false};
  HttpRequest r;
  r.url = server.endpoint() + "/x";
  r.cancelled = &cancelled;
  // Full jitter could draw a tiny wait once, but not three times in a row out of up to a day.
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    cancelled = true;
  });
  EXPECT_THROW(client.Send(r), Error);
  canceller.join();
  EXPECT_LT(server.requests(), 4);
}

}  // namespace
}  // namespace sluice
