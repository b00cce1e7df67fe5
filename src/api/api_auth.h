#pragma once
// Authentication of API requests (config: client.auth, docs/pipeline-reference.md): bearer
// token, API key in a header or the query string, HTTP basic, OAuth2 client credentials (the
// token is fetched at token_url, cached until shortly before it expires, and fetched again after
// a 401). Secrets never reach error messages.
#include <atomic>
#include <memory>

#include "config/pipeline_config.h"
#include "storage/http/http_client.h"

namespace sluice {

class ApiAuth {
 public:
  virtual ~ApiAuth() = default;
  // Adds credentials to the request (headers or query). Thread-safe; may fetch a token.
  virtual void Apply(HttpRequest& request) = 0;
  // Called after a 401: drops a cached token. True if a retry may succeed (a new token will be
  // fetched); false for static credentials.
  virtual bool OnUnauthorized() { return false; }
};

// `http` is used for token requests and must outlive the result; so must `cancelled`, which
// (when set) aborts a token request in progress like HttpRequest::cancelled.
std::unique_ptr<ApiAuth> MakeApiAuth(const AuthConfig& config, const HttpClient* http,
                                     const std::atomic<bool>* cancelled = nullptr);

}  // namespace sluice
