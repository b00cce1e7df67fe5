#include "storage/s3/sigv4_signer.h"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

namespace sluice {
namespace {

// Published vectors: the AWS SigV4 test suite (aws-sig-v4-test-suite; 2015-08-30 12:36:00 UTC,
// us-east-1, service "service", AKIDEXAMPLE) and the S3 examples of "Signature Calculations for
// the Authorization Header" in the Amazon S3 API reference (2013-05-24, AKIAIOSFODNN7EXAMPLE).
// Path-normalizing cases of the suite (get-relative, get-slash, ...) are left out on purpose:
// S3 signs the path as is, because object keys may contain "." segments and "//".
struct Vector {
  std::string name;
  std::string method;
  std::string url;  // as sent on the wire: percent-encoded
  HttpHeaders headers;
  std::string body;
  std::string canonical_request;
  std::string string_to_sign_hash;  // last line of the published string to sign
  std::string authorization;
};

// gtest names the parameter in failure messages (instead of dumping its bytes).
void PrintTo(const Vector& v, std::ostream* os) {
  *os << v.name;
}

const char kSuiteDate[] = "20150830T123600Z";
const char kSuiteHost[] = "http://example.amazonaws.com";
const char kEmptyHash[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const char kSuiteCredential[] =
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, ";

std::string SuiteAuthorization(const std::string& signed_headers, const std::string& signature) {
  return std::string(kSuiteCredential) + "SignedHeaders=" + signed_headers +
         ", Signature=" + signature;
}

std::string SuiteRequest(const std::string& method, const std::string& path,
                         const std::string& query, const std::string& extra_headers,
                         const std::string& signed_headers, const std::string& payload_hash) {
  return method + "\n" + path + "\n" + query + "\nhost:example.amazonaws.com\n" + extra_headers +
         "x-amz-date:20150830T123600Z\n\n" + signed_headers + "\n" + payload_hash;
}

HttpHeaders SuiteHeaders(HttpHeaders extra = {}) {
  HttpHeaders headers = {{"Host", "example.amazonaws.com"}};
  headers.insert(headers.end(), extra.begin(), extra.end());
  headers.emplace_back("X-Amz-Date", kSuiteDate);
  return headers;
}

std::vector<Vector> SuiteVectors() {
  const std::string plain = "host;x-amz-date";
  return {
      {"get-vanilla", "GET", "/", SuiteHeaders(), "",
       SuiteRequest("GET", "/", "", "", plain, kEmptyHash),
       "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
       SuiteAuthorization(plain,
                          "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")},
      {"get-vanilla-empty-query-key", "GET", "/?Param1=value1", SuiteHeaders(), "",
       SuiteRequest("GET", "/", "Param1=value1", "", plain, kEmptyHash),
       "1e24db194ed7d0eec2de28d7369675a243488e08526e8c1c73571282f7c517ab",
       SuiteAuthorization(plain,
                          "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb")},
      {"get-vanilla-query-order-key-case", "GET", "/?Param2=value2&Param1=value1", SuiteHeaders(),
       "", SuiteRequest("GET", "/", "Param1=value1&Param2=value2", "", plain, kEmptyHash),
       "816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0",
       SuiteAuthorization(plain,
                          "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500")},
      {"get-vanilla-query-order-key", "GET", "/?Param1=value2&Param1=Value1", SuiteHeaders(), "",
       SuiteRequest("GET", "/", "Param1=Value1&Param1=value2", "", plain, kEmptyHash),
       "704b4cef673542d84cdff252633f065e8daeba5f168b77116f8b1bcaf3d38f89",
       SuiteAuthorization(plain,
                          "eedbc4e291e521cf13422ffca22be7d2eb8146eecf653089df300a15b2382bd1")},
      {"get-vanilla-query-order-value", "GET", "/?Param1=value2&Param1=value1", SuiteHeaders(), "",
       SuiteRequest("GET", "/", "Param1=value1&Param1=value2", "", plain, kEmptyHash),
       "c968629d70850097a2d8781c9bf7edcb988b04cac14cca9be4acc3595f884606",
       SuiteAuthorization(plain,
                          "5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694")},
      {"get-vanilla-query-unreserved", "GET",
       "/?-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz="
       "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
       SuiteHeaders(), "",
       SuiteRequest("GET", "/",
                    "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz="
                    "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
                    "", plain, kEmptyHash),
       "c30d4703d9f799439be92736156d47ccfb2d879ddf56f5befa6d1d6aab979177",
       SuiteAuthorization(plain,
                          "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197")},
      // "/?ሴ=bar": U+1234 is E1 88 B4 in UTF-8.
      {"get-vanilla-utf8-query", "GET", "/?%E1%88%B4=bar", SuiteHeaders(), "",
       SuiteRequest("GET", "/", "%E1%88%B4=bar", "", plain, kEmptyHash),
       "eb30c5bed55734080471a834cc727ae56beb50e5f39d1bff6d0d38cb192a7073",
       SuiteAuthorization(plain,
                          "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04")},
      {"get-unreserved", "GET",
       "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", SuiteHeaders(), "",
       SuiteRequest("GET", "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
                    "", "", plain, kEmptyHash),
       "6a968768eefaa713e2a6b16b589a8ea192661f098f37349f4e2c0082757446f9",
       SuiteAuthorization(plain,
                          "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f")},
      {"get-space", "GET", "/example%20space/", SuiteHeaders(), "",
       SuiteRequest("GET", "/example%20space/", "", "", plain, kEmptyHash),
       "63ee75631ed7234ae61b5f736dfc7754cdccfedbff4b5128a915706ee9390d86",
       SuiteAuthorization(plain,
                          "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741")},
      {"get-header-key-duplicate", "GET", "/",
       SuiteHeaders({{"My-Header1", "value2"}, {"My-Header1", "value2"}, {"My-Header1", "value1"}}),
       "",
       SuiteRequest("GET", "/", "", "my-header1:value2,value2,value1\n",
                    "host;my-header1;x-amz-date", kEmptyHash),
       "dc7f04a3abfde8d472b0ab1a418b741b7c67174dad1551b4117b15527fbe966c",
       SuiteAuthorization("host;my-header1;x-amz-date",
                          "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea")},
      {"get-header-value-order", "GET", "/",
       SuiteHeaders({{"My-Header1", "value4"},
                     {"My-Header1", "value1"},
                     {"My-Header1", "value3"},
                     {"My-Header1", "value2"}}),
       "",
       SuiteRequest("GET", "/", "", "my-header1:value4,value1,value3,value2\n",
                    "host;my-header1;x-amz-date", kEmptyHash),
       "31ce73cd3f3d9f66977ad3dd957dc47af14df92fcd8509f59b349e9137c58b86",
       SuiteAuthorization("host;my-header1;x-amz-date",
                          "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01")},
      {"get-header-value-trim", "GET", "/",
       SuiteHeaders({{"My-Header1", " value1"}, {"My-Header2", " \"a   b   c\""}}), "",
       SuiteRequest("GET", "/", "", "my-header1:value1\nmy-header2:\"a b c\"\n",
                    "host;my-header1;my-header2;x-amz-date", kEmptyHash),
       "a726db9b0df21c14f559d0a978e563112acb1b9e05476f0a6a1c7d68f28605c7",
       SuiteAuthorization("host;my-header1;my-header2;x-amz-date",
                          "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736")},
      {"post-vanilla", "POST", "/", SuiteHeaders(), "",
       SuiteRequest("POST", "/", "", "", plain, kEmptyHash),
       "553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87",
       SuiteAuthorization(plain,
                          "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b")},
      {"post-vanilla-query", "POST", "/?Param1=value1", SuiteHeaders(), "",
       SuiteRequest("POST", "/", "Param1=value1", "", plain, kEmptyHash),
       "9d659678c1756bb3113e2ce898845a0a79dbbc57b740555917687f1b3340fbbd",
       SuiteAuthorization(plain,
                          "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11")},
      {"post-header-key-sort", "POST", "/", SuiteHeaders({{"My-Header1", "value1"}}), "",
       SuiteRequest("POST", "/", "", "my-header1:value1\n", "host;my-header1;x-amz-date",
                    kEmptyHash),
       "9368318c2967cf6de74404b30c65a91e8f6253e0a8659d6d5319f1a812f87d65",
       SuiteAuthorization("host;my-header1;x-amz-date",
                          "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c")},
      {"post-header-value-case", "POST", "/", SuiteHeaders({{"My-Header1", "VALUE1"}}), "",
       SuiteRequest("POST", "/", "", "my-header1:VALUE1\n", "host;my-header1;x-amz-date",
                    kEmptyHash),
       "d51ced243e649e3de6ef63afbbdcbca03131a21a7103a1583706a64618606a93",
       SuiteAuthorization("host;my-header1;x-amz-date",
                          "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d")},
      {"post-x-www-form-urlencoded",
       "POST",
       "/",
       {{"Content-Type", "application/x-www-form-urlencoded"},
        {"Host", "example.amazonaws.com"},
        {"X-Amz-Date", kSuiteDate}},
       "Param1=value1",
       "POST\n/\n\ncontent-type:application/x-www-form-urlencoded\nhost:example.amazonaws.com\n"
       "x-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\n"
       "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
       "42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281",
       SuiteAuthorization("content-type;host;x-amz-date",
                          "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a")},
  };
}

class SigV4SuiteTest : public ::testing::TestWithParam<Vector> {};

TEST_P(SigV4SuiteTest, ComputesThePublishedCanonicalRequestStringToSignAndAuthorization) {
  const Vector& v = GetParam();
  SigV4Signer signer({"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""}, "us-east-1",
                     "service", /*add_content_sha256=*/false);
  HttpRequest request;
  request.method = v.method;
  request.url = kSuiteHost + v.url;
  request.headers = v.headers;
  request.body = v.body;
  SigV4Signature signature = signer.Compute(request, kSuiteDate);
  EXPECT_EQ(signature.canonical_request, v.canonical_request);
  EXPECT_EQ(signature.string_to_sign,
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n" +
                v.string_to_sign_hash);
  EXPECT_EQ(signature.authorization, v.authorization);
}

INSTANTIATE_TEST_SUITE_P(AwsSigV4TestSuite, SigV4SuiteTest, ::testing::ValuesIn(SuiteVectors()),
                         [](const auto& info) {
                           std::string name = info.param.name;
                           for (char& c : name) {
                             if (c == '-') c = '_';
                           }
                           return name;
                         });

TEST(SigV4Signer, SignAddsTheSessionTokenAsASignedHeaderLikePostStsHeaderBefore) {
  const std::string token =
      "AQoDYXdzEPT//////////"
      "wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwth"
      "A"
      "x7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvl"
      "Rd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX"
      "9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";
  SigV4Signer signer({"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token},
                     "us-east-1", "service", /*add_content_sha256=*/false);
  HttpRequest request;
  request.method = "POST";
  request.url = "http://example.amazonaws.com/";
  signer.Sign(request, kSuiteDate);
  std::string authorization;
  int token_headers = 0;
  for (const auto& [name, value] : request.headers) {
    if (name == "Authorization") authorization = value;
    if (name == "x-amz-security-token") {
      ++token_headers;
      EXPECT_EQ(value, token);
    }
  }
  EXPECT_EQ(token_headers, 1);
  EXPECT_EQ(authorization,
            SuiteAuthorization("host;x-amz-date;x-amz-security-token",
                               "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead"));
}

// The S3 API reference's examples (secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY).
struct S3Example {
  std::string name;
  std::string method;
  std::string url;
  HttpHeaders headers;
  std::string body;
  std::string signed_headers;
  std::string signature;
};

void PrintTo(const S3Example& e, std::ostream* os) {
  *os << e.name;
}

std::vector<S3Example> S3Examples() {
  return {
      {"GetObjectWithRange",
       "GET",
       "https://examplebucket.s3.amazonaws.com/test.txt",
       {{"Range", "bytes=0-9"}},
       "",
       "host;range;x-amz-content-sha256;x-amz-date",
       "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"},
      {"PutObject",
       "PUT",
       "https://examplebucket.s3.amazonaws.com/test%24file.text",
       {{"Date", "Fri, 24 May 2013 00:00:00 GMT"}, {"x-amz-storage-class", "REDUCED_REDUNDANCY"}},
       "Welcome to Amazon S3.",
       "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
       "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"},
      {"GetBucketLifecycle",
       "GET",
       "https://examplebucket.s3.amazonaws.com/?lifecycle",
       {},
       "",
       "host;x-amz-content-sha256;x-amz-date",
       "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"},
      {"ListObjects",
       "GET",
       "https://examplebucket.s3.amazonaws.com/?max-keys=2&prefix=J",
       {},
       "",
       "host;x-amz-content-sha256;x-amz-date",
       "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"},
  };
}

class SigV4S3ExampleTest : public ::testing::TestWithParam<S3Example> {};

TEST_P(SigV4S3ExampleTest, SignMatchesTheS3DocumentationSignature) {
  const S3Example& e = GetParam();
  SigV4Signer signer({"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""},
                     "us-east-1", "s3");
  HttpRequest request;
  request.method = e.method;
  request.url = e.url;
  request.headers = e.headers;
  request.body = e.body;
  signer.Sign(request, "20130524T000000Z");
  std::string authorization;
  std::string content_sha256;
  for (const auto& [name, value] : request.headers) {
    if (name == "Authorization") authorization = value;
    if (name == "x-amz-content-sha256") content_sha256 = value;
  }
  EXPECT_EQ(content_sha256, Sha256Hex(e.body));
  EXPECT_EQ(authorization,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            "SignedHeaders=" +
                e.signed_headers + ", Signature=" + e.signature);
}

INSTANTIATE_TEST_SUITE_P(AwsS3Documentation, SigV4S3ExampleTest, ::testing::ValuesIn(S3Examples()),
                         [](const auto& info) { return info.param.name; });

TEST(SigV4Signer, SigningAgainForARetryReplacesDateAndAuthorizationInsteadOfAddingThem) {
  SigV4Signer signer({"AKID", "secret", ""}, "eu-west-1", "s3");
  HttpRequest request;
  request.url = "https://bucket.s3.eu-west-1.amazonaws.com/key";
  signer.Sign(request, "20240101T000000Z");
  std::string first;
  for (const auto& [name, value] : request.headers) {
    if (name == "Authorization") first = value;
  }
  signer.Sign(request, "20240101T000130Z");
  int dates = 0, authorizations = 0, hashes = 0;
  std::string second;
  for (const auto& [name, value] : request.headers) {
    if (name == "x-amz-date") {
      ++dates;
      EXPECT_EQ(value, "20240101T000130Z");
    }
    if (name == "x-amz-content-sha256") ++hashes;
    if (name == "Authorization") {
      ++authorizations;
      second = value;
    }
  }
  EXPECT_EQ(dates, 1);
  EXPECT_EQ(hashes, 1);
  EXPECT_EQ(authorizations, 1);
  EXPECT_NE(first, second);
}

TEST(SigV4Signer, QueryStringsSignAlikeWhateverTheirOrderAndEncoding) {
  // ListObjectsV2 continuation tokens are opaque base64: '+', '/' and '=' must sign as
  // %2B, %2F and %3D whether or not the URL already encoded them.
  SigV4Signer signer({"AKID", "secret", ""}, "us-east-1", "s3");
  HttpRequest a;
  a.url = "https://b.s3.amazonaws.com/?list-type=2&continuation-token=1%2Ba%2Fb%3D&prefix=x%20y";
  HttpRequest b;
  b.url = "https://b.s3.amazonaws.com/?prefix=x%20y&continuation-token=1+a/b=&list-type=2";
  SigV4Signature sa = signer.Compute(a, "20240101T000000Z");
  EXPECT_NE(
      sa.canonical_request.find("\ncontinuation-token=1%2Ba%2Fb%3D&list-type=2&prefix=x%20y\n"),
      std::string::npos)
      << sa.canonical_request;
  EXPECT_EQ(sa.authorization, signer.Compute(b, "20240101T000000Z").authorization);
}

TEST(SigV4Signer, HostComesFromTheUrlWithItsPortUnlessDefault) {
  SigV4Signer signer({"AKID", "secret", ""}, "us-east-1", "s3");
  HttpRequest request;
  request.url = "http://127.0.0.1:9000/bucket/key";
  EXPECT_NE(
      signer.Compute(request, "20240101T000000Z").canonical_request.find("\nhost:127.0.0.1:9000\n"),
      std::string::npos);
  request.url = "https://s3.amazonaws.com:443/bucket/key";
  EXPECT_NE(signer.Compute(request, "20240101T000000Z")
                .canonical_request.find("\nhost:s3.amazonaws.com\n"),
            std::string::npos);
}

TEST(SigV4Signer, KeysWithReservedCharactersAreEncodedOnceWithSlashesKept) {
  EXPECT_EQ(AwsUriEncode("dir/a b+c=d&é.csv", true), "dir/a%20b%2Bc%3Dd%26%C3%A9.csv");
  EXPECT_EQ(AwsUriEncode("a/b", false), "a%2Fb");
  EXPECT_EQ(PercentDecode("a%2Fb%zz%4"), "a/b%zz%4");
  EXPECT_EQ(PercentDecode("a+b%2B", /*plus_is_space=*/true), "a b+");
  SigV4Signer signer({"AKID", "secret", ""}, "us-east-1", "s3");
  HttpRequest request;
  request.url = "http://h/bucket/dir//a.b/../%24x";
  EXPECT_NE(signer.Compute(request, "20240101T000000Z")
                .canonical_request.find("\n/bucket/dir//a.b/../%24x\n"),
            std::string::npos);
}

TEST(SigV4Signer, AmzDateFormatsUtc) {
  EXPECT_EQ(AmzDate(1440938160), "20150830T123600Z");
  EXPECT_EQ(Sha256Hex(""), kEmptyHash);
}

}  // namespace
}  // namespace sluice
