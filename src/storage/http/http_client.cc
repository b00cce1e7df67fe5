#include "storage/http/http_client.h"

#include <curl/curl.h>
#include <time.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <mutex>
#include <random>
#include <thread>

#include "core/error.h"

namespace sluice {
namespace {

// One curl handle per thread: curl handles are not thread-safe, and reusing one keeps its
// connection cache (keep-alive, TLS sessions) across requests.
struct ThreadHandle {
  CURL* curl = nullptr;
  ~ThreadHandle() {
    if (curl) curl_easy_cleanup(curl);
  }
};

CURL* HandleForThisThread() {
  static std::once_flag global_init;
  std::call_once(global_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  thread_local ThreadHandle handle;
  if (!handle.curl) {
    handle.curl = curl_easy_init();
    if (!handle.curl) throw Error(ErrorKind::kInternal, "curl_easy_init failed");
  } else {
    curl_easy_reset(handle.curl);
  }
  return handle.curl;
}

std::string Lower(std::string s) {
  for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) b++;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) e--;
  return s.substr(b, e - b);
}

struct BodySink {
  HttpResponse* response;
  size_t limit;  // 0: none
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<BodySink*>(user);
  std::string& body = sink->response->body;
  const size_t n = size * count;
  if (sink->limit && body.size() + n > sink->limit) {
    body.append(data, sink->limit - body.size());
    sink->response->body_limited = true;
    return 0;  // curl aborts the transfer with CURLE_WRITE_ERROR
  }
  body.append(data, n);
  return n;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* headers = static_cast<HttpHeaders*>(user);
  const std::string line(data, size * count);
  // A new status line (after a redirect or "100 Continue") starts a new header set.
  if (line.rfind("HTTP/", 0) == 0) {
    headers->clear();
  } else if (const size_t colon = line.find(':'); colon != std::string::npos) {
    headers->emplace_back(Lower(Trim(line.substr(0, colon))), Trim(line.substr(colon + 1)));
  }
  return size * count;
}

bool HasHeader(const HttpHeaders& headers, const std::string& lower_name) {
  for (const auto& [name, value] : headers) {
    if (Lower(name) == lower_name) return true;
  }
  return false;
}

// Transport failures worth another attempt: the network, the peer or a timeout, not a bad URL
// or a certificate that does not verify.
bool IsRetriableCurlError(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_AGAIN:
      return true;
    default:
      return false;
  }
}

int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* cancelled = static_cast<const std::atomic<bool>*>(user);
  return cancelled->load() ? 1 : 0;  // non-zero aborts with CURLE_ABORTED_BY_CALLBACK
}

bool IsCancelled(const HttpRequest& request) {
  return request.cancelled && request.cancelled->load();
}

[[noreturn]] void ThrowCancelled(const HttpRequest& request) {
  throw Error(ErrorKind::kIo, request.method + " " + UrlForDisplay(request.url) + " cancelled");
}

// Sleeps for `wait`, returning early (false) once the request is cancelled.
bool SleepUnlessCancelled(const HttpRequest& request, std::chrono::milliseconds wait) {
  if (!request.cancelled) {
    std::this_thread::sleep_for(wait);
    return true;
  }
  const auto until = std::chrono::steady_clock::now() + wait;
  for (;;) {
    if (request.cancelled->load()) return false;
    const auto now = std::chrono::steady_clock::now();
    if (now >= until) return true;
    std::this_thread::sleep_for(
        std::min<std::chrono::steady_clock::duration>(until - now, std::chrono::milliseconds(10)));
  }
}

struct Attempt {
  CURLcode code = CURLE_OK;
  std::string curl_error;
  HttpResponse response;
};

