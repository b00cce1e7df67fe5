#include "api/test_api_server_test_util.h"

#include <httplib.h>
#include <openssl/evp.h>
#include <simdjson.h>

#include <algorithm>
#include <ctime>
#include <stdexcept>

#include "api/json_path.h"
#include "core/error.h"
#include "storage/http/http_client.h"

namespace sluice::testing {
namespace {

std::string Base64(const std::string& in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()),
                                static_cast<int>(in.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

int IntParam(const httplib::Request& req, const char* name, int fallback) {
  if (!req.has_param(name)) return fallback;
  try {
    return std::stoi(req.get_param_value(name));
  } catch (const std::exception&) {
    return fallback;
  }
}

void Json(httplib::Response& res, int status, const std::string& body) {
  res.status = status;
  res.set_content(body, "application/json");
}

// "o<offset>" <-> offset; anything else is the start.
int CursorOffset(const std::string& cursor) {
  if (cursor.size() < 2 || cursor[0] != 'o') return 0;
  try {
    return std::stoi(cursor.substr(1));
  } catch (const std::exception&) {
    return 0;
  }
}

}  // namespace

ApiTestServer::ApiTestServer(int records)
    : server_(std::make_unique<httplib::Server>()), records_(records) {}

ApiTestServer::~ApiTestServer() {
  if (thread_.joinable()) {
    server_->stop();
    thread_.join();
  }
}

std::string ApiTestServer::UpdatedAt(int id) const {
  int minute = id;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = touched_.find(id); it != touched_.end()) minute = it->second;
  }
  struct tm base {};
  base.tm_year = 2026 - 1900;
  base.tm_mday = 1;
  const time_t t = timegm(&base) + static_cast<time_t>(minute) * 60;
  struct tm out {};
  gmtime_r(&t, &out);
  char text[32];
  strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &out);
  return text;
}

std::string ApiTestServer::RecordJson(int id) const {
  const std::string i = std::to_string(id);
  return "{\"id\":" + i + ",\"name\":\"item-" + i + "\",\"value\":" + std::to_string(id * 10) +
         ",\"status\":\"" + (id % 2 ? "open" : "closed") + "\",\"updated_at\":\"" + UpdatedAt(id) +
         "\",\"user\":{\"login\":\"u" + std::to_string(id % 4) + "\"},\"tags\":[\"t" +
         std::to_string(id % 3) + "\"]}";
}

std::vector<std::string> ApiTestServer::Selected(const httplib::Request& req) const {
  const std::string since = req.get_param_value("updated_since");
  std::vector<std::string> out;
  const int n = records_;
  for (int id = 1; id <= n; id++) {
    if (!since.empty() && UpdatedAt(id) < since) continue;
    out.push_back(RecordJson(id));
  }
  return out;
}

void ApiTestServer::Touch(int id) {
  std::lock_guard<std::mutex> lock(mu_);
  int newest = records_;
  for (const auto& [other, minute] : touched_) newest = std::max(newest, minute);
  touched_[id] = newest + 1;
}

std::string ApiTestServer::ItemsJson(const std::vector<std::string>& records, int offset,
                                     int count) const {
  std::string out = "[";
  const int n = static_cast<int>(records.size());
  for (int k = std::max(0, offset); k < std::min(n, offset + count); k++) {
    if (out.size() > 1) out += ',';
    out += records[static_cast<size_t>(k)];
  }
  return out + "]";
}

std::string ApiTestServer::Link(const std::string& path_and_query) const {
  return relative_links_ ? path_and_query : base_url_ + path_and_query;
}

void ApiTestServer::set_bearer_token(const std::string& token) {
  std::lock_guard<std::mutex> lock(mu_);
  bearer_token_ = token;
}
void ApiTestServer::set_api_key(const std::string& name, const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  key_name_ = name;
  api_key_ = key;
}
void ApiTestServer::set_basic(const std::string& user, const std::string& password) {
  std::lock_guard<std::mutex> lock(mu_);
  user_ = user;
  password_ = password;
}
void ApiTestServer::set_oauth_client(const std::string& id, const std::string& secret) {
  std::lock_guard<std::mutex> lock(mu_);
  client_id_ = id;
  client_secret_ = secret;
}
void ApiTestServer::set_token_body(const std::string& body) {
  std::lock_guard<std::mutex> lock(mu_);
  token_body_ = body;
}
void ApiTestServer::ExpireTokens() {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [token, expiry] : tokens_) expiry = std::chrono::steady_clock::now();
}
void ApiTestServer::FailNext(int n, Failure failure) {
  std::lock_guard<std::mutex> lock(mu_);
  for (int i = 0; i < n; i++) failures_.push_back(failure);
}
std::vector<ApiRequestLog> ApiTestServer::log() const {
  std::lock_guard<std::mutex> lock(mu_);
  return log_;
}
void ApiTestServer::ClearLog() {
  std::lock_guard<std::mutex> lock(mu_);
  log_.clear();
}

