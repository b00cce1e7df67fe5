// The HTTP side of an API source: URLs and headers as the API expects them, every attempt
// counted against the rate limit, transient failures retried (honoring Retry-After and
// X-RateLimit-Reset), a used-up quota waited out, and failures reported without secrets.
#include "api/api_client.h"

#include <gtest/gtest.h>

#include <limits>
#include <thread>

#include "api/test_api_server_test_util.h"
#include "api/url.h"
#include "core/error.h"

namespace sluice {
namespace {

using testing::ApiTestServer;
using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

TEST(ApiUrls, BaseUrlAndPathAreJoinedWithOneSlash) {
  EXPECT_EQ(JoinUrl("https://a/v1", "items"), "https://a/v1/items");
  EXPECT_EQ(JoinUrl("https://a/v1/", "/items"), "https://a/v1/items");
  EXPECT_EQ(JoinUrl("https://a/v1", "/items"), "https://a/v1/items");
  EXPECT_EQ(JoinUrl("https://a/v1", "https://b/x"), "https://b/x");
  EXPECT_EQ(JoinUrl("https://a/v1", ""), "https://a/v1");
}

TEST(ApiUrls, LinksResolveAgainstThePageTheyCameFrom) {
  const std::string page = "https://a.example/v1/items?page=1";
  EXPECT_EQ(ResolveUrl(page, "https://b/x"), "https://b/x");
  EXPECT_EQ(ResolveUrl(page, "/v2/items?page=2"), "https://a.example/v2/items?page=2");
  EXPECT_EQ(ResolveUrl(page, "?page=2"), "https://a.example/v1/items?page=2");
  EXPECT_EQ(ResolveUrl(page, "more?page=2"), "https://a.example/v1/more?page=2");
  EXPECT_EQ(ResolveUrl(page, "//c.example/x"), "https://c.example/x");
}

TEST(ApiUrls, QueryParametersAreAppendedEncoded) {
  EXPECT_EQ(AppendQueryParam("https://a/x", "q", "a b"), "https://a/x?q=a%20b");
  EXPECT_EQ(AppendQueryParam("https://a/x?y=1", "k", "&="), "https://a/x?y=1&k=%26%3D");
  EXPECT_EQ(AppendQueryParam("https://a/x?", "k", "v"), "https://a/x?k=v");
  EXPECT_EQ(AppendQueryParam("https://a/x#f", "k", "v"), "https://a/x?k=v#f");
  EXPECT_EQ(QueryParamNames("https://a/x?a=1&b&c=3#z"), (std::vector<std::string>{"a", "b", "c"}));
}

class ApiClientTest : public ::testing::Test {
 protected:
  ApiClientTest() {
    base_ = server_.Start();
    config_.base_url = base_ + "/items";
    config_.max_attempts = 4;
    config_.backoff_base_s = 0.001;
    config_.backoff_max_s = 0.005;
  }
  static PageRequest Path(const std::string& path) {
    PageRequest r;
    r.url = path;
    return r;
  }
  ApiTestServer server_;
  std::string base_;
  ClientConfig config_;
};

TEST_F(ApiClientTest, ClientParamsThenPageParamsWhichWinOnTheSameName) {
  config_.params = {{"per_page", "5"}, {"q", "x y"}};
  ApiClient client(config_);
  PageRequest r = Path("page");
  r.SetParam("page", "2");
  r.SetParam("per_page", "3");
  EXPECT_EQ(client.UrlFor(r), base_ + "/items/page?per_page=3&q=x%20y&page=2");
  EXPECT_EQ(client.UrlFor(Path(base_ + "/other?q=1")), base_ + "/other?q=1&per_page=5");
}

TEST_F(ApiClientTest, HeadersJsonBodiesAndTheDefaultAccept) {
  config_.headers = {{"X-Client", "sluice"}, {"accept", "application/vnd.api+json"}};
  ApiClient client(config_);
  EXPECT_EQ(client.Send(Path("single"), "GET", {{"X-Extra", "1"}}).status, 200);
  auto request = server_.log().back();
  EXPECT_EQ(request.headers.at("x-client"), "sluice");
  EXPECT_EQ(request.headers.at("x-extra"), "1");
  EXPECT_EQ(request.headers.at("accept"), "application/vnd.api+json");
  EXPECT_EQ(request.headers.count("content-type"), 0u);

  ClientConfig defaults;
  defaults.base_url = base_;
  ApiClient plain(defaults);
  PageRequest post = Path("/items/cursor");
  post.json_body = R"({"limit":3})";
  EXPECT_EQ(plain.Send(post, "POST", {}).status, 200);
  request = server_.log().back();
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.headers.at("accept"), "application/json");
  EXPECT_EQ(request.headers.at("content-type"), "application/json");
  EXPECT_EQ(request.body, R"({"limit":3})");
}

TEST_F(ApiClientTest, FlakyServerErrorsAreRetriedAndEveryAttemptIsCounted) {
  server_.set_fail_every(2);
  ApiClient client(config_);
  for (int i = 0; i < 4; i++) EXPECT_EQ(client.Send(Path("single"), "GET", {}).status, 200);
  EXPECT_EQ(server_.data_requests(), 7);  // requests 2, 4 and 6 failed
  EXPECT_EQ(client.requests_sent(), 7u);
}

TEST_F(ApiClientTest, RetryAfterIsHonored) {
  server_.FailNext(1, ApiTestServer::Failure::k429RetryAfter);
  ApiClient client(config_);
  const auto start = Clock::now();
  EXPECT_EQ(client.Send(Path("single"), "GET", {}).status, 200);
  EXPECT_GE(SecondsSince(start), 0.95);
  EXPECT_EQ(server_.data_requests(), 2);
}

TEST_F(ApiClientTest, XRateLimitResetIsHonoredOnA429WithoutRetryAfter) {
  server_.set_rate_limit_reset_s(2);  // epoch now + 2: a wait of 1 to 2 s
  server_.FailNext(1, ApiTestServer::Failure::k429RateLimitReset);
  ApiClient client(config_);
  const auto start = Clock::now();
  EXPECT_EQ(client.Send(Path("single"), "GET", {}).status, 200);
  EXPECT_GE(SecondsSince(start), 0.9);
}

TEST_F(ApiClientTest, AnExhaustedQuotaPausesTheNextRequestUntilTheReset) {
  server_.set_quota_exhausted(true);
  server_.set_rate_limit_reset_s(2);
  ApiClient client(config_);
  EXPECT_EQ(client.Send(Path("single"), "GET", {}).status, 200);
  server_.set_quota_exhausted(false);
  const auto start = Clock::now();
  EXPECT_EQ(client.Send(Path("single"), "GET", {}).status, 200);
  EXPECT_GE(SecondsSince(start), 0.9);
}

TEST_F(ApiClientTest, TheRateLimitSpacesRequests) {
  config_.requests_per_second = 10;
  config_.burst = 1;
  ApiClient client(config_);
  const auto start = Clock::now();
  for (int i = 0; i < 4; i++) client.Send(Path("single"), "GET", {});
  EXPECT_GE(SecondsSince(start), 0.28);
}

TEST_F(ApiClientTest, ASlowResponseTimesOutAndIsRetried) {
  config_.timeout_s = 0.3;
  config_.max_attempts = 2;
  server_.set_delay_ms(1000);
  ApiClient client(config_);
  const auto start = Clock::now();
  try {
    client.Send(Path("single"), "GET", {});
    FAIL();
  } catch (const Error& e) {
    EXPECT_TRUE(e.retriable());
    EXPECT_NE(std::string(e.what()).find("2 attempts"), std::string::npos) << e.what();
  }
  EXPECT_LT(SecondsSince(start), 1.5);
  server_.set_delay_ms(0);
}

TEST_F(ApiClientTest, AFinalErrorNamesMethodUrlStatusAndBodyButNotTheQuery) {
  config_.params["token"] = "query-secret";
  ApiClient client(config_);
  try {
    client.Send(Path("missing"), "GET", {});
    FAIL();
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_EQ(e.kind(), ErrorKind::kIo);
    EXPECT_FALSE(e.retriable());
    EXPECT_NE(message.find("GET " + base_ + "/items/missing: HTTP 404"), std::string::npos)
        << message;
    EXPECT_NE(message.find("not found"), std::string::npos) << message;
    EXPECT_EQ(message.find("query-secret"), std::string::npos) << message;
  }
  EXPECT_EQ(client.Send(Path("missing"), "GET", {}, /*allow_not_found=*/true).status, 404);
}

TEST_F(ApiClientTest, PersistentServerErrorsFailRetriably) {
  server_.set_fail_every(1);
  ApiClient client(config_);
  try {
    client.Send(Path("single"), "GET", {});
    FAIL();
  } catch (const Error& e) {
    EXPECT_TRUE(e.retriable());
  }
  EXPECT_EQ(server_.data_requests(), 4);
}

TEST_F(ApiClientTest, AServerAnnouncedWaitPausesTheOtherThreadsToo) {
  config_.max_concurrency = 0;
  server_.FailNext(1, ApiTestServer::Failure::k429RetryAfter);  // Retry-After: 1
  ApiClient client(config_);
  std::thread first([&] { EXPECT_EQ(client.Send(Path("single"), "GET", {}).status, 200); });
  while (server_.data_requests() < 1) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  const auto got_429 = Clock::now();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the 429 is being handled
  EXPECT_EQ(client.Send(Path("single"), "GET", {}).status, 200);
  // The second thread's request waited for the pause the first one's 429 announced.
  EXPECT_GE(SecondsSince(got_429), 0.9);
  first.join();
  EXPECT_EQ(server_.data_requests(), 3);
}

TEST_F(ApiClientTest, CancelEndsALongRetryAfterWaitPromptly) {
  server_.set_rate_limit_reset_s(60);  // a 429 asking for about a minute
  server_.FailNext(1, ApiTestServer::Failure::k429RateLimitReset);
  ApiClient client(config_);
  std::thread canceller([&] {
    while (server_.data_requests() < 1) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    client.Cancel();
  });
  const auto start = Clock::now();
  try {
    client.Send(Path("single"), "GET", {});
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cancelled"), std::string::npos) << e.what();
    EXPECT_FALSE(e.retriable());
  }
  canceller.join();
  EXPECT_LT(SecondsSince(start), 0.4);  // the cancel came after ~0.1 s
  EXPECT_EQ(server_.data_requests(), 1);
  EXPECT_THROW(client.Send(Path("single"), "GET", {}), Error);  // later calls too
  EXPECT_EQ(server_.data_requests(), 1);
}

TEST_F(ApiClientTest, CancelWakesARequestWaitingForTheRateLimiter) {
  server_.set_quota_exhausted(true);
  server_.set_rate_limit_reset_s(60);
  ApiClient client(config_);
  EXPECT_EQ(client.Send(Path("single"), "GET", {}).status, 200);  // the quota pauses the source
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    client.Cancel();
  });
  const auto start = Clock::now();
  EXPECT_THROW(client.Send(Path("single"), "GET", {}), Error);
  canceller.join();
  EXPECT_LT(SecondsSince(start), 0.4);
  EXPECT_EQ(server_.data_requests(), 1);
}

TEST_F(ApiClientTest, ExtremeDurationsInTheConfigurationAreClamped) {
  config_.timeout_s = 1e300;
  config_.connect_timeout_s = std::numeric_limits<double>::quiet_NaN();
  config_.backoff_base_s = 1e300;
  config_.backoff_max_s = -5;
  ApiClient client(config_);
  EXPECT_EQ(client.Send(Path("single"), "GET", {}).status, 200);
}

}  // namespace
}  // namespace sluice
