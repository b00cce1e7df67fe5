#pragma once
// Test helpers for S3 against s3rver (SLUICE_TEST_S3_ENDPOINT), shared by the S3 tests and the
// storage conformance harness (s3_harness_test_util.cc).
#include <optional>
#include <string>

#include "storage/http/http_client.h"
#include "storage/s3/s3_config.h"

namespace sluice::testing {

// s3rver's fixed credentials (S3RVER/S3RVER), path style, the endpoint from
// SLUICE_TEST_S3_ENDPOINT; nullopt when that is unset.
std::optional<S3Config> S3TestConfig();
// Few, quick retries: the emulator is local.
HttpOptions S3TestHttpOptions();
// Creates a bucket with a fresh random name ("sluice-test-<hex>") and returns the name.
std::string CreateS3TestBucket(const S3Config& config);
// Random lower-case hex, for bucket names and prefixes.
std::string RandomHex(int bytes = 8);

}  // namespace sluice::testing
