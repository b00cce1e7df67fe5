#include "storage/gcs/oauth2_token_source.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "core/error.h"
#include "storage/gcs/fake_gcs_server_test_util.h"

namespace sluice {
namespace {

using testing::FakeGcsServer;

class ServiceAccountTokens : public ::testing::Test {
 protected:
  ServiceAccountKey Key() { return LoadServiceAccountKey(server_.key_file()); }
  FakeGcsServer server_;
  HttpClient http_;
};

int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TEST_F(ServiceAccountTokens, AssertionIsAnRs256JwtWithKidAndGooglesClaims) {
  ServiceAccountKey key = Key();
  std::string jwt = MakeServiceAccountAssertion(key, 1700000000);
  std::string header, claims, reason;
  ASSERT_TRUE(testing::VerifyJwtRs256(jwt, server_.key(), &header, &claims, &reason)) << reason;
  EXPECT_EQ(header, R"({"alg":"RS256","typ":"JWT","kid":"test-key-1"})");
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(claims);
  EXPECT_EQ(std::string_view(doc["iss"]), FakeGcsServer::kClientEmail);
  EXPECT_EQ(std::string_view(doc["scope"]),
            "https://www.googleapis.com/auth/devstorage.read_write");
  EXPECT_EQ(std::string_view(doc["aud"]), server_.token_uri());
  EXPECT_EQ(int64_t(doc["iat"]), 1700000000);
  EXPECT_EQ(int64_t(doc["exp"]), 1700000000 + 3600);
}

TEST_F(ServiceAccountTokens, ExchangesTheAssertionOnceAndCachesTheToken) {
  ServiceAccountTokenSource tokens(Key(), http_);
  std::string first = tokens.Token();
  EXPECT_EQ(first.rfind("ya29.fake-", 0), 0u);
  EXPECT_EQ(tokens.Token(), first);
  EXPECT_EQ(tokens.Token(), first);
  EXPECT_EQ(server_.counters().token_requests, 1);
  // The assertion the server accepted was issued now, not some fixed time.
  std::string header, claims, reason;
  ASSERT_TRUE(
      testing::VerifyJwtRs256(server_.last_assertion(), server_.key(), &header, &claims, &reason));
  simdjson::dom::parser parser;
  EXPECT_NEAR(double(int64_t(parser.parse(claims)["iat"])), double(NowSeconds()), 5.0);
}

TEST_F(ServiceAccountTokens, RefreshesOnceTheTokenIsWithinAMinuteOfExpiry) {
  server_.set_token_lifetime(std::chrono::seconds(61));  // stale after 1 s on the client
  ServiceAccountTokenSource tokens(Key(), http_);
  std::string first = tokens.Token();
  EXPECT_EQ(tokens.Token(), first);
  EXPECT_EQ(server_.counters().token_requests, 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  std::string second = tokens.Token();
  EXPECT_NE(second, first);
  EXPECT_EQ(server_.counters().token_requests, 2);
  EXPECT_EQ(tokens.Token(), second);
}

TEST_F(ServiceAccountTokens, ConcurrentCallersShareOneRefresh) {
  ServiceAccountTokenSource tokens(Key(), http_);
  std::vector<std::thread> threads;
  std::vector<std::string> seen(8);
  for (int i = 0; i < 8; ++i) threads.emplace_back([&, i] { seen[i] = tokens.Token(); });
  for (auto& t : threads) t.join();
  EXPECT_EQ(server_.counters().token_requests, 1);
  for (const auto& s : seen) EXPECT_EQ(s, seen[0]);
}

TEST_F(ServiceAccountTokens, RejectingATokenForcesExactlyOneRefresh) {
  ServiceAccountTokenSource tokens(Key(), http_);
  std::string first = tokens.Token();
  EXPECT_TRUE(tokens.Reject(first));
  std::string second = tokens.Token();
  EXPECT_NE(second, first);
  // A late 401 for the old token (another request in flight) must not throw away the new one.
  EXPECT_TRUE(tokens.Reject(first));
  EXPECT_EQ(tokens.Token(), second);
  EXPECT_EQ(server_.counters().token_requests, 2);
}

TEST_F(ServiceAccountTokens, AKeyTheServerDoesNotKnowIsAnInputErrorWithGooglesReason) {
  auto foreign = testing::GenerateRsaKey();
  std::string path = testing::WriteServiceAccountKeyFile(
      foreign.get(), FakeGcsServer::kClientEmail, FakeGcsServer::kKeyId, server_.token_uri());
  ServiceAccountKey key = LoadServiceAccountKey(path);
  std::remove(path.c_str());
  ServiceAccountTokenSource tokens(key, http_);
  try {
    tokens.Token();
    FAIL() << "expected an error";
  } catch (const Error& e) {
    std::string message = e.what();
    EXPECT_EQ(e.kind(), ErrorKind::kInput);
    EXPECT_NE(message.find("invalid_grant"), std::string::npos) << message;
    EXPECT_NE(message.find("Invalid JWT Signature"), std::string::npos) << message;
    EXPECT_NE(message.find(FakeGcsServer::kClientEmail), std::string::npos) << message;
    EXPECT_EQ(message.find("PRIVATE KEY"), std::string::npos) << message;
    EXPECT_EQ(message.find(server_.last_assertion()), std::string::npos) << message;
  }
  EXPECT_EQ(server_.counters().token_rejections, 1);
}

TEST_F(ServiceAccountTokens, AWrongAudienceIsRefusedByTheServer) {
  ServiceAccountKey key = Key();
  key.token_uri = server_.endpoint() + "/token?x=1";  // same endpoint, different aud claim
  ServiceAccountTokenSource tokens(key, http_);
  EXPECT_THROW(tokens.Token(), Error);
  EXPECT_NE(server_.last_token_error().find("audience"), std::string::npos);
}

TEST(StaticTokenSource, ReturnsTheGivenTokenAndCannotRefresh) {
  auto tokens = MakeStaticTokenSource("given");
  EXPECT_EQ(tokens->Token(), "given");
  EXPECT_FALSE(tokens->Reject("given"));
  EXPECT_EQ(tokens->Token(), "given");
}

}  // namespace
}  // namespace sluice