// Auth, then injected failures; false when the response is already decided.
bool ApiTestServer::Admit(const httplib::Request& req, httplib::Response& res) {
  const int number = ++data_requests_;
  if (delay_ms_ > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms_.load()));
  std::unique_lock<std::mutex> lock(mu_);
  bool ok = true;
  const std::string authorization = req.get_header_value("Authorization");
  switch (auth_.load()) {
    case Auth::kNone:
      break;
    case Auth::kBearer:
      ok = authorization == "Bearer " + bearer_token_;
      break;
    case Auth::kApiKeyHeader:
      ok = req.get_header_value(key_name_.empty() ? "X-API-Key" : key_name_) == api_key_;
      break;
    case Auth::kApiKeyQuery:
      ok = req.get_param_value(key_name_.empty() ? "api_key" : key_name_) == api_key_;
      break;
    case Auth::kBasic:
      ok = authorization == "Basic " + Base64(user_ + ":" + password_);
      break;
    case Auth::kOAuth2: {
      ok = false;
      if (authorization.rfind("Bearer ", 0) == 0) {
        auto it = tokens_.find(authorization.substr(7));
        ok = it != tokens_.end() && std::chrono::steady_clock::now() < it->second;
      }
      break;
    }
  }
  if (!ok) {
    Json(res, 401, "{\"error\":\"unauthorized\"}");
    return false;
  }
  std::optional<Failure> failure;
  if (!failures_.empty()) {
    failure = failures_.front();
    failures_.pop_front();
  } else if (fail_every_ > 0 && number % fail_every_ == 0) {
    failure = Failure::k500;
  }
  lock.unlock();
  if (!failure) {
    if (quota_exhausted_) {
      res.set_header("X-RateLimit-Remaining", "0");
      res.set_header("X-RateLimit-Reset", std::to_string(::time(nullptr) + rate_limit_reset_s_));
    }
    return true;
  }
  switch (*failure) {
    case Failure::k500:
      Json(res, 500, "{\"error\":\"boom\"}");
      break;
    case Failure::k429RetryAfter:
      res.set_header("Retry-After", "1");
      Json(res, 429, "{\"error\":\"slow down\"}");
      break;
    case Failure::k429RateLimitReset:
      res.set_header("X-RateLimit-Remaining", "0");
      res.set_header("X-RateLimit-Reset", std::to_string(::time(nullptr) + rate_limit_reset_s_));
      Json(res, 429, "{\"error\":\"rate limited\"}");
      break;
    case Failure::kMalformedJson:
      Json(res, 200, "{\"items\": [{\"id\": 1,");
      break;
  }
  return false;
}

