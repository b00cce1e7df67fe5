#include "api/api_auth.h"

#include <openssl/evp.h>
#include <simdjson.h>

#include <chrono>
#include <cmath>
#include <mutex>

#include "api/url.h"
#include "config/secrets.h"
#include "core/error.h"

namespace sluice {
namespace {

std::string Base64(const std::string& in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()),
                                static_cast<int>(in.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

class StaticHeaderAuth : public ApiAuth {
 public:
  StaticHeaderAuth(std::string name, std::string value)
      : name_(std::move(name)), value_(std::move(value)) {}
  void Apply(HttpRequest& request) override { request.headers.emplace_back(name_, value_); }

 private:
  std::string name_, value_;
};

class QueryKeyAuth : public ApiAuth {
 public:
  QueryKeyAuth(std::string name, std::string value)
      : name_(std::move(name)), value_(std::move(value)) {}
  void Apply(HttpRequest& request) override {
    request.url = AppendQueryParam(request.url, name_, value_);
  }

 private:
  std::string name_, value_;
};

// OAuth2 client credentials (RFC 6749 section 4.4). The token is shared by every thread and
// fetched again shortly before it expires or after the API said 401.
class OAuth2ClientCredentials : public ApiAuth {
 public:
  OAuth2ClientCredentials(AuthConfig config, const HttpClient* http,
                          const std::atomic<bool>* cancelled)
      : config_(std::move(config)), http_(http), cancelled_(cancelled) {
    if (!http_) {
      owned_http_ = std::make_unique<HttpClient>();
      http_ = owned_http_.get();
    }
  }

  void Apply(HttpRequest& request) override {
    std::string header;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (token_.empty() || (refresh_at_ && Clock::now() >= *refresh_at_)) Fetch();
      header = token_type_ + " " + token_;
    }
    request.headers.emplace_back("Authorization", header);
  }

  bool OnUnauthorized() override {
    std::lock_guard<std::mutex> lock(mu_);
    token_.clear();
    return true;
  }

 private:
  using Clock = std::chrono::steady_clock;

  [[noreturn]] void Fail(const std::string& why) const {
    throw Error(ErrorKind::kIo,
                "OAuth2 token request to " + UrlForDisplay(config_.token_url) + " failed: " + why);
  }

  void Fetch() {
    HttpRequest request;
    request.method = "POST";
    request.url = config_.token_url;
    request.cancelled = cancelled_;
    request.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                       {"Accept", "application/json"}};
    std::string form = "grant_type=client_credentials";
    auto add = [&form](const std::string& name, const std::string& value) {
      form += "&" + UriEncode(name, false) + "=" + UriEncode(value, false);
    };
    if (!config_.scope.empty()) add("scope", config_.scope);
    for (const auto& [name, value] : config_.token_params) add(name, value);
    if (config_.client_auth_in_body) {
      add("client_id", config_.client_id);
      add("client_secret", config_.client_secret);
    } else {
      // RFC 6749 2.3.1: id and secret are form-encoded before they are joined.
      const std::string credential = Base64(UriEncode(config_.client_id, false) + ":" +
                                            UriEncode(config_.client_secret, false));
      RegisterSecret(credential);
      request.headers.emplace_back("Authorization", "Basic " + credential);
    }
    request.body = form;
    HttpResponse response;
    try {
      response = http_->Send(request);
    } catch (const Error& e) {
      // HttpClient's message names the method and URL only, never the body.
      throw Error(ErrorKind::kIo, std::string("OAuth2 token request failed: ") + e.what(),
                  e.retriable());
    }
    simdjson::dom::parser parser;
    simdjson::dom::element body;
    const bool json = parser.parse(response.body).get(body) == simdjson::SUCCESS;
    if (response.status < 200 || response.status > 299) {
      // Only the standard error fields: an echoing server could put the secret in the body.
      std::string why = "HTTP " + std::to_string(response.status);
      std::string_view error, description;
      if (json && body["error"].get(error) == simdjson::SUCCESS) {
        why += ": " + std::string(error);
        if (body["error_description"].get(description) == simdjson::SUCCESS) {
          why += " (" + std::string(description) + ")";
        }
      }
      Fail(why);
    }
    if (!json) Fail("the response is not JSON");
    std::string_view token;
    if (body["access_token"].get(token) != simdjson::SUCCESS || token.empty()) {
      Fail("the response has no access_token");
    }
    std::string_view type;
    token_type_ = "Bearer";
    if (body["token_type"].get(type) == simdjson::SUCCESS && !type.empty()) {
      std::string lower(type);
      for (char& c : lower) c = char(std::tolower(static_cast<unsigned char>(c)));
      if (lower != "bearer") token_type_ = std::string(type);
    }
    double expires_in = -1;
    simdjson::dom::element expires;
    if (body["expires_in"].get(expires) == simdjson::SUCCESS) {
      double number;
      std::string_view text;
      if (expires.get(number) == simdjson::SUCCESS) {
        expires_in = number;
      } else if (expires.get(text) == simdjson::SUCCESS) {
        expires_in = std::atof(std::string(text).c_str());  // some servers quote it
      }
    }
    token_ = std::string(token);
    // An error quoting a response body (an API echoing the request) must not show it.
    RegisterSecret(token_);
    refresh_at_.reset();
    // Bounded so the conversion to the clock's integer ticks cannot overflow (1e300, inf).
    expires_in = std::min(expires_in, 365.0 * 86400);
    if (expires_in > 0) {
      // Refresh early enough that a request in flight does not carry an expiring token.
      const double margin = std::min(60.0, expires_in / 10);
      refresh_at_ = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                       std::chrono::duration<double>(expires_in - margin));
    }
  }

