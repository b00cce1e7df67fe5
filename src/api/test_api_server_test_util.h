#pragma once
// ApiTestServer: an in-test HTTP API (cpp-httplib) serving a deterministic dataset of N records
// through every paginator style and auth type sluice supports, and misbehaving on demand. Used
// by src/api tests and by end-to-end CLI tests (`sluice run` against it).
//
// Records, i = 1..N, in id order:
//   {"id": i, "name": "item-i", "value": i*10, "status": "open" (odd i) | "closed",
//    "updated_at": 2026-01-01T00:00:00Z + i minutes ("2026-01-01T00:05:00Z"),
//    "user": {"login": "u<i%4>"}, "tags": ["t<i%3>"]}
// Every list route takes ?updated_since=ISO (records with updated_at >= it; totals, pages and
// cursors count the filtered list). Page k (1-based) of size S holds the filtered records
// (k-1)*S .. k*S-1. S defaults to page_size().
//
// Routes (all answer JSON; data routes check auth and take injected failures):
//   GET  /items/single                      {"items": [all]}
//   GET  /items/json_link?page=&per_page=   {"items": [...], "next": URL | null}
//                                           (absolute URL, or a path with set_relative_links)
//   GET  /items/header_link?page=&per_page= [...] (a bare array) with
//                                           Link: <first>; rel="first", <next>; rel="next"
//   GET  /items/cursor?cursor=&limit=       {"items": [...], "cursors": {"next": "o<offset>" |
//   null}} POST /items/cursor {"cursor":, "limit":} the same, parameters from the JSON body GET
//   /items/offset?offset=&limit=       {"items": [...], "total": N} GET /items/page?page=&per_page=
//   {"items": [...], "page": k, "total_pages": T} POST /graphql {"query":, "variables": {"first":,
//   "after":}}
//        {"data": {"repository": {"issues": {"nodes": [...],
//                                            "pageInfo": {"hasNextPage":, "endCursor":}}}}}
//   GET  /items/{id}/comments               [{"id": id*100+1, "item_id": id, "text": "c1"}, {..+2}]
//                                           (404 {"message": "no such item"} beyond N)
//   POST /oauth/token                       client credentials (basic auth or client_id /
//        client_secret in the form): {"access_token": "tok-<n>", "token_type": "Bearer",
//        "expires_in": token_lifetime_s}; 401 {"error": "invalid_client"} otherwise
//   anything else: 404 {"message": "not found"}
#include <atomic>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "api/api_client.h"
#include "api/paginator.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace sluice::testing {

struct ApiRequestLog {
  std::string method, path, query;             // query: the raw query string, without '?'
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
};

class ApiTestServer {
 public:
  // Which credentials data routes require (401 {"error": "unauthorized"} without them).
  enum class Auth { kNone, kBearer, kApiKeyHeader, kApiKeyQuery, kBasic, kOAuth2 };
  enum class Failure {
    k500,                // 500 {"error": "boom"}
    k429RetryAfter,      // 429 with Retry-After: 1
    k429RateLimitReset,  // 429 with X-RateLimit-Reset: now + rate_limit_reset_s (epoch)
    kMalformedJson,      // 200 with a truncated JSON body
  };

  explicit ApiTestServer(int records = 25);
  ~ApiTestServer();
  // Starts listening on 127.0.0.1; returns the base URL "http://127.0.0.1:PORT".
  std::string Start();
  std::string base_url() const { return base_url_; }

