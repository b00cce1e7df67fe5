#include "storage/azure/shared_key_signer.h"

#include <gtest/gtest.h>

#include <vector>

#include "core/error.h"

namespace sluice {
namespace {

// Azurite's well-known development key. The expected signatures below were computed outside
// sluice (Python's hmac + base64) from the string-to-sign written out by hand from Microsoft's
// "Authorize with Shared Key" page.
constexpr const char* kDevKey =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
constexpr const char* kDate = "Sun, 11 Oct 2009 21:49:13 GMT";

TEST(SharedKeyStringToSign, FollowsTheSpecsFieldOrderWithCanonicalHeadersAndResource) {
  HttpRequest r;
  r.method = "PUT";
  r.url =
      "https://myaccount.blob.core.windows.net/mycontainer/a%20b/c.txt?comp=blocklist&Timeout=30";
  r.headers = {{"x-ms-version", "2021-08-06"},
               {"Content-Type", "application/xml"},
               {"X-MS-Meta-Tag", "  two   words "},
               {"x-ms-date", kDate},
               {"User-Agent", "sluice"}};
  r.body = "<BlockList/>";
  const std::string expected =
      "PUT\n"
      "\n"                 // Content-Encoding
      "\n"                 // Content-Language
      "12\n"               // Content-Length (from the body)
      "\n"                 // Content-MD5
      "application/xml\n"  // Content-Type
      "\n"                 // Date
      "\n\n\n\n"           // If-Modified-Since, If-Match, If-None-Match, If-Unmodified-Since
      "\n"                 // Range
      "x-ms-date:Sun, 11 Oct 2009 21:49:13 GMT\n"
      "x-ms-meta-tag:two words\n"
      "x-ms-version:2021-08-06\n"
      "/myaccount/mycontainer/a%20b/c.txt\n"
      "comp:blocklist\n"
      "timeout:30";
  EXPECT_EQ(SharedKeyStringToSign(r, "myaccount"), expected);
  SharedKeySigner signer("myaccount", kDevKey);
  EXPECT_EQ(signer.Signature(expected), "h17KKnaJStp2F9uegu61G3Gp+rZ9RVswdfzr569+C20=");
}

TEST(SharedKeyStringToSign, SortsDecodedQueryParametersAndJoinsRepeatedOnes) {
  HttpRequest r;
  r.method = "GET";
  r.url =
      "http://127.0.0.1:10480/devstoreaccount1/c1?restype=container&comp=list&prefix=a%2Fb&"
      "include=snapshots&include=metadata";
  r.headers = {{"x-ms-date", kDate}, {"x-ms-version", "2021-08-06"}};
  const std::string expected =
      "GET\n\n\n\n\n\n\n\n\n\n\n\n"
      "x-ms-date:Sun, 11 Oct 2009 21:49:13 GMT\n"
      "x-ms-version:2021-08-06\n"
      "/devstoreaccount1/devstoreaccount1/c1\n"
      "comp:list\n"
      "include:metadata,snapshots\n"
      "prefix:a/b\n"
      "restype:container";
  EXPECT_EQ(SharedKeyStringToSign(r, "devstoreaccount1"), expected);
  EXPECT_EQ(SharedKeySigner("devstoreaccount1", kDevKey).Signature(expected),
            "7a0HjgQcbx2nkhdnp+AljtrjcmmwYlrFDprMTLXtBF4=");
}

TEST(SharedKeyStringToSign, AZeroContentLengthIsSignedAsEmptyAndRangeIsKept) {
  HttpRequest r;
  r.method = "PUT";
  r.url = "https://a.blob.core.windows.net/c/b";
  r.headers = {{"Content-Length", "0"}, {"Range", "bytes=0-9"}, {"If-Match", "\"0x1\""}};
  EXPECT_EQ(SharedKeyStringToSign(r, "a"), "PUT\n\n\n\n\n\n\n\n\"0x1\"\n\n\nbytes=0-9\n/a/c/b");
}

TEST(SharedKeySigner, SignSetsAFreshDateAndReplacesAnEarlierAuthorization) {
  SharedKeySigner signer("devstoreaccount1", kDevKey);
  HttpRequest r;
  r.url = "http://127.0.0.1:1/devstoreaccount1/c/b";
  signer.Sign(r, 0);
  signer.Sign(r, 1255297753);  // a retry: one x-ms-date, one Authorization
  int dates = 0, authorizations = 0;
  std::string date, authorization;
  for (const auto& [k, v] : r.headers) {
    if (k == "x-ms-date") dates++, date = v;
    if (k == "Authorization") authorizations++, authorization = v;
  }
  EXPECT_EQ(dates, 1);
  EXPECT_EQ(authorizations, 1);
  EXPECT_EQ(date, kDate);
  EXPECT_EQ(authorization, "SharedKey devstoreaccount1:" +
                               signer.Signature(SharedKeyStringToSign(r, "devstoreaccount1")));
}

TEST(SharedKeySigner, RejectsAKeyThatIsNotBase64WithoutPrintingIt) {
  try {
    SharedKeySigner("acct", "not*base64-secret!");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUsage);
    EXPECT_NE(std::string(e.what()).find("not base64"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("secret"), std::string::npos) << e.what();
  }
}

TEST(Base64, RoundTripsEveryPaddingLength) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  for (const std::string& s :
       std::vector<std::string>{"", "f", "fo", "foo", "foob", std::string("\0\xff\x10", 3)}) {
    EXPECT_EQ(Base64Decode(Base64Encode(s)), s);
  }
  EXPECT_THROW(Base64Decode("Zm9"), Error);
  EXPECT_THROW(Base64Decode("Zm=v"), Error);
}

TEST(HttpDate, FormatsRfc1123InGmt) {
  EXPECT_EQ(HttpDate(1255297753), kDate);
  EXPECT_EQ(HttpDate(0), "Thu, 01 Jan 1970 00:00:00 GMT");
}

}  // namespace
}  // namespace sluice