Attempt Perform(const HttpRequest& request, const HttpOptions& options) {
  CURL* curl = HandleForThisThread();
  Attempt attempt;
  char error_buffer[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options.connect_timeout.count() * 1000));
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, options.low_speed_bytes);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, static_cast<long>(options.low_speed_time.count()));
  if (options.timeout.count() > 0) {
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout.count()));
  }
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, options.verify_tls ? 1L : 0L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, options.verify_tls ? 2L : 0L);
  if (!options.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, options.ca_file.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  // Redirects are followed only for unsigned requests: a signature covers host and path, so a
  // redirected signed request would fail anyway, and credentials must not travel to another host.
  if (!request.sign) {
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  }
  BodySink sink{&attempt.response, request.max_body_bytes};
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &attempt.response.headers);
  if (request.cancelled) {
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, OnProgress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, const_cast<std::atomic<bool>*>(request.cancelled));
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  }

  if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (request.method != "GET" || !request.body.empty()) {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
  }
  curl_slist* headers = nullptr;
  for (const auto& [name, value] : request.headers) {
    headers = curl_slist_append(headers, (name + ": " + value).c_str());
  }
  // curl would add a form Content-Type to bodies and "Expect: 100-continue" to large ones;
  // neither is wanted (and a Content-Type the signer did not see breaks Azure's SharedKey).
  if (!HasHeader(request.headers, "content-type")) {
    headers = curl_slist_append(headers, "Content-Type:");
  }
  headers = curl_slist_append(headers, "Expect:");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);

  attempt.code = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  if (attempt.code == CURLE_WRITE_ERROR && attempt.response.body_limited) {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &attempt.response.status);
    attempt.code = CURLE_OK;
    return attempt;  // cut on purpose: no length check
  }
  if (attempt.code != CURLE_OK) {
    attempt.curl_error = error_buffer[0] ? error_buffer : curl_easy_strerror(attempt.code);
    return attempt;
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &attempt.response.status);
  // curl reports a body shorter than Content-Length as CURLE_PARTIAL_FILE; this also catches a
  // longer one and responses curl could not check.
  if (request.method != "HEAD" && attempt.response.status != 204 &&
      attempt.response.status != 304) {
    const std::string length = attempt.response.Header("content-length");
    if (!length.empty() && attempt.response.Header("content-encoding").empty()) {
      char* end = nullptr;
      const unsigned long long expected = std::strtoull(length.c_str(), &end, 10);
      if (end && *end == '\0' && expected != attempt.response.body.size()) {
        attempt.code = CURLE_PARTIAL_FILE;
        attempt.curl_error = "body has " + std::to_string(attempt.response.body.size()) +
                             " bytes, Content-Length says " + length;
      }
    }
  }
  return attempt;
}

std::chrono::milliseconds Backoff(const HttpOptions& options, int attempt) {
  // Full jitter: uniform in [0, min(max, base * 2^attempt)] spreads clients that failed together.
  // Doubling stops once the cap is reached, so neither a huge base nor many attempts overflow.
  // (A day at most: longer waits are configuration mistakes, and the deadline must not overflow.)
  const int64_t max = std::clamp<int64_t>(options.backoff_max.count(), 0, 86400000);
  int64_t cap = std::clamp<int64_t>(options.backoff_base.count(), 0, max);
  for (int i = 0; i < attempt && cap < max; i++) cap = cap > max / 2 ? max : cap * 2;
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_int_distribution<int64_t> dist(0, cap);
  return std::chrono::milliseconds(dist(rng));
}

}  // namespace

HttpOptions HttpOptions::FromEnvironment() {
  HttpOptions options;
  if (const char* retries = std::getenv("SLUICE_HTTP_RETRIES"); retries && *retries) {
    options.max_attempts = std::max(1, std::atoi(retries) + 1);
  }
  if (const char* ca = std::getenv("SLUICE_CA_FILE"); ca && *ca) options.ca_file = ca;
  if (const char* insecure = std::getenv("SLUICE_INSECURE_TLS");
      insecure && std::string(insecure) == "1") {
    options.verify_tls = false;
  }
  return options;
}

std::string HttpResponse::Header(const std::string& name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return "";
}

HttpClient::HttpClient(HttpOptions options) : options_(std::move(options)) {}

bool HttpClient::IsRetriableStatus(long status) {
  return status == 408 || status == 429 || (status >= 500 && status <= 599 && status != 501);
}

