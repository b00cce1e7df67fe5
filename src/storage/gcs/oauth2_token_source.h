#pragma once
// OAuth2 access tokens for the GCS JSON API. Either a token given directly (used as is), or
// Google's server-to-server flow for service accounts ("Using OAuth 2.0 for Server to Server
// Applications"): an RS256-signed JWT assertion is POSTed to the key's token_uri and exchanged
// for an access token, which is cached until a minute before it expires.
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "storage/gcs/gcs_config.h"
#include "storage/http/http_client.h"

namespace sluice {

inline constexpr char kGcsReadWriteScope[] =
    "https://www.googleapis.com/auth/devstorage.read_write";

class AccessTokenSource {
 public:
  virtual ~AccessTokenSource() = default;
  // A token to send as "Authorization: Bearer ..."; thread-safe.
  virtual std::string Token() = 0;
  // The storage API answered 401 to `token`: forget it, so the next Token() fetches a fresh one.
  // Returns false when the source cannot produce a different token (a token given directly).
  virtual bool Reject(const std::string& token) = 0;
};

std::unique_ptr<AccessTokenSource> MakeStaticTokenSource(std::string token);

// The assertion Google's token endpoint expects: header {"alg":"RS256","typ":"JWT","kid":...},
// claims iss = client_email, scope, aud = token_uri, iat, exp = iat + 3600.
std::string MakeServiceAccountAssertion(const ServiceAccountKey& key, int64_t issued_at_epoch_s);

class ServiceAccountTokenSource : public AccessTokenSource {
 public:
  // `http` must outlive the source.
  ServiceAccountTokenSource(ServiceAccountKey key, const HttpClient& http);
  // Returns the cached token while it has more than 60 s to live; otherwise one caller fetches
  // a new one while the others wait for it (no thundering herd at expiry).
  std::string Token() override;
  bool Reject(const std::string& token) override;

 private:
  void Refresh();  // called with mutex_ held

  const ServiceAccountKey key_;
  const HttpClient& http_;
  std::mutex mutex_;
  std::string token_;
  std::chrono::steady_clock::time_point refresh_after_;
};

}  // namespace sluice