std::string ApiTestServer::Start() {
  server_->set_keep_alive_timeout(1);
  // Every request is logged once its body is read and before its response is written.
  server_->set_post_routing_handler([this](const httplib::Request& req, httplib::Response&) {
    requests_++;
    ApiRequestLog entry;
    entry.method = req.method;
    entry.path = req.path;
    if (const size_t q = req.target.find('?'); q != std::string::npos) {
      entry.query = req.target.substr(q + 1);
    }
    for (const auto& [name, value] : req.headers) {
      std::string lower = name;
      for (char& c : lower) c = char(std::tolower(static_cast<unsigned char>(c)));
      entry.headers[lower] = value;
    }
    entry.body = req.body;
    std::lock_guard<std::mutex> lock(mu_);
    log_.push_back(std::move(entry));
  });

  server_->Get("/items/single", [this](const httplib::Request& req, httplib::Response& res) {
    if (!Admit(req, res)) return;
    const std::vector<std::string> all = Selected(req);
    const int total = static_cast<int>(all.size());
    Json(res, 200, "{\"items\":" + ItemsJson(all, 0, total) + "}");
  });

  server_->Get("/items/json_link", [this](const httplib::Request& req, httplib::Response& res) {
    if (!Admit(req, res)) return;
    const std::vector<std::string> all = Selected(req);
    const int total = static_cast<int>(all.size());
    const int page = IntParam(req, "page", 1), size = IntParam(req, "per_page", page_size_);
    if (page == malformed_page_) return Json(res, 200, "{\"items\": [{\"id\": 1,");
    const bool more = page * size < total;
    const int next_page = self_link_ ? page : page + 1;
    const std::string next = more ? "\"" +
                                        Link("/items/json_link?page=" + std::to_string(next_page) +
                                             "&per_page=" + std::to_string(size)) +
                                        "\""
                                  : "null";
    Json(res, 200,
         "{\"items\":" + ItemsJson(all, (page - 1) * size, size) + ",\"next\":" + next + "}");
  });

  server_->Get("/items/header_link", [this](const httplib::Request& req, httplib::Response& res) {
    if (!Admit(req, res)) return;
    const std::vector<std::string> all = Selected(req);
    const int total = static_cast<int>(all.size());
    const int page = IntParam(req, "page", 1), size = IntParam(req, "per_page", page_size_);
    if (page == malformed_page_) return Json(res, 200, "[{\"id\": 1,");
    const std::string per = "&per_page=" + std::to_string(size);
    std::string link = "<" + Link("/items/header_link?page=1" + per) + ">; rel=\"first\"";
    if (page * size < total) {
      const int next_page = self_link_ ? page : page + 1;
      link += ", <" + Link("/items/header_link?page=" + std::to_string(next_page) + per) +
              ">; rel=\"next\"";
    }
    res.set_header("Link", link);
    Json(res, 200, ItemsJson(all, (page - 1) * size, size));
  });

  auto cursor_page = [this](const httplib::Request& req, httplib::Response& res) {
    if (!Admit(req, res)) return;
    const std::vector<std::string> all = Selected(req);
    const int total = static_cast<int>(all.size());
    std::string cursor = req.get_param_value("cursor");
    int limit = IntParam(req, "limit", page_size_);
    if (req.method == "POST") {
      simdjson::dom::parser parser;
      simdjson::dom::element body;
      if (parser.parse(req.body).get(body) != simdjson::SUCCESS) {
        return Json(res, 400, "{\"error\":\"body is not JSON\"}");
      }
      std::string_view c;
      int64_t l;
      if (body["cursor"].get(c) == simdjson::SUCCESS) cursor = std::string(c);
      if (body["limit"].get(l) == simdjson::SUCCESS) limit = static_cast<int>(l);
    }
    const int offset = CursorOffset(cursor);
    if (offset / limit + 1 == malformed_page_) return Json(res, 200, "{\"items\": [");
    const int next_offset = repeat_cursor_ ? limit : offset + limit;
    const std::string next =
        offset + limit < total ? "\"o" + std::to_string(next_offset) + "\"" : "null";
    Json(res, 200,
         "{\"items\":" + ItemsJson(all, offset, limit) + ",\"cursors\":{\"next\":" + next + "}}");
  };
  server_->Get("/items/cursor", cursor_page);
  server_->Post("/items/cursor", cursor_page);

  server_->Get("/items/offset", [this](const httplib::Request& req, httplib::Response& res) {
    if (!Admit(req, res)) return;
    const std::vector<std::string> all = Selected(req);
    const int total = static_cast<int>(all.size());
    const int offset = IntParam(req, "offset", 0), limit = IntParam(req, "limit", page_size_);
    if (limit > 0 && offset / limit + 1 == malformed_page_) return Json(res, 200, "{\"items\":");
    Json(res, 200,
         "{\"items\":" + ItemsJson(all, offset, limit) + ",\"total\":" + std::to_string(total) +
             "}");
  });

  server_->Get("/items/page", [this](const httplib::Request& req, httplib::Response& res) {
    if (!Admit(req, res)) return;
    const std::vector<std::string> all = Selected(req);
    const int total = static_cast<int>(all.size());
    const int page = IntParam(req, "page", 1), size = IntParam(req, "per_page", page_size_);
    if (page == malformed_page_) return Json(res, 200, "{\"items\": [{");
    const int total_pages = (total + size - 1) / size;
    Json(res, 200,
         "{\"items\":" + ItemsJson(all, (page - 1) * size, size) + ",\"page\":" +
             std::to_string(page) + ",\"total_pages\":" + std::to_string(total_pages) + "}");
  });

  server_->Post("/graphql", [this](const httplib::Request& req, httplib::Response& res) {
    if (!Admit(req, res)) return;
    const std::vector<std::string> all = Selected(req);
    const int total = static_cast<int>(all.size());
    simdjson::dom::parser parser;
    simdjson::dom::element body;
    if (parser.parse(req.body).get(body) != simdjson::SUCCESS) {
      return Json(res, 400, "{\"errors\":[{\"message\":\"body is not JSON\"}]}");
    }
    int64_t first = page_size_;
    std::string_view after;
    int offset = 0;
    if (body["variables"]["first"].get(first) != simdjson::SUCCESS) first = page_size_;
    if (body["variables"]["after"].get(after) == simdjson::SUCCESS) {
      offset = CursorOffset(std::string(after));
    }
    const int limit = static_cast<int>(first);
    if (offset / limit + 1 == malformed_page_) return Json(res, 200, "{\"data\":");
    const bool more = offset + limit < total;
    const int end = repeat_cursor_ ? limit : std::min<int>(offset + limit, total);
    Json(res, 200,
         "{\"data\":{\"repository\":{\"issues\":{\"nodes\":" + ItemsJson(all, offset, limit) +
             ",\"pageInfo\":{\"hasNextPage\":" + (more ? "true" : "false") + ",\"endCursor\":\"o" +
             std::to_string(end) + "\"}}}}}");
  });

  server_->Get(
      R"(/items/(\d+)/comments)", [this](const httplib::Request& req, httplib::Response& res) {
        if (!Admit(req, res)) return;
        const int id = std::stoi(req.matches[1].str());
        if (id < 1 || id > records_) return Json(res, 404, "{\"message\":\"no such item\"}");
        std::string out = "[";
        for (int k = 1; k <= 2; k++) {
          out += std::string(k > 1 ? "," : "") + "{\"id\":" + std::to_string(id * 100 + k) +
                 ",\"item_id\":" + std::to_string(id) + ",\"text\":\"c" + std::to_string(k) + "\"}";
        }
        Json(res, 200, out + "]");
      });

  server_->Post("/oauth/token", [this](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mu_);
    const std::string authorization = req.get_header_value("Authorization");
    const bool basic_ok = authorization == "Basic " + Base64(UriEncode(client_id_, false) + ":" +
                                                             UriEncode(client_secret_, false));
    const bool body_ok = req.get_param_value("client_id") == client_id_ &&
                         req.get_param_value("client_secret") == client_secret_;
    if (req.get_param_value("grant_type") != "client_credentials") {
      return Json(res, 400, "{\"error\":\"unsupported_grant_type\"}");
    }
    if (!basic_ok && !body_ok) {
      return Json(res, 401,
                  "{\"error\":\"invalid_client\",\"error_description\":\"bad client "
                  "credentials\"}");
    }
    if (!token_body_.empty()) return Json(res, 200, token_body_);
    const std::string token = "tok-" + std::to_string(++tokens_issued_);
    tokens_[token] = std::chrono::steady_clock::now() + std::chrono::seconds(token_lifetime_s_);
    Json(res, 200,
         "{\"access_token\":\"" + token + "\",\"token_type\":\"Bearer\",\"expires_in\":" +
             std::to_string(token_lifetime_s_) + "}");
  });

  server_->set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.status == 404 && res.body.empty()) Json(res, 404, "{\"message\":\"not found\"}");
  });

  const int port = server_->bind_to_any_port("127.0.0.1");
  if (port <= 0) throw std::runtime_error("ApiTestServer: cannot bind");
  base_url_ = "http://127.0.0.1:" + std::to_string(port);
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return base_url_;
}

