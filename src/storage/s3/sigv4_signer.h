#pragma once
// AWS Signature Version 4 (header-based), as S3 and S3-compatible stores (GCS XML API with HMAC
// keys, MinIO, R2, ...) expect it. Hand-written on OpenSSL instead of libcurl's CURLOPT_AWS_SIGV4
// because Debian 12's libcurl 7.88.1 neither sorts nor re-encodes the query string (ListObjectsV2
// continuation tokens break the signature) and does not send x-amz-content-sha256; see
// docs/storage-s3.md, "Signing".
//
// The signer is a pure function of the request and the date it is given, so it is checked
// against the published AWS test vectors; HttpRequest::sign calls it with a fresh date before
// every attempt.
#include <cstdint>
#include <string>

#include "storage/http/http_client.h"

namespace sluice {

struct SigV4Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // temporary credentials (STS); sent as x-amz-security-token
};

// What a signature is computed from; exposed so tests compare each step with the vectors.
struct SigV4Signature {
  std::string canonical_request;
  std::string string_to_sign;
  std::string authorization;  // the Authorization header's value
};

class SigV4Signer {
 public:
  // service: "s3" for S3 and S3-compatible stores ("service" in the generic test suite).
  // add_content_sha256: S3 requires an x-amz-content-sha256 header on every request; other
  // AWS services (and the generic test vectors) do not sign one.
  SigV4Signer(SigV4Credentials credentials, std::string region, std::string service,
              bool add_content_sha256 = true);

  // Sets x-amz-date (amz_date, "YYYYMMDDTHHMMSSZ"), x-amz-security-token (with a session
  // token), x-amz-content-sha256 (if enabled and absent: SHA-256 of the body) and Authorization,
  // replacing any earlier values, so signing the same request again for a retry is safe.
  void Sign(HttpRequest& request, const std::string& amz_date) const;
  // Sign() with the current UTC time.
  void SignNow(HttpRequest& request) const;

  // The signature of `request` exactly as it is (no headers added): signs every header it has
  // except Authorization and transport headers (User-Agent, Content-Length, Expect, ...), plus
  // Host taken from the URL when the request has none.
  SigV4Signature Compute(const HttpRequest& request, const std::string& amz_date) const;

 private:
  SigV4Credentials credentials_;
  std::string region_;
  std::string service_;
  bool add_content_sha256_;
};

// "YYYYMMDDTHHMMSSZ" for a time in seconds since the epoch.
std::string AmzDate(int64_t epoch_seconds);
// Lower-case hex SHA-256 of `data`.
std::string Sha256Hex(const std::string& data);
// Percent-encoding by the SigV4 rules: everything but A-Z a-z 0-9 - . _ ~ is encoded as %XX
// (upper-case hex), byte by byte; '/' is kept when keep_slash (object key paths).
std::string AwsUriEncode(const std::string& s, bool keep_slash);
// Decodes %XX sequences; a '%' not followed by two hex digits stays as is. '+' is kept unless
// plus_is_space (form encoding, as in S3's encoding-type=url listings).
std::string PercentDecode(const std::string& s, bool plus_is_space = false);

}  // namespace sluice
