#include "storage/gcs/jwt.h"

#include <gtest/gtest.h>

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <algorithm>

#include "core/error.h"
#include "storage/gcs/fake_gcs_server_test_util.h"

namespace sluice {
namespace {

std::string PrivateKeyPem(EVP_PKEY* key) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

TEST(Base64Url, EncodesRfc4648VectorsWithoutPadding) {
  EXPECT_EQ(Base64UrlEncode(""), "");
  EXPECT_EQ(Base64UrlEncode("f"), "Zg");
  EXPECT_EQ(Base64UrlEncode("fo"), "Zm8");
  EXPECT_EQ(Base64UrlEncode("foo"), "Zm9v");
  EXPECT_EQ(Base64UrlEncode("foob"), "Zm9vYg");
  EXPECT_EQ(Base64UrlEncode("fooba"), "Zm9vYmE");
  EXPECT_EQ(Base64UrlEncode("foobar"), "Zm9vYmFy");
  // The URL-safe alphabet: 0xfb 0xff is "+/8=" in standard base64.
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
}

TEST(Base64Url, DecodesWhatItEncodesAndRejectsOtherAlphabets) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (size_t n = 0; n <= all.size(); n += 37) {
    std::string decoded;
    ASSERT_TRUE(Base64UrlDecode(Base64UrlEncode(all.substr(0, n)), &decoded));
    EXPECT_EQ(decoded, all.substr(0, n));
  }
  std::string out;
  EXPECT_TRUE(Base64UrlDecode("Zm8=", &out));  // padding tolerated on input
  EXPECT_EQ(out, "fo");
  EXPECT_FALSE(Base64UrlDecode("+/8", &out));
  EXPECT_FALSE(Base64UrlDecode("Z", &out));  // no whole byte
}

TEST(SignJwtRs256, ProducesThreePartsWhoseSignatureVerifiesWithThePublicKey) {
  auto key = testing::GenerateRsaKey();
  std::string jwt =
      SignJwtRs256(R"({"alg":"RS256","typ":"JWT"})", R"({"iss":"a"})", PrivateKeyPem(key.get()));
  EXPECT_EQ(std::count(jwt.begin(), jwt.end(), '.'), 2);
  EXPECT_EQ(jwt.find('='), std::string::npos);
  std::string header, claims, reason;
  ASSERT_TRUE(testing::VerifyJwtRs256(jwt, key.get(), &header, &claims, &reason)) << reason;
  EXPECT_EQ(header, R"({"alg":"RS256","typ":"JWT"})");
  EXPECT_EQ(claims, R"({"iss":"a"})");
  // A 2048-bit RSA signature is 256 bytes: 342 base64url characters.
  EXPECT_EQ(jwt.size() - jwt.rfind('.') - 1, 342u);
}

TEST(SignJwtRs256, SignatureFailsForAnotherKeyOrAlteredClaims) {
  auto key = testing::GenerateRsaKey();
  auto other = testing::GenerateRsaKey();
  std::string jwt = SignJwtRs256(R"({"alg":"RS256"})", R"({"iss":"a"})", PrivateKeyPem(key.get()));
  std::string header, claims, reason;
  EXPECT_FALSE(testing::VerifyJwtRs256(jwt, other.get(), &header, &claims, &reason));
  std::string forged = jwt;
  size_t dot = forged.find('.');
  forged.replace(dot + 1, forged.find('.', dot + 1) - dot - 1, Base64UrlEncode(R"({"iss":"b"})"));
  EXPECT_FALSE(testing::VerifyJwtRs256(forged, key.get(), &header, &claims, &reason));
}

TEST(SignJwtRs256, AnUnreadableKeyIsAUsageErrorThatDoesNotEchoTheKey) {
  std::string bogus =
      "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1tYXRlcmlhbA==\n"
      "-----END PRIVATE KEY-----\n";
  try {
    SignJwtRs256("{}", "{}", bogus);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUsage);
    EXPECT_EQ(std::string(e.what()).find("c2VjcmV0"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace sluice
