#pragma once
// The HTTP side of an API source: joins base_url, path and parameters, adds headers and
// credentials, takes a rate-limit token before every attempt, and sends through HttpClient
// (retries with backoff and jitter on 429/5xx/transport errors, honoring Retry-After and
// X-RateLimit-Reset; such a server-announced wait pauses every request of the source through the
// rate limiter). A 401 with OAuth2 refreshes the token once. Cancel() aborts a load promptly.
#include <memory>
#include <string>

#include "api/api_auth.h"
#include "api/paginator.h"
#include "api/rate_limiter.h"
#include "config/pipeline_config.h"
#include "storage/http/http_client.h"

namespace sluice {

class ApiClient {
 public:
  explicit ApiClient(const ClientConfig& config);
  // Sends one page request (method GET, or POST with a JSON body). Returns the response when its
  // status is 2xx, or 404 and `allow_not_found`. Any other final status throws IoError naming
  // the method, UrlForDisplay(url), the status and the start of the body (retriable for
  // 429/5xx so a caller may retry the whole resource later).
  HttpResponse Send(const PageRequest& page, const std::string& method,
                    const std::map<std::string, std::string>& extra_headers,
                    bool allow_not_found = false);
  // The absolute URL the request goes to (base_url joined, parameters encoded).
  std::string UrlFor(const PageRequest& page) const;
  RateLimiter& limiter() { return *limiter_; }
  // Aborts the load: Send calls in progress (in a transfer, a backoff or server wait, or waiting
  // for the rate limiter) and every later one throw a non-retriable IoError "... cancelled"
  // within a few milliseconds. Thread-safe; cannot be undone.
  void Cancel();
  // Accepts requests again once every cancelled call has returned (the next resource of the
  // source shares this client, its token bucket and its server-announced pauses).
  void Resume();
  uint64_t requests_sent() const;  // attempts, retries included

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
  std::unique_ptr<RateLimiter> limiter_;
};

}  // namespace sluice
