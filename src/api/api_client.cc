#include "api/api_client.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cmath>
#include <ctime>

#include "api/url.h"
#include "core/error.h"

namespace sluice {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Sets a header, replacing one of the same name (case-insensitive).
void SetHeader(HttpHeaders* headers, const std::string& name, const std::string& value) {
  const std::string lower = Lower(name);
  headers->erase(std::remove_if(headers->begin(), headers->end(),
                                [&](const auto& h) { return Lower(h.first) == lower; }),
                 headers->end());
  headers->emplace_back(name, value);
}

bool HasHeader(const HttpHeaders& headers, const std::string& name) {
  const std::string lower = Lower(name);
  return std::any_of(headers.begin(), headers.end(),
                     [&](const auto& h) { return Lower(h.first) == lower; });
}

// Configured durations are clamped to [0, 1 day] (NaN: 0) before the conversion, which would be
// undefined for values out of int64 range.
double ClampSeconds(double seconds) {
  if (!(seconds > 0)) return 0;
  return std::min(seconds, 86400.0);
}

std::chrono::milliseconds Millis(double seconds) {
  return std::chrono::milliseconds(
      static_cast<int64_t>(std::llround(ClampSeconds(seconds) * 1000)));
}

HttpOptions OptionsFor(const ClientConfig& config) {
  // TLS settings (CA file, insecure emulators) still come from the environment.
  HttpOptions options = HttpOptions::FromEnvironment();
  options.max_attempts = std::max(1, config.max_attempts);
  options.backoff_base = Millis(config.backoff_base_s);
  options.backoff_max = Millis(config.backoff_max_s);
  options.connect_timeout = std::chrono::seconds(
      std::max<int64_t>(1, std::llround(ClampSeconds(config.connect_timeout_s))));
  options.timeout = Millis(config.timeout_s);
  return options;
}

}  // namespace

struct ApiClient::Impl {
  explicit Impl(const ClientConfig& c) : config(c), http(OptionsFor(c)) {
    auth = MakeApiAuth(config.auth, &http, &cancelled);
  }
  ClientConfig config;
  HttpClient http;
  std::unique_ptr<ApiAuth> auth;
  std::atomic<uint64_t> attempts{0};
  std::atomic<bool> cancelled{false};
};

ApiClient::ApiClient(const ClientConfig& config)
    : impl_(std::make_shared<Impl>(config)),
      limiter_(std::make_unique<RateLimiter>(config.requests_per_second, config.burst,
                                             config.max_concurrency)) {}

std::string ApiClient::UrlFor(const PageRequest& page) const {
  std::string url = JoinUrl(impl_->config.base_url, page.url);
  // Page parameters win over client parameters of the same name; a next link's own query
  // already says what it needs, so its parameters are not sent twice.
  std::vector<std::pair<std::string, std::string>> params(impl_->config.params.begin(),
                                                          impl_->config.params.end());
  for (const auto& [name, value] : page.params) {
    auto same = std::find_if(params.begin(), params.end(),
                             [&n = name](const auto& p) { return p.first == n; });
    if (same != params.end()) {
      same->second = value;
    } else {
      params.emplace_back(name, value);
    }
  }
  const std::vector<std::string> present = QueryParamNames(url);
  for (const auto& [name, value] : params) {
    if (std::find(present.begin(), present.end(), UriEncode(name, false)) != present.end()) {
      continue;
    }
    url = AppendQueryParam(url, name, value);
  }
  return url;
}

HttpResponse ApiClient::Send(const PageRequest& page, const std::string& method,
                             const std::map<std::string, std::string>& extra_headers,
                             bool allow_not_found) {
  if (impl_->cancelled.load()) {
    throw Error(ErrorKind::kIo, method + " " + UrlForDisplay(UrlFor(page)) + " cancelled");
  }
  RateLimiter::Slot slot(limiter_.get());
  HttpRequest request;
  request.method = method;
  request.url = UrlFor(page);
  request.headers.emplace_back("Accept", "application/json");
  for (const auto& [name, value] : impl_->config.headers) SetHeader(&request.headers, name, value);
  for (const auto& [name, value] : extra_headers) SetHeader(&request.headers, name, value);
  if (!page.json_body.empty()) {
    request.body = page.json_body;
    if (!HasHeader(request.headers, "Content-Type")) {
      request.headers.emplace_back("Content-Type", "application/json");
    }
  }
  // Runs before every attempt: each one is counted against the rate limit and carries
  // credentials that are valid now (a token may have been refreshed meanwhile).
  std::shared_ptr<Impl> impl = impl_;
  RateLimiter* limiter = limiter_.get();
  request.sign = [impl, limiter](HttpRequest& r) {
    limiter->AcquireToken();
    impl->attempts++;
    impl->auth->Apply(r);
  };
  request.cancelled = &impl_->cancelled;
  // A server-announced wait (Retry-After, X-RateLimit-Reset on 429/503) holds off every request
  // of the source, not only the one that got it.
  request.on_server_wait = [limiter](std::chrono::seconds wait) {
    limiter->PauseUntil(std::chrono::steady_clock::now() + wait);
  };
  HttpResponse response = impl_->http.Send(request);
  if (response.status == 401 && impl_->auth->OnUnauthorized()) {
    response = impl_->http.Send(request);
  }
  if (response.status >= 200 && response.status <= 299) {
    // The quota is used up: nothing more goes out before it resets.
    std::string remaining = response.Header("x-ratelimit-remaining");
    std::string reset = response.Header("x-ratelimit-reset");
    if (remaining.empty()) {
      remaining = response.Header("ratelimit-remaining");
      reset = response.Header("ratelimit-reset");
    }
    if (remaining == "0" && !reset.empty()) {
      const int64_t wait = HttpClient::ParseRateLimitReset(reset, ::time(nullptr));
      if (wait > 0) {
        const int64_t capped =
            std::min<int64_t>(wait, impl_->http.options().max_server_wait.count());
        limiter_->PauseUntil(std::chrono::steady_clock::now() + std::chrono::seconds(capped));
      }
    }
    return response;
  }
  if (response.status == 404 && allow_not_found) return response;
  std::string start = response.body.substr(0, 200);
  for (char& c : start) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  throw Error(ErrorKind::kIo,
              method + " " + UrlForDisplay(request.url) + ": HTTP " +
                  std::to_string(response.status) + (start.empty() ? "" : ": " + start),
              HttpClient::IsRetriableStatus(response.status));
}

void ApiClient::Cancel() {
  impl_->cancelled.store(true);
  limiter_->Cancel();
}

void ApiClient::Resume() {
  limiter_->Resume();
  impl_->cancelled.store(false);
}

uint64_t ApiClient::requests_sent() const {
  return impl_->attempts.load();
}

}  // namespace sluice
