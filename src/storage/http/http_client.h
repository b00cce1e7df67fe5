#pragma once
// A blocking HTTP(S) client on libcurl that every remote backend shares. It owns what all of
// them need to get right once: retries with exponential backoff and full jitter on 5xx, 429,
// timeouts and dropped connections, honoring Retry-After (and X-RateLimit-Reset on 429/503);
// detection of truncated bodies (a
// response shorter than its Content-Length is retried, never returned); TLS verification on by
// default; connection reuse (one curl handle per thread).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace sluice {

struct HttpOptions {
  bool verify_tls = true;  // off only for local emulators with self-signed certificates
  std::string ca_file;     // empty: the system's CA bundle
  int max_attempts = 6;    // first try included
  std::chrono::milliseconds backoff_base{200};
  std::chrono::milliseconds backoff_max{20000};
  std::chrono::seconds connect_timeout{10};
  // A transfer slower than low_speed_bytes per second for low_speed_time is abandoned and retried.
  long low_speed_bytes = 1024;
  std::chrono::seconds low_speed_time{30};
  // Whole attempt (connect to last byte); a slower attempt is abandoned and retried. 0 = none.
  std::chrono::milliseconds timeout{0};
  // Longest wait a server may ask for (Retry-After, X-RateLimit-Reset) before a retry; a longer
  // one fails the request at once (retriable) instead of parking the load.
  std::chrono::seconds max_server_wait{120};
  // Reads the environment: SLUICE_HTTP_RETRIES, SLUICE_CA_FILE, SLUICE_INSECURE_TLS=1.
  static HttpOptions FromEnvironment();
};

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method = "GET";
  std::string url;  // already percent-encoded
  HttpHeaders headers;
  std::string body;  // sent as is (PUT/POST); empty for none
  // Stop receiving after this many body bytes (0: no limit); the response then holds the first
  // max_body_bytes bytes and `body_limited` (a server that ignores Range must not make a range
  // read download the whole object).
  size_t max_body_bytes = 0;
  // Called before every attempt (so signatures carry a fresh date): may add headers. Gets the
  // request with the url, method, headers and body it will send.
  std::function<void(HttpRequest&)> sign;
  // Called with the server-announced wait (Retry-After, X-RateLimit-Reset) just before the
  // client sleeps on it, so a caller can hold off its other requests to the same server too.
  std::function<void(std::chrono::seconds)> on_server_wait;
  // When set and true, Send stops promptly: before an attempt, during a backoff or server wait
  // (polled every few milliseconds) and during a transfer (curl's progress callback), throwing a
  // non-retriable IoError "... cancelled". Must outlive the call.
  const std::atomic<bool>* cancelled = nullptr;
};

struct HttpResponse {
  long status = 0;
  HttpHeaders headers;  // names lower-cased
  std::string body;
  bool body_limited = false;  // the body was cut at HttpRequest::max_body_bytes
  // First header with this (lower-case) name, or "".
  std::string Header(const std::string& name) const;
};

class HttpClient {
 public:
  explicit HttpClient(HttpOptions options = HttpOptions::FromEnvironment());
  // Sends the request, retrying transient failures (see above). Returns the final response
  // whatever its status (the caller maps 404/403 etc. to errors); throws a retriable IoError
  // when every attempt failed at the transport level or with a retriable status, naming the
  // method, the URL without its query string, and the last error.
  HttpResponse Send(HttpRequest request) const;
  const HttpOptions& options() const { return options_; }

  // Retry policy, exposed for tests.
  static bool IsRetriableStatus(long status);
  // Seconds from a Retry-After value (delta-seconds or an HTTP-date); -1 if unparsable.
  static int64_t ParseRetryAfter(const std::string& value, int64_t now_epoch_seconds);
  // Seconds from an X-RateLimit-Reset value: epoch seconds when above 10^9, else delta
  // seconds; -1 if unparsable.
  static int64_t ParseRateLimitReset(const std::string& value, int64_t now_epoch_seconds);
  // How long the server asked a retriable response to wait before the next attempt, in seconds:
  // Retry-After; on 429/503 without it, X-RateLimit-Reset or RateLimit-Reset (delta); -1 = none.
  static int64_t ServerWaitSeconds(const HttpResponse& response, int64_t now_epoch_seconds);

 private:
  HttpOptions options_;
};

// Percent-encodes per RFC 3986 (unreserved characters kept); '/' kept when keep_slash.
std::string UriEncode(const std::string& s, bool keep_slash);
// The URL without its query string and user:password (safe to print: SAS tokens, signatures
// and basic-auth credentials live there).
std::string UrlForDisplay(const std::string& url);

}  // namespace sluice