  // ---- knobs (thread-safe; take effect on the next request) ----
  void set_records(int n) { records_ = n; }  // more records = new ones, updated later
  // Moves record `id`'s updated_at after every other record's (an update since the last run).
  void Touch(int id);
  void set_page_size(int n) { page_size_ = n; }  // when the request does not say (default 10)
  void set_auth(Auth auth) { auth_ = auth; }
  void set_bearer_token(const std::string& token);                       // default "test-token"
  void set_api_key(const std::string& name, const std::string& key);     // "X-API-Key"/"api_key",
                                                                         // "test-key"
  void set_basic(const std::string& user, const std::string& password);  // "user", "pass"
  void set_oauth_client(const std::string& id, const std::string& secret);  // "client", "secret"
  void set_token_lifetime_s(int seconds) { token_lifetime_s_ = seconds; }   // default 3600
  // /oauth/token answers 200 with this body instead of a token ("" = normal tokens).
  void set_token_body(const std::string& body);
  // Every token issued so far is refused from now on (401), as if expired.
  void ExpireTokens();
  // The next `n` data requests fail with `failure` (queued after earlier ones).
  void FailNext(int n, Failure failure);
  void set_fail_every(int k) { fail_every_ = k; }  // every k-th data request: 500 (0 = off)
  void set_delay_ms(int ms) { delay_ms_ = ms; }    // every data response waits this long
  void set_malformed_page(int page) { malformed_page_ = page; }  // 1-based; 0 = off
  void set_repeat_cursor(bool on) { repeat_cursor_ = on; }       // cursor/graphql: always the same
  void set_self_link(bool on) { self_link_ = on; }               // next links point to their page
  void set_relative_links(bool on) { relative_links_ = on; }
  // 2xx data responses carry X-RateLimit-Remaining: 0 and X-RateLimit-Reset: now + seconds.
  void set_quota_exhausted(bool on) { quota_exhausted_ = on; }
  void set_rate_limit_reset_s(int seconds) { rate_limit_reset_s_ = seconds; }  // default 2

  // ---- observations ----
  int requests() const { return requests_; }            // every request, token requests included
  int data_requests() const { return data_requests_; }  // /items/*, /graphql
  int tokens_issued() const { return tokens_issued_; }
  std::vector<ApiRequestLog> log() const;
  void ClearLog();

  std::string RecordJson(int id) const;
  std::string UpdatedAt(int id) const;

 private:
  bool Admit(const httplib::Request& req, httplib::Response& res);  // auth + failures
  void Page(const httplib::Request& req, httplib::Response& res, int page, int size);
  // The records a list request sees (after ?updated_since), as JSON texts.
  std::vector<std::string> Selected(const httplib::Request& req) const;
  std::string ItemsJson(const std::vector<std::string>& records, int offset, int count) const;
  std::string Link(const std::string& path_and_query) const;

  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::string base_url_;
  mutable std::mutex mu_;
  std::vector<ApiRequestLog> log_;
  std::deque<Failure> failures_;
  std::string bearer_token_ = "test-token";
  std::string key_name_ = "", api_key_ = "test-key";
  std::string user_ = "user", password_ = "pass";
  std::string client_id_ = "client", client_secret_ = "secret";
  std::string token_body_;
  std::map<int, int> touched_;                                           // id -> updated_at minute
  std::map<std::string, std::chrono::steady_clock::time_point> tokens_;  // token -> expiry
  std::atomic<int> records_;
  std::atomic<int> page_size_{10};
  std::atomic<Auth> auth_{Auth::kNone};
  std::atomic<int> token_lifetime_s_{3600};
  std::atomic<int> fail_every_{0}, delay_ms_{0}, malformed_page_{0};
  std::atomic<bool> repeat_cursor_{false}, self_link_{false}, relative_links_{false};
  std::atomic<bool> quota_exhausted_{false};
  std::atomic<int> rate_limit_reset_s_{2};
  std::atomic<int> requests_{0}, data_requests_{0}, tokens_issued_{0};
};

// Pages through `first` the way an API source does (Init, Send, select records, Next) and
// returns the "id" of every record at `data_selector`. Throws like the source would: InputError
// for an unparsable page or a request identical to one already sent.
std::vector<int64_t> FetchIds(ApiClient& client, Paginator& paginator, PageRequest first,
                              const std::string& data_selector, const std::string& method = "GET");

}  // namespace sluice::testing
