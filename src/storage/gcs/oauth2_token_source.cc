#include "storage/gcs/oauth2_token_source.h"

#include <simdjson.h>

#include "core/error.h"
#include "core/json_string.h"
#include "storage/gcs/jwt.h"

namespace sluice {
namespace {

// Refresh this long before the server's expiry, so a token never dies in flight.
constexpr std::chrono::seconds kRefreshMargin{60};

class StaticTokenSource : public AccessTokenSource {
 public:
  explicit StaticTokenSource(std::string token) : token_(std::move(token)) {}
  std::string Token() override { return token_; }
  bool Reject(const std::string&) override { return false; }

 private:
  const std::string token_;
};

std::string FormEncode(const std::string& s) {
  return UriEncode(s, false);
}

}  // namespace

std::unique_ptr<AccessTokenSource> MakeStaticTokenSource(std::string token) {
  return std::make_unique<StaticTokenSource>(std::move(token));
}

std::string MakeServiceAccountAssertion(const ServiceAccountKey& key, int64_t issued_at_epoch_s) {
  std::string header = R"({"alg":"RS256","typ":"JWT")";
  if (!key.private_key_id.empty()) {
    header += R"(,"kid":)";
    AppendJsonString(key.private_key_id, &header);
  }
  header += "}";
  std::string claims = R"({"iss":)";
  AppendJsonString(key.client_email, &claims);
  claims += R"(,"scope":)";
  AppendJsonString(kGcsReadWriteScope, &claims);
  claims += R"(,"aud":)";
  AppendJsonString(key.token_uri, &claims);
  claims += R"(,"iat":)" + std::to_string(issued_at_epoch_s);
  claims += R"(,"exp":)" + std::to_string(issued_at_epoch_s + 3600) + "}";
  return SignJwtRs256(header, claims, key.private_key_pem);
}

ServiceAccountTokenSource::ServiceAccountTokenSource(ServiceAccountKey key, const HttpClient& http)
    : key_(std::move(key)), http_(http) {}

std::string ServiceAccountTokenSource::Token() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (token_.empty() || std::chrono::steady_clock::now() >= refresh_after_) Refresh();
  return token_;
}

bool ServiceAccountTokenSource::Reject(const std::string& token) {
  std::lock_guard<std::mutex> lock(mutex_);
  // Several requests may fail with the same token; only the first one forces a refresh.
  if (token_ == token) token_.clear();
  return true;
}

void ServiceAccountTokenSource::Refresh() {
  int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  auto requested_at = std::chrono::steady_clock::now();
  HttpRequest request;
  request.method = "POST";
  request.url = key_.token_uri;
  request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  request.body = "grant_type=" + FormEncode("urn:ietf:params:oauth:grant-type:jwt-bearer") +
                 "&assertion=" + FormEncode(MakeServiceAccountAssertion(key_, now));
  HttpResponse response = http_.Send(std::move(request));

  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  bool parsed = !parser.parse(response.body).get(doc) && doc.is_object();
  if (response.status != 200) {
    // Google answers {"error": "invalid_grant", "error_description": "..."}: safe to show.
    std::string reason = "HTTP " + std::to_string(response.status);
    std::string_view error, description;
    if (parsed && !doc["error"].get(error)) reason += ": " + std::string(error);
    if (parsed && !doc["error_description"].get(description)) {
      reason += ": " + std::string(description);
    }
    throw InputError("GCS: the token endpoint " + UrlForDisplay(key_.token_uri) +
                     " refused the service-account key of " + key_.client_email + " (" + reason +
                     ")");
  }
  std::string_view access_token;
  int64_t expires_in = 0;
  if (!parsed || doc["access_token"].get(access_token) || access_token.empty() ||
      doc["expires_in"].get(expires_in)) {
    // Never echo the body: it may hold a token.
    throw Error(ErrorKind::kIo,
                "GCS: the token endpoint " + UrlForDisplay(key_.token_uri) +
                    " answered 200 without access_token and expires_in",
                true);
  }
  token_ = std::string(access_token);
  refresh_after_ = requested_at + std::chrono::seconds(expires_in) - kRefreshMargin;
}

}  // namespace sluice
