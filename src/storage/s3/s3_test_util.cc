#include "storage/s3/s3_test_util.h"

#include <cstdlib>
#include <random>
#include <stdexcept>

#include "storage/s3/s3_storage.h"
#include "storage/s3/sigv4_signer.h"

namespace sluice::testing {

std::optional<S3Config> S3TestConfig() {
  const char* endpoint = std::getenv("SLUICE_TEST_S3_ENDPOINT");
  if (!endpoint || !*endpoint) return std::nullopt;
  S3Config config;
  config.endpoint = endpoint;
  while (!config.endpoint.empty() && config.endpoint.back() == '/') config.endpoint.pop_back();
  config.region = "us-east-1";
  config.access_key_id = "S3RVER";
  config.secret_access_key = "S3RVER";
  config.path_style = true;
  config.part_size = 5 << 20;
  return config;
}

HttpOptions S3TestHttpOptions() {
  HttpOptions options;
  options.max_attempts = 3;
  options.backoff_base = std::chrono::milliseconds(20);
  options.backoff_max = std::chrono::milliseconds(200);
  return options;
}

std::string RandomHex(int bytes) {
  static thread_local std::mt19937_64 generator(std::random_device{}());
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < bytes; ++i) {
    unsigned value = static_cast<unsigned>(generator() & 0xff);
    out += kDigits[value >> 4];
    out += kDigits[value & 0xf];
  }
  return out;
}

std::string CreateS3TestBucket(const S3Config& config) {
  std::string bucket = "sluice-test-" + RandomHex();
  SigV4Signer signer({config.access_key_id, config.secret_access_key, config.session_token},
                     config.region, "s3");
  HttpRequest request;
  request.method = "PUT";
  request.url = S3RequestUrl(config, bucket, "");
  request.headers = {{"x-amz-content-sha256", Sha256Hex("")}};
  request.sign = [signer](HttpRequest& attempt) { signer.SignNow(attempt); };
  HttpResponse response = HttpClient(S3TestHttpOptions()).Send(request);
  if (response.status != 200) {
    throw std::runtime_error("cannot create test bucket " + bucket + ": HTTP " +
                             std::to_string(response.status) + " " + response.body);
  }
  return bucket;
}

}  // namespace sluice::testing