std::vector<int64_t> FetchIds(ApiClient& client, Paginator& paginator, PageRequest request,
                              const std::string& data_selector, const std::string& method) {
  const JsonPath selector = JsonPath::Parse(data_selector);
  std::vector<int64_t> ids;
  std::vector<std::string> sent;
  paginator.Init(&request);
  for (;;) {
    const std::string key = client.UrlFor(request) + "\n" + request.json_body;
    if (std::find(sent.begin(), sent.end(), key) != sent.end()) {
      throw InputError("request repeats: " + UrlForDisplay(client.UrlFor(request)));
    }
    sent.push_back(key);
    const HttpResponse response = client.Send(request, method, {});
    simdjson::dom::parser parser;
    simdjson::dom::element body;
    if (parser.parse(response.body).get(body) != simdjson::SUCCESS) {
      throw InputError("page is not JSON: " + UrlForDisplay(client.UrlFor(request)));
    }
    std::vector<simdjson::dom::element> found;
    selector.Select(body, &found);
    size_t records = 0;
    for (simdjson::dom::element e : found) {
      simdjson::dom::array array;
      std::vector<simdjson::dom::element> items;
      if (e.get_array().get(array) == simdjson::SUCCESS) {
        for (auto item : array) items.push_back(item);
      } else {
        items.push_back(e);
      }
      for (auto item : items) {
        int64_t id;
        if (item["id"].get(id) == simdjson::SUCCESS) ids.push_back(id);
        records++;
      }
    }
    if (!paginator.Next(response, body, records, &request)) return ids;
  }
}

}  // namespace sluice::testing
