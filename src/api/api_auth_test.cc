// Every auth type against the test API, and OAuth2 client credentials in detail: the token is
// fetched once, reused, refreshed before it expires and after a 401, and a failing token
// endpoint says why without ever printing the secret.
#include "api/api_auth.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "api/api_client.h"
#include "api/test_api_server_test_util.h"
#include "config/secrets.h"
#include "core/error.h"

namespace sluice {
namespace {

using testing::ApiTestServer;

class ApiAuthTest : public ::testing::Test {
 protected:
  ApiAuthTest() {
    base_ = server_.Start();
    config_.base_url = base_;
    config_.max_attempts = 2;
    config_.backoff_base_s = 0.001;
    config_.backoff_max_s = 0.002;
  }
  long Get(const std::string& path = "/items/single") {
    ApiClient client(config_);
    PageRequest r;
    r.url = path;
    return client.Send(r, "GET", {}).status;
  }
  ApiTestServer server_;
  std::string base_;
  ClientConfig config_;
};

TEST_F(ApiAuthTest, WithoutCredentialsTheApiSays401) {
  server_.set_auth(ApiTestServer::Auth::kBearer);
  try {
    Get();
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kIo);
    EXPECT_FALSE(e.retriable());
    EXPECT_NE(std::string(e.what()).find("HTTP 401"), std::string::npos) << e.what();
  }
}

TEST_F(ApiAuthTest, BearerToken) {
  server_.set_auth(ApiTestServer::Auth::kBearer);
  config_.auth.type = AuthConfig::Type::kBearer;
  config_.auth.token = "test-token";
  EXPECT_EQ(Get(), 200);
  EXPECT_EQ(server_.log().back().headers.at("authorization"), "Bearer test-token");
}

TEST_F(ApiAuthTest, ApiKeyInTheDefaultHeaderOrANamedOne) {
  server_.set_auth(ApiTestServer::Auth::kApiKeyHeader);
  config_.auth.type = AuthConfig::Type::kApiKey;
  config_.auth.api_key = "test-key";
  EXPECT_EQ(Get(), 200);
  server_.set_api_key("X-Custom", "k2");
  config_.auth.name = "X-Custom";
  config_.auth.api_key = "k2";
  EXPECT_EQ(Get(), 200);
}

TEST_F(ApiAuthTest, ApiKeyInTheQueryIsEncodedAndJoinsAnExistingQuery) {
  server_.set_auth(ApiTestServer::Auth::kApiKeyQuery);
  server_.set_api_key("key", "a b&c=d");
  config_.auth.type = AuthConfig::Type::kApiKey;
  config_.auth.location = AuthConfig::Location::kQuery;
  config_.auth.name = "key";
  config_.auth.api_key = "a b&c=d";
  EXPECT_EQ(Get("/items/single?x=1"), 200);
  EXPECT_EQ(server_.log().back().query, "x=1&key=a%20b%26c%3Dd");
  EXPECT_EQ(Get("/items/single"), 200);
  EXPECT_EQ(server_.log().back().query, "key=a%20b%26c%3Dd");
}

TEST_F(ApiAuthTest, ApiKeyInTheQueryNeverAppearsInErrors) {
  server_.set_auth(ApiTestServer::Auth::kApiKeyQuery);
  config_.auth.type = AuthConfig::Type::kApiKey;
  config_.auth.location = AuthConfig::Location::kQuery;
  config_.auth.api_key = "sekrit-key";
  try {
    Get("/items/nowhere");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/items/nowhere"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("sekrit"), std::string::npos) << e.what();
  }
}

TEST_F(ApiAuthTest, BasicAuth) {
  server_.set_auth(ApiTestServer::Auth::kBasic);
  config_.auth.type = AuthConfig::Type::kBasic;
  config_.auth.username = "user";
  config_.auth.password = "pass";
  EXPECT_EQ(Get(), 200);
  EXPECT_EQ(server_.log().back().headers.at("authorization"), "Basic dXNlcjpwYXNz");
  config_.auth.password = "wrong";
  EXPECT_THROW(Get(), Error);
}

class OAuth2Test : public ApiAuthTest {
 protected:
  OAuth2Test() {
    server_.set_auth(ApiTestServer::Auth::kOAuth2);
    config_.auth.type = AuthConfig::Type::kOAuth2ClientCredentials;
    config_.auth.token_url = base_ + "/oauth/token";
    config_.auth.client_id = "client";
    config_.auth.client_secret = "secret";
  }
  std::vector<testing::ApiRequestLog> TokenRequests() {
    std::vector<testing::ApiRequestLog> out;
    for (const auto& r : server_.log()) {
      if (r.path == "/oauth/token") out.push_back(r);
    }
    return out;
  }
};

TEST_F(OAuth2Test, TheTokenIsFetchedOnceAndReused) {
  ApiClient client(config_);
  PageRequest r;
  r.url = "/items/single";
  for (int i = 0; i < 3; i++) EXPECT_EQ(client.Send(r, "GET", {}).status, 200);
  EXPECT_EQ(server_.tokens_issued(), 1);
  const auto token = TokenRequests();
  ASSERT_EQ(token.size(), 1u);
  EXPECT_EQ(token[0].method, "POST");
  EXPECT_EQ(token[0].headers.at("content-type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(token[0].headers.at("authorization"), "Basic Y2xpZW50OnNlY3JldA==");
  EXPECT_EQ(token[0].body, "grant_type=client_credentials");
  EXPECT_EQ(server_.log().back().headers.at("authorization"), "Bearer tok-1");
}

TEST_F(OAuth2Test, ClientCredentialsScopeAndExtraParamsInTheBody) {
  config_.auth.client_auth_in_body = true;
  config_.auth.scope = "read write";
  config_.auth.token_params["audience"] = "https://api";
  EXPECT_EQ(Get(), 200);
  const auto token = TokenRequests();
  ASSERT_EQ(token.size(), 1u);
  EXPECT_EQ(token[0].headers.count("authorization"), 0u);
  EXPECT_EQ(token[0].body,
            "grant_type=client_credentials&scope=read%20write&audience=https%3A%2F%2Fapi"
            "&client_id=client&client_secret=secret");
}

TEST_F(OAuth2Test, AnExpiredTokenIsReplacedAfterA401AndTheRequestSucceeds) {
  ApiClient client(config_);
  PageRequest r;
  r.url = "/items/single";
  EXPECT_EQ(client.Send(r, "GET", {}).status, 200);
  server_.ExpireTokens();
  EXPECT_EQ(client.Send(r, "GET", {}).status, 200);
  EXPECT_EQ(server_.tokens_issued(), 2);
  EXPECT_EQ(server_.log().back().headers.at("authorization"), "Bearer tok-2");
}

TEST_F(OAuth2Test, AShortLivedTokenIsRefreshedBeforeItExpires) {
  server_.set_token_lifetime_s(1);  // refreshed 0.1 s early
  ApiClient client(config_);
  PageRequest r;
  r.url = "/items/single";
  EXPECT_EQ(client.Send(r, "GET", {}).status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(950));
  const int data_before = server_.data_requests();
  EXPECT_EQ(client.Send(r, "GET", {}).status, 200);
  EXPECT_EQ(server_.tokens_issued(), 2);
  EXPECT_EQ(server_.data_requests(), data_before + 1);  // no 401 round trip
}

TEST_F(OAuth2Test, ThreadsSharingAClientShareOneToken) {
  ApiClient client(config_);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; t++) {
    threads.emplace_back([&] {
      PageRequest r;
      r.url = "/items/single";
      for (int i = 0; i < 3; i++) ok += client.Send(r, "GET", {}).status == 200;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 12);
  EXPECT_EQ(server_.tokens_issued(), 1);
}

TEST_F(OAuth2Test, ATokenEndpointFailureSaysWhyWithoutTheSecret) {
  config_.auth.client_secret = "wrong-secret-value";
  try {
    Get();
    FAIL();
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("OAuth2 token request"), std::string::npos) << message;
    EXPECT_NE(message.find("/oauth/token"), std::string::npos) << message;
    EXPECT_NE(message.find("HTTP 401"), std::string::npos) << message;
    EXPECT_NE(message.find("invalid_client"), std::string::npos) << message;
    EXPECT_EQ(message.find("wrong-secret-value"), std::string::npos) << message;
  }
  EXPECT_EQ(server_.data_requests(), 0);
}

TEST_F(OAuth2Test, AResponseWithoutAnAccessTokenIsAClearError) {
  server_.set_token_body(R"({"token_type":"Bearer","expires_in":60})");
  try {
    Get();
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no access_token"), std::string::npos) << e.what();
  }
}

TEST_F(OAuth2Test, ATokenTypeOtherThanBearerAndAQuotedLifetimeAreUsedAsSent) {
  server_.set_auth(ApiTestServer::Auth::kNone);
  server_.set_token_body(R"({"access_token":"abc","token_type":"MAC","expires_in":"3600"})");
  EXPECT_EQ(Get(), 200);
  EXPECT_EQ(server_.log().back().headers.at("authorization"), "MAC abc");
}

TEST(ApiAuthConfig, EmptyStaticCredentialsAreRefused) {
  AuthConfig bearer;
  bearer.type = AuthConfig::Type::kBearer;
  EXPECT_THROW(MakeApiAuth(bearer, nullptr), Error);
  AuthConfig key;
  key.type = AuthConfig::Type::kApiKey;
  EXPECT_THROW(MakeApiAuth(key, nullptr), Error);
  AuthConfig none;
  EXPECT_FALSE(MakeApiAuth(none, nullptr)->OnUnauthorized());
}

TEST_F(ApiAuthTest, EncodedAndDerivedCredentialsAreRegisteredAsSecrets) {
  ClearSecretsForTesting();
  config_.auth.type = AuthConfig::Type::kBasic;
  config_.auth.username = "user";
  config_.auth.password = "pass";
  MakeApiAuth(config_.auth, nullptr);
  EXPECT_EQ(RedactSecrets("Authorization: Basic dXNlcjpwYXNz"), "Authorization: Basic ***");

  config_.auth = AuthConfig{};
  config_.auth.type = AuthConfig::Type::kApiKey;
  config_.auth.location = AuthConfig::Location::kQuery;
  config_.auth.api_key = "a b&c=d";
  MakeApiAuth(config_.auth, nullptr);
  EXPECT_EQ(RedactSecrets("GET /x?api_key=a%20b%26c%3Dd"), "GET /x?api_key=***");
  ClearSecretsForTesting();
}

TEST_F(ApiAuthTest, ApiKeyNameDefaultsByLocation) {
  config_.auth.type = AuthConfig::Type::kApiKey;
  config_.auth.api_key = "test-key";
  config_.auth.name = "";
  server_.set_auth(ApiTestServer::Auth::kApiKeyHeader);
  EXPECT_EQ(Get(), 200);
  EXPECT_EQ(server_.log().back().headers.at("x-api-key"), "test-key");
  config_.auth.location = AuthConfig::Location::kQuery;
  server_.set_auth(ApiTestServer::Auth::kApiKeyQuery);
  EXPECT_EQ(Get(), 200);
  EXPECT_EQ(server_.log().back().query, "api_key=test-key");
}

TEST_F(OAuth2Test, FetchedTokensAndTheBasicClientCredentialAreRegisteredAsSecrets) {
  ClearSecretsForTesting();
  ApiClient client(config_);
  PageRequest r;
  r.url = "/items/single";
  EXPECT_EQ(client.Send(r, "GET", {}).status, 200);
  EXPECT_EQ(RedactSecrets("body echoed: Bearer tok-1"), "body echoed: Bearer ***");
  EXPECT_EQ(RedactSecrets("Basic Y2xpZW50OnNlY3JldA=="), "Basic ***");
  ClearSecretsForTesting();
}

TEST_F(OAuth2Test, CancelAbortsATokenRequestInProgress) {
  server_.set_auth(ApiTestServer::Auth::kNone);
  server_.set_delay_ms(2000);  // a token endpoint that takes 2 s to answer
  config_.auth.token_url = base_ + "/items/cursor";
  ApiClient client(config_);
  std::thread canceller([&] {
    while (server_.data_requests() < 1) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    client.Cancel();
  });
  const auto start = std::chrono::steady_clock::now();
  PageRequest r;
  r.url = "/items/single";
  EXPECT_THROW(client.Send(r, "GET", {}), Error);
  canceller.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1800));
  server_.set_delay_ms(0);
}

}  // namespace
}  // namespace sluice