  const AuthConfig config_;
  const HttpClient* http_;
  const std::atomic<bool>* cancelled_;
  std::unique_ptr<HttpClient> owned_http_;
  std::mutex mu_;
  std::string token_, token_type_ = "Bearer";
  std::optional<Clock::time_point> refresh_at_;  // none: valid until a 401
};

class NoAuth : public ApiAuth {
 public:
  void Apply(HttpRequest&) override {}
};

}  // namespace

std::unique_ptr<ApiAuth> MakeApiAuth(const AuthConfig& config, const HttpClient* http,
                                     const std::atomic<bool>* cancelled) {
  switch (config.type) {
    case AuthConfig::Type::kNone:
      return std::make_unique<NoAuth>();
    case AuthConfig::Type::kBearer:
      if (config.token.empty()) throw UsageError("auth bearer: token is empty");
      return std::make_unique<StaticHeaderAuth>("Authorization", "Bearer " + config.token);
    case AuthConfig::Type::kApiKey:
      if (config.api_key.empty()) throw UsageError("auth api_key: api_key is empty");
      // The key travels percent-encoded in a query string: that form is a secret too.
      if (const std::string encoded = UriEncode(config.api_key, false); encoded != config.api_key) {
        RegisterSecret(encoded);
      }
      // Without a `name`, the default depends on where the key goes.
      if (config.location == AuthConfig::Location::kQuery) {
        return std::make_unique<QueryKeyAuth>(config.name.empty() ? "api_key" : config.name,
                                              config.api_key);
      }
      return std::make_unique<StaticHeaderAuth>(config.name.empty() ? "X-API-Key" : config.name,
                                                config.api_key);
    case AuthConfig::Type::kBasic: {
      const std::string credential = Base64(config.username + ":" + config.password);
      RegisterSecret(credential);  // base64 of the password: as secret as the password
      return std::make_unique<StaticHeaderAuth>("Authorization", "Basic " + credential);
    }
    case AuthConfig::Type::kOAuth2ClientCredentials:
      if (config.token_url.empty())
        throw UsageError("auth oauth2_client_credentials: token_url is empty");
      return std::make_unique<OAuth2ClientCredentials>(config, http, cancelled);
  }
  throw Error(ErrorKind::kInternal, "unknown auth type");
}

}  // namespace sluice
