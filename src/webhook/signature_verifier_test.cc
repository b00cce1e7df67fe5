// Known vectors were computed once with `openssl dgst -hmac` in a shell, independently of this
// code, and pasted as constants.
#include "webhook/signature_verifier.h"

#include <gtest/gtest.h>

#include <map>

#include "core/error.h"

namespace sluice {
namespace {

constexpr int64_t kT = 1700000000;
const std::string kStripeBody = R"({"id":"evt_1","type":"charge.succeeded"})";
// printf '%s' '1700000000.<body>' | openssl dgst -sha256 -hmac whsec_test
const std::string kStripeSig = "a3f7d2647ca8af4e7ebbd79c4f9380dbd98ee11b35cf0485b700ca327380e947";

HeaderLookup Headers(std::map<std::string, std::string> h) {
  return [h](const std::string& name) {
    auto it = h.find(name);
    return it == h.end() ? std::string() : it->second;
  };
}

SignatureVerifier Stripe(int64_t tolerance = 300) {
  SignatureConfig c;
  c.scheme = SignatureConfig::Scheme::kStripe;
  c.secret = "whsec_test";
  c.tolerance_s = tolerance;
  return SignatureVerifier(c);
}

SignatureStatus StripeCheck(const std::string& header, const std::string& body, int64_t now) {
  return Stripe().Verify(Headers({{"Stripe-Signature", header}}), body, now);
}

TEST(StripeSignature, KnownVectorIsValid) {
  EXPECT_EQ(StripeCheck("t=1700000000,v1=" + kStripeSig, kStripeBody, kT), SignatureStatus::kValid);
  EXPECT_EQ(StripeCheck(" t=1700000000 , v1=" + kStripeSig + " ", kStripeBody, kT + 299),
            SignatureStatus::kValid);
}

TEST(StripeSignature, AnyOfSeveralV1Passes) {
  const std::string other(64, 'a');
  EXPECT_EQ(StripeCheck("t=1700000000,v1=" + other + ",v1=" + kStripeSig + ",v0=" + other,
                        kStripeBody, kT),
            SignatureStatus::kValid);
  EXPECT_EQ(StripeCheck("t=1700000000,v1=" + other + ",v0=" + kStripeSig, kStripeBody, kT),
            SignatureStatus::kMismatch)
      << "v0 is not a signature scheme sluice accepts";
}

TEST(StripeSignature, TamperedBodyWrongSecretAndWrongTimestampFail) {
  std::string tampered = kStripeBody;
  tampered[8] = '2';
  EXPECT_EQ(StripeCheck("t=1700000000,v1=" + kStripeSig, tampered, kT), SignatureStatus::kMismatch);
  EXPECT_EQ(StripeCheck("t=1700000001,v1=" + kStripeSig, kStripeBody, kT),
            SignatureStatus::kMismatch);
  SignatureConfig c;
  c.scheme = SignatureConfig::Scheme::kStripe;
  c.secret = "whsec_other";
  EXPECT_EQ(SignatureVerifier(c).Verify(
                Headers({{"Stripe-Signature", "t=1700000000,v1=" + kStripeSig}}), kStripeBody, kT),
            SignatureStatus::kMismatch);
}

TEST(StripeSignature, StaleAndFutureTimestampsAreRejected) {
  const std::string h = "t=1700000000,v1=" + kStripeSig;
  EXPECT_EQ(StripeCheck(h, kStripeBody, kT + 301), SignatureStatus::kStale);
  EXPECT_EQ(StripeCheck(h, kStripeBody, kT - 301), SignatureStatus::kStale);
  EXPECT_EQ(StripeCheck(h, kStripeBody, kT + 300), SignatureStatus::kValid);
  // A forged header is a mismatch, whatever its timestamp.
  EXPECT_EQ(StripeCheck("t=1,v1=" + kStripeSig, kStripeBody, kT), SignatureStatus::kMismatch);
}

TEST(StripeSignature, MissingAndMalformedHeaders) {
  EXPECT_EQ(Stripe().Verify(Headers({}), kStripeBody, kT), SignatureStatus::kMissing);
  EXPECT_EQ(StripeCheck("v1=" + kStripeSig, kStripeBody, kT), SignatureStatus::kMalformed);
  EXPECT_EQ(StripeCheck("t=1700000000", kStripeBody, kT), SignatureStatus::kMalformed);
  EXPECT_EQ(StripeCheck("t=17x,v1=" + kStripeSig, kStripeBody, kT), SignatureStatus::kMalformed);
  EXPECT_EQ(StripeCheck("t=1700000000,v1=zz", kStripeBody, kT), SignatureStatus::kMismatch);
}

SignatureVerifier Github() {
  SignatureConfig c;
  c.scheme = SignatureConfig::Scheme::kGithub;
  c.secret = "gh-secret";
  return SignatureVerifier(c);
}

TEST(GithubSignature, KnownVectorTamperAndPrefix) {
  const std::string body = R"({"action":"opened","number":7})";
  const std::string sig = "bb2edcbe2d7c0b180ff67236e69728ef78190e3fd406e9d05e81bf4d4c948b3b";
  auto check = [&](const std::string& header, const std::string& b) {
    return Github().Verify(Headers({{"X-Hub-Signature-256", header}}), b, kT);
  };
  EXPECT_EQ(check("sha256=" + sig, body), SignatureStatus::kValid);
  std::string upper = sig;
  for (char& c : upper) c = static_cast<char>(std::toupper(c));
  EXPECT_EQ(check("sha256=" + upper, body), SignatureStatus::kValid);
  EXPECT_EQ(check("sha256=" + sig, R"({"action":"closed","number":7})"),
            SignatureStatus::kMismatch);
  EXPECT_EQ(check(sig, body), SignatureStatus::kMalformed) << "the sha256= prefix is required";
  EXPECT_EQ(check("sha256=" + sig.substr(2), body), SignatureStatus::kMismatch);
  EXPECT_EQ(Github().Verify(Headers({}), body, kT), SignatureStatus::kMissing);
}

TEST(HmacSignature, AlgorithmsEncodingsAndPrefix) {
  const std::string body = R"({"id":42})";
  auto verify = [&](const std::string& algorithm, const std::string& encoding,
                    const std::string& prefix, const std::string& header, const std::string& b) {
    SignatureConfig c;
    c.scheme = SignatureConfig::Scheme::kHmac;
    c.secret = "k1";
    c.header = "X-Signature";
    c.algorithm = algorithm;
    c.encoding = encoding;
    c.prefix = prefix;
    return SignatureVerifier(c).Verify(Headers({{"X-Signature", header}}), b, kT);
  };
  EXPECT_EQ(verify("sha1", "hex", "", "168c4ea6a688c9301dcbc175839f42629445a129", body),
            SignatureStatus::kValid);
  EXPECT_EQ(verify("sha256", "base64", "", "TLiCqsMn5fsR1JJn35qVj+7LT50QB70orkogePSEiFY=", body),
            SignatureStatus::kValid);
  const std::string sha512 =
      "j0AGvDqpd+HG65dHrliHAmgn1qwcxqdQbRQeEiVwIsKscrDne5tBnUxkrOMn6YIBeg7JsK693HKsKnf+/KOX1Q==";
  EXPECT_EQ(verify("sha512", "base64", "v1,", "v1," + sha512, body), SignatureStatus::kValid);
  EXPECT_EQ(verify("sha512", "base64", "v1,", sha512, body), SignatureStatus::kMalformed);
  EXPECT_EQ(verify("sha512", "base64", "v1,", "v1," + sha512, R"({"id":43})"),
            SignatureStatus::kMismatch);
  // The right digest under the wrong algorithm (different length) does not pass.
  EXPECT_EQ(verify("sha256", "hex", "", "168c4ea6a688c9301dcbc175839f42629445a129", body),
            SignatureStatus::kMismatch);
  EXPECT_EQ(verify("sha256", "base64", "", "!!!", body), SignatureStatus::kMalformed);
}

TEST(HmacSignature, BadConfigurationIsAUsageError) {
  SignatureConfig c;
  c.scheme = SignatureConfig::Scheme::kHmac;
  c.secret = "k";
  EXPECT_THROW(SignatureVerifier{c}, Error) << "no header";
  c.header = "X-Sig";
  c.algorithm = "md5";
  EXPECT_THROW(SignatureVerifier{c}, Error);
  c.algorithm = "sha256";
  c.encoding = "base32";
  EXPECT_THROW(SignatureVerifier{c}, Error);
  c.encoding = "hex";
  c.secret = "";
  EXPECT_THROW(SignatureVerifier{c}, Error);
}

TEST(SignatureHelpers, ConstantTimeEqualsAndCodecs) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
  std::string out;
  EXPECT_TRUE(Base64Decode("aGk=", &out));
  EXPECT_EQ(out, "hi");
  EXPECT_FALSE(HexDecode("abc", &out));
  EXPECT_EQ(HexEncode(std::string("\x01\xff", 2)), "01ff");
}

}  // namespace
}  // namespace sluice