int64_t HttpClient::ParseRetryAfter(const std::string& value, int64_t now_epoch_seconds) {
  const std::string v = Trim(value);
  if (v.empty()) return -1;
  if (std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return v.size() > 9 ? -1 : std::stoll(v);
  }
  struct tm tm {};
  const char* end = strptime(v.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (!end || *end != '\0') return -1;
  return std::max<int64_t>(0, static_cast<int64_t>(timegm(&tm)) - now_epoch_seconds);
}

int64_t HttpClient::ParseRateLimitReset(const std::string& value, int64_t now_epoch_seconds) {
  const std::string v = Trim(value);
  if (v.empty() || v.size() > 12 ||
      !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return -1;
  }
  const int64_t n = std::stoll(v);
  // GitHub and most others send an epoch time; some send the seconds left.
  if (n > 1000000000) return std::max<int64_t>(0, n - now_epoch_seconds);
  return n;
}

int64_t HttpClient::ServerWaitSeconds(const HttpResponse& response, int64_t now_epoch_seconds) {
  if (const std::string retry_after = response.Header("retry-after"); !retry_after.empty()) {
    return ParseRetryAfter(retry_after, now_epoch_seconds);
  }
  if (response.status != 429 && response.status != 503) return -1;
  if (const std::string reset = response.Header("x-ratelimit-reset"); !reset.empty()) {
    return ParseRateLimitReset(reset, now_epoch_seconds);
  }
  // The IETF draft's RateLimit-Reset is always delta seconds.
  const std::string reset = Trim(response.Header("ratelimit-reset"));
  if (reset.empty() || reset.size() > 9 ||
      !std::all_of(reset.begin(), reset.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return -1;
  }
  return std::stoll(reset);
}

HttpResponse HttpClient::Send(HttpRequest request) const {
  const HttpHeaders unsigned_headers = request.headers;
  std::string last_error;
  for (int attempt = 0;; attempt++) {
    HttpRequest signed_request = request;
    signed_request.headers = unsigned_headers;
    if (IsCancelled(request)) ThrowCancelled(request);
    if (request.sign) request.sign(signed_request);
    if (IsCancelled(request)) ThrowCancelled(request);
    Attempt result = Perform(signed_request, options_);
    if (result.code == CURLE_ABORTED_BY_CALLBACK && IsCancelled(request)) ThrowCancelled(request);
    std::chrono::milliseconds wait = Backoff(options_, attempt);
    if (result.code != CURLE_OK) {
      last_error = result.curl_error;
      if (!IsRetriableCurlError(result.code)) {
        throw Error(ErrorKind::kIo,
                    request.method + " " + UrlForDisplay(request.url) + " failed: " + last_error);
      }
    } else if (IsRetriableStatus(result.response.status)) {
      last_error = "HTTP " + std::to_string(result.response.status);
      const int64_t server_wait =
          ServerWaitSeconds(result.response, static_cast<int64_t>(::time(nullptr)));
      // Honor the server's wait, bounded so a hostile or far-off reset cannot park a load.
      if (server_wait > options_.max_server_wait.count()) {
        throw Error(ErrorKind::kIo,
                    request.method + " " + UrlForDisplay(request.url) + ": HTTP " +
                        std::to_string(result.response.status) + " asks to wait " +
                        std::to_string(server_wait) + " s before retrying, more than the " +
                        std::to_string(options_.max_server_wait.count()) + " s allowed",
                    /*retriable=*/true);
      }
      if (server_wait >= 0) {
        wait = std::max(wait, std::chrono::milliseconds(server_wait * 1000));
        if (server_wait > 0 && request.on_server_wait && attempt + 1 < options_.max_attempts) {
          request.on_server_wait(std::chrono::seconds(server_wait));
        }
      }
    } else {
      return std::move(result.response);
    }
    if (attempt + 1 >= options_.max_attempts) break;
    if (!SleepUnlessCancelled(request, wait)) ThrowCancelled(request);
  }
  throw Error(ErrorKind::kIo,
              request.method + " " + UrlForDisplay(request.url) + " failed after " +
                  std::to_string(options_.max_attempts) + " attempts: " + last_error,
              /*retriable=*/true);
}

std::string UriEncode(const std::string& s, bool keep_slash) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3);
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' ||
        (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string UrlForDisplay(const std::string& url) {
  std::string out = url.substr(0, url.find('?'));
  // "https://user:password@host/x" -> "https://host/x"
  if (const size_t scheme_end = out.find("://"); scheme_end != std::string::npos) {
    const size_t authority = scheme_end + 3;
    const size_t at = out.find('@', authority);
    if (at != std::string::npos && at < out.find('/', authority))
      out.erase(authority, at + 1 - authority);
  }
  return out;
}

}  // namespace sluice
