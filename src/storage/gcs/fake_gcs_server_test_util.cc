#include "storage/gcs/fake_gcs_server_test_util.h"

#include <httplib.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <simdjson.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <stdexcept>

#include "core/json_string.h"
#include "core/value_parse.h"
#include "storage/gcs/jwt.h"

namespace sluice::testing {
namespace {

constexpr size_t kChunkMultiple = 256 * 1024;

std::string RandomHex(size_t bytes) {
  std::string raw(bytes, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes));
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) {
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out;
}

std::string Base64(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(n);
  return out;
}

std::string Md5(const std::string& data) {
  unsigned char digest[16];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_md5(), nullptr);
  return std::string(reinterpret_cast<char*>(digest), len);
}

std::string Rfc3339(int64_t epoch_ms) {
  std::time_t seconds = epoch_ms / 1000;
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[96];  // room for any int the compiler cannot rule out
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(epoch_ms % 1000));
  return buf;
}

int64_t NowEpochSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void GoogleError(httplib::Response& res, int status, const std::string& message) {
  std::string body = R"({"error":{"code":)" + std::to_string(status) + R"(,"message":)";
  AppendJsonString(message, &body);
  body += R"(,"errors":[{"message":)";
  AppendJsonString(message, &body);
  body += "}]}}";
  res.status = status;
  res.set_content(body, "application/json; charset=UTF-8");
}

void TokenError(httplib::Response& res, const std::string& error, const std::string& description) {
  std::string body = R"({"error":)";
  AppendJsonString(error, &body);
  body += R"(,"error_description":)";
  AppendJsonString(description, &body);
  body += "}";
  res.status = 400;
  res.set_content(body, "application/json; charset=UTF-8");
}

// "a=b&c=d" (form or query) -> map, values percent-decoded ('+' is a space in forms).
std::map<std::string, std::string> ParseForm(const std::string& body) {
  std::map<std::string, std::string> out;
  size_t start = 0;
  while (start <= body.size()) {
    size_t amp = body.find('&', start);
    std::string pair =
        body.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
    size_t eq = pair.find('=');
    if (eq != std::string::npos) {
      out[httplib::detail::decode_url(pair.substr(0, eq), true)] =
          httplib::detail::decode_url(pair.substr(eq + 1), true);
    }
    if (amp == std::string::npos) break;
    start = amp + 1;
  }
  return out;
}

// The raw request path split on '/', each segment percent-decoded: an object name must arrive
// with its '/' encoded as %2F, as the JSON API requires, or it splits into extra segments.
std::vector<std::string> PathSegments(const std::string& target) {
  std::string path = target.substr(0, target.find('?'));
  std::vector<std::string> out;
  size_t start = 1;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    out.push_back(httplib::detail::decode_url(
        path.substr(start, slash == std::string::npos ? std::string::npos : slash - start), false));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return out;
}

}  // namespace

bool VerifyJwtRs256(const std::string& jwt, EVP_PKEY* public_key, std::string* header_json,
                    std::string* claims_json, std::string* reason) {
  size_t dot1 = jwt.find('.');
  size_t dot2 = dot1 == std::string::npos ? std::string::npos : jwt.find('.', dot1 + 1);
  if (dot2 == std::string::npos || jwt.find('.', dot2 + 1) != std::string::npos) {
    *reason = "not three dot-separated parts";
    return false;
  }
  std::string signature;
  if (!Base64UrlDecode(jwt.substr(0, dot1), header_json) ||
      !Base64UrlDecode(jwt.substr(dot1 + 1, dot2 - dot1 - 1), claims_json) ||
      !Base64UrlDecode(jwt.substr(dot2 + 1), &signature)) {
    *reason = "a part is not base64url";
    return false;
  }
  if (jwt.find('=') != std::string::npos) {
    *reason = "base64url padding present";
    return false;
  }
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  bool ok = EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, public_key) == 1 &&
            EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                             signature.size(), reinterpret_cast<const unsigned char*>(jwt.data()),
                             dot2) == 1;
  if (!ok) *reason = "Invalid JWT Signature.";
  return ok;
}

std::shared_ptr<EVP_PKEY> GenerateRsaKey() {
  EVP_PKEY* key = EVP_RSA_gen(2048);
  if (!key) throw std::runtime_error("EVP_RSA_gen failed");
  return std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free);
}

std::string WriteServiceAccountKeyFile(EVP_PKEY* key, const std::string& client_email,
                                       const std::string& key_id, const std::string& token_uri) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);  // PKCS#8
  char* pem_data = nullptr;
  long pem_len = BIO_get_mem_data(bio.get(), &pem_data);
  std::string pem(pem_data, static_cast<size_t>(pem_len));

  std::string json = R"({"type":"service_account","project_id":"sluice-test","private_key_id":)";
  AppendJsonString(key_id, &json);
  json += R"(,"private_key":)";
  AppendJsonString(pem, &json);
  json += R"(,"client_email":)";
  AppendJsonString(client_email, &json);
  json += R"(,"client_id":"1","token_uri":)";
  AppendJsonString(token_uri, &json);
  json += "}\n";

  const char* tmp = std::getenv("TMPDIR");
  std::string path = std::string(tmp && *tmp ? tmp : "/tmp") + "/sluice-gcs-key-XXXXXX";
  int fd = mkstemp(path.data());
  if (fd < 0) throw std::runtime_error("mkstemp failed for " + path);
  bool written = write(fd, json.data(), json.size()) == static_cast<ssize_t>(json.size());
  close(fd);
  if (!written) throw std::runtime_error("cannot write " + path);
  return path;
}

namespace {
// One key for every server in the process: RSA key generation costs ~0.5 s of CPU each time.
std::shared_ptr<EVP_PKEY> SharedServerKey() {
  static const std::shared_ptr<EVP_PKEY> key = GenerateRsaKey();
  return key;
}
}  // namespace

FakeGcsServer::FakeGcsServer() : key_(SharedServerKey()), server_(new httplib::Server) {
  buckets_[kBucket];
  auto handler = [this](const httplib::Request& req, httplib::Response& res) { Handle(req, res); };
  server_->Get(".*", handler);
  server_->Post(".*", handler);
  server_->Put(".*", handler);
  server_->Delete(".*", handler);
  // One request per connection ("Connection: close"): an idle kept-alive connection would hold
  // stop() for cpp-httplib's 5 s keep-alive timeout.
  server_->set_keep_alive_max_count(1);
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("the fake GCS server cannot bind 127.0.0.1");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // stop() before the thread is listening would be lost and the join would hang.
  while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  key_file_ = WriteServiceAccountKeyFile(key_.get(), kClientEmail, kKeyId, token_uri());
}

FakeGcsServer::~FakeGcsServer() {
  server_->stop();
  thread_.join();
  std::remove(key_file_.c_str());
}

std::string FakeGcsServer::endpoint() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}
std::string FakeGcsServer::token_uri() const {
  return endpoint() + "/token";
}

void FakeGcsServer::set_token_lifetime(std::chrono::seconds lifetime) {
  std::lock_guard<std::mutex> lock(mutex_);
  token_lifetime_ = lifetime;
}

void FakeGcsServer::AcceptStaticToken(const std::string& token) {
  std::lock_guard<std::mutex> lock(mutex_);
  static_tokens_.push_back(token);
}

void FakeGcsServer::RevokeIssuedTokens() {
  std::lock_guard<std::mutex> lock(mutex_);
  issued_tokens_.clear();
}

void FakeGcsServer::FailNextStorageCalls(int count, int status, const std::string& message) {
  std::lock_guard<std::mutex> lock(mutex_);
  fail_count_ = count;
  fail_status_ = status;
  fail_message_ = message;
}

void FakeGcsServer::StoreHalfOfNextChunks(int count) {
  std::lock_guard<std::mutex> lock(mutex_);
  half_chunks_ = count;
}

void FakeGcsServer::AddBucket(const std::string& bucket) {
  std::lock_guard<std::mutex> lock(mutex_);
  buckets_[bucket];
}

void FakeGcsServer::PutObject(const std::string& bucket, const std::string& name,
                              const std::string& data) {
  std::lock_guard<std::mutex> lock(mutex_);
  StoreObject(bucket, name, data);
}

std::optional<std::string> FakeGcsServer::GetObject(const std::string& bucket,
                                                    const std::string& name) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto b = buckets_.find(bucket);
  if (b == buckets_.end()) return std::nullopt;
  auto o = b->second.find(name);
  if (o == b->second.end()) return std::nullopt;
  return o->second.data;
}

std::vector<std::string> FakeGcsServer::ObjectNames(const std::string& bucket) const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::string> out;
  auto b = buckets_.find(bucket);
  if (b != buckets_.end()) {
    for (const auto& [name, object] : b->second) out.push_back(name);
  }
  return out;
}

FakeGcsServer::Counters FakeGcsServer::counters() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return counters_;
}

int FakeGcsServer::open_upload_sessions() const {
  std::lock_guard<std::mutex> lock(mutex_);
  int open = 0;
  for (const auto& [id, s] : sessions_) open += !s.finished && !s.cancelled;
  return open;
}

std::string FakeGcsServer::last_assertion() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return last_assertion_;
}

std::string FakeGcsServer::last_token_error() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return last_token_error_;
}

void FakeGcsServer::StoreObject(const std::string& bucket, const std::string& name,
                                std::string data) {
  Object& o = buckets_[bucket][name];
  o.data = std::move(data);
  o.generation = ++next_generation_;
  o.updated_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
}

std::string FakeGcsServer::ObjectJson(const std::string& bucket, const std::string& name,
                                      const Object& o) const {
  std::string json = R"({"kind":"storage#object","name":)";
  AppendJsonString(name, &json);
  json += R"(,"bucket":)";
  AppendJsonString(bucket, &json);
  json += R"(,"generation":")" + std::to_string(o.generation) + R"(","metageneration":"1")";
  json += R"(,"contentType":"application/octet-stream","size":")" + std::to_string(o.data.size());
  json += R"(","md5Hash":")" + Base64(Md5(o.data)) + R"(","etag":")" +
          Base64(std::to_string(o.generation)) + R"(","timeCreated":")" + Rfc3339(o.updated_ms) +
          R"(","updated":")" + Rfc3339(o.updated_ms) + R"("})";
  return json;
}

void FakeGcsServer::Handle(const httplib::Request& req, httplib::Response& res) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::string> seg = PathSegments(req.target);
  if (req.method == "POST" && seg.size() == 1 && seg[0] == "token") return HandleToken(req, res);

  // A resumable session URI authorizes itself (as on the real service): no bearer needed.
  bool is_upload = seg.size() == 6 && seg[0] == "upload" && seg[1] == "storage" && seg[2] == "v1" &&
                   seg[3] == "b" && seg[5] == "o";
  if (is_upload && req.has_param("upload_id") && (req.method == "PUT" || req.method == "DELETE")) {
    return HandleChunk(req.get_param_value("upload_id"), req, res);
  }
  if (!Authorized(req, res)) return;
  if (fail_count_ > 0) {
    --fail_count_;
    return GoogleError(res, fail_status_, fail_message_);
  }
  if (is_upload && req.method == "POST") return HandleUploadStart(seg[4], req, res);
  bool is_storage =
      seg.size() >= 5 && seg[0] == "storage" && seg[1] == "v1" && seg[2] == "b" && seg[4] == "o";
  if (!is_storage || seg.size() > 6) return GoogleError(res, 404, "Not Found");
  const std::string& bucket = seg[3];
  if (!buckets_.count(bucket)) {
    return GoogleError(res, 404, "The specified bucket does not exist.");
  }
  if (seg.size() == 5 && req.method == "GET") return HandleList(bucket, req, res);
  if (seg.size() == 6 && req.method == "GET") return HandleGet(bucket, seg[5], req, res);
  if (seg.size() == 6 && req.method == "DELETE") {
    if (buckets_[bucket].erase(seg[5]) == 0) {
      return GoogleError(res, 404, "No such object: " + bucket + "/" + seg[5]);
    }
    res.status = 204;
    return;
  }
  GoogleError(res, 405, "Method not allowed");
}

bool FakeGcsServer::Authorized(const httplib::Request& req, httplib::Response& res) {
  std::string auth = req.get_header_value("Authorization");
  bool ok = false;
  if (auth.rfind("Bearer ", 0) == 0) {
    std::string token = auth.substr(7);
    auto it = issued_tokens_.find(token);
    ok = (it != issued_tokens_.end() && std::chrono::steady_clock::now() < it->second);
    for (const std::string& s : static_tokens_) ok = ok || token == s;
  }
  if (!ok) {
    ++counters_.unauthorized;
    res.set_header("WWW-Authenticate", "Bearer realm=\"https://accounts.google.com/\"");
    GoogleError(res, 401, "Invalid Credentials");
  }
  return ok;
}

void FakeGcsServer::HandleToken(const httplib::Request& req, httplib::Response& res) {
  ++counters_.token_requests;
  auto form = ParseForm(req.body);
  last_assertion_ = form["assertion"];
  auto reject = [&](const std::string& error, const std::string& description) {
    ++counters_.token_rejections;
    last_token_error_ = error + ": " + description;
    TokenError(res, error, description);
  };
  if (req.get_header_value("Content-Type").rfind("application/x-www-form-urlencoded", 0) != 0) {
    return reject("invalid_request", "Content-Type must be application/x-www-form-urlencoded");
  }
  if (form["grant_type"] != "urn:ietf:params:oauth:grant-type:jwt-bearer") {
    return reject("unsupported_grant_type", "Invalid grant_type: " + form["grant_type"]);
  }
  std::string header_json, claims_json, reason;
  if (!VerifyJwtRs256(last_assertion_, key_.get(), &header_json, &claims_json, &reason)) {
    return reject("invalid_grant", reason);
  }
  simdjson::dom::parser header_parser, claims_parser;
  simdjson::dom::element header, claims;
  if (header_parser.parse(header_json).get(header) ||
      claims_parser.parse(claims_json).get(claims)) {
    return reject("invalid_grant", "JWT parts are not JSON");
  }
  std::string_view alg, typ, kid, iss, scope, aud;
  int64_t iat = 0, exp = 0;
  if (header["alg"].get(alg) || alg != "RS256" || header["typ"].get(typ) || typ != "JWT") {
    return reject("invalid_grant", "JWT header must be {alg: RS256, typ: JWT}");
  }
  if (header["kid"].get(kid) || kid != kKeyId) return reject("invalid_grant", "Unknown kid.");
  if (claims["iss"].get(iss) || iss != kClientEmail) {
    return reject("invalid_grant", "Invalid issuer.");
  }
  if (claims["aud"].get(aud) || aud != token_uri()) {
    return reject("invalid_grant", "Invalid JWT audience.");
  }
  if (claims["scope"].get(scope) ||
      scope.find("https://www.googleapis.com/auth/devstorage.") == std::string_view::npos) {
    return reject("invalid_scope", "No devstorage scope requested.");
  }
  int64_t now = NowEpochSeconds();
  if (claims["iat"].get(iat) || claims["exp"].get(exp) || exp <= iat || exp - iat > 3600 ||
      iat > now + 60 || exp < now) {
    return reject("invalid_grant",
                  "Invalid JWT: Token must be a short-lived token (60 minutes) and in a "
                  "reasonable timeframe.");
  }
  std::string token = "ya29.fake-" + std::to_string(next_id_++) + "-" + RandomHex(12);
  issued_tokens_[token] = std::chrono::steady_clock::now() + token_lifetime_;
  res.set_content(R"({"access_token":")" + token + R"(","expires_in":)" +
                      std::to_string(token_lifetime_.count()) + R"(,"token_type":"Bearer"})",
                  "application/json; charset=utf-8");
}

void FakeGcsServer::HandleList(const std::string& bucket, const httplib::Request& req,
                               httplib::Response& res) {
  ++counters_.list_pages;
  std::string prefix = req.get_param_value("prefix");
  int64_t max_results = 1000;
  if (req.has_param("maxResults") &&
      (!ParseInt64(req.get_param_value("maxResults"), &max_results) || max_results <= 0)) {
    return GoogleError(res, 400, "Invalid maxResults");
  }
  max_results = std::min<int64_t>(max_results, 1000);
  // The page token is opaque to clients; here it is the last name already returned.
  std::string after;
  if (req.has_param("pageToken") && !Base64UrlDecode(req.get_param_value("pageToken"), &after)) {
    return GoogleError(res, 400, "Invalid pageToken");
  }
  const auto& objects = buckets_[bucket];
  auto it = req.has_param("pageToken") ? objects.upper_bound(after) : objects.lower_bound(prefix);
  std::string items;
  int64_t count = 0;
  std::string last;
  for (; it != objects.end() && it->first.rfind(prefix, 0) == 0; ++it) {
    if (count == max_results) break;
    if (!items.empty()) items += ",";
    items += ObjectJson(bucket, it->first, it->second);
    last = it->first;
    ++count;
  }
  bool more = it != objects.end() && it->first.rfind(prefix, 0) == 0;
  std::string body = R"({"kind":"storage#objects")";
  if (more) body += R"(,"nextPageToken":")" + Base64UrlEncode(last) + "\"";
  if (!items.empty()) body += R"(,"items":[)" + items + "]";  // absent when empty, as on GCS
  body += "}";
  res.set_content(body, "application/json; charset=UTF-8");
}

void FakeGcsServer::HandleGet(const std::string& bucket, const std::string& name,
                              const httplib::Request& req, httplib::Response& res) {
  auto& objects = buckets_[bucket];
  auto it = objects.find(name);
  if (it == objects.end()) return GoogleError(res, 404, "No such object: " + bucket + "/" + name);
  if (req.get_param_value("alt") != "media") {
    return res.set_content(ObjectJson(bucket, name, it->second), "application/json");
  }
  res.set_header("x-goog-generation", std::to_string(it->second.generation));
  const std::string& data = it->second.data;
  if (!req.ranges.empty()) {
    // cpp-httplib cuts the body to the Range and answers 206 with Content-Range itself; only a
    // start past the end needs handling here.
    if (req.ranges.size() != 1) return GoogleError(res, 400, "One range only");
    if (req.ranges[0].first >= 0 && static_cast<size_t>(req.ranges[0].first) >= data.size()) {
      res.set_header("Content-Range", "bytes */" + std::to_string(data.size()));
      return GoogleError(res, 416, "Requested range not satisfiable");
    }
    // Copy only the requested bytes, not the whole object per range read: cpp-httplib asks the
    // provider for absolute offsets and writes 206 + Content-Range. Only for ranges inside the
    // object: for one running past the end, 0.11 would announce the unclipped length.
    if (req.ranges[0].first >= 0 && req.ranges[0].second >= req.ranges[0].first &&
        static_cast<size_t>(req.ranges[0].second) < data.size()) {
      const size_t first = static_cast<size_t>(req.ranges[0].first);
      auto slice = std::make_shared<std::string>(
          data, first, static_cast<size_t>(req.ranges[0].second) - first + 1);
      res.set_content_provider(
          data.size(), "application/octet-stream",
          [slice, first](size_t offset, size_t length, httplib::DataSink& sink) {
            if (offset < first || offset - first + length > slice->size()) return false;
            sink.write(slice->data() + (offset - first), length);
            return true;
          });
      return;
    }
  }
  res.set_content(data, "application/octet-stream");
}

void FakeGcsServer::HandleUploadStart(const std::string& bucket, const httplib::Request& req,
                                      httplib::Response& res) {
  if (!buckets_.count(bucket)) {
    return GoogleError(res, 404, "The specified bucket does not exist.");
  }
  std::string name = req.get_param_value("name");
  if (name.empty()) return GoogleError(res, 400, "Required parameter: name");
  std::string type = req.get_param_value("uploadType");
  if (type == "media") {
    ++counters_.media_uploads;
    StoreObject(bucket, name, req.body);
    return res.set_content(ObjectJson(bucket, name, buckets_[bucket][name]), "application/json");
  }
  if (type != "resumable") return GoogleError(res, 400, "Unsupported uploadType: " + type);
  ++counters_.resumable_sessions;
  std::string id = RandomHex(16);
  sessions_[id] = Session{bucket, name, "", false, false};
  // The session URI names the host the client used (a proxy in front of this server stays in
  // the path of every chunk).
  std::string host = req.get_header_value("Host");
  res.set_header("Location",
                 (host.empty() ? endpoint() : "http://" + host) + "/upload/storage/v1/b/" +
                     httplib::detail::encode_query_param(bucket) + "/o?uploadType=resumable&name=" +
                     httplib::detail::encode_query_param(name) + "&upload_id=" + id);
  res.status = 200;
}

void FakeGcsServer::HandleChunk(const std::string& upload_id, const httplib::Request& req,
                                httplib::Response& res) {
  auto it = sessions_.find(upload_id);
  if (it == sessions_.end()) return GoogleError(res, 404, "No such upload session");
  Session& s = it->second;
  if (s.cancelled) return GoogleError(res, 410, "The upload session was cancelled");
  if (req.method == "DELETE") {
    s.cancelled = true;
    ++counters_.cancelled_sessions;
    res.status = 499;  // what the service answers to a cancelled session
    return;
  }
  if (s.finished) {
    return res.set_content(ObjectJson(s.bucket, s.name, buckets_[s.bucket][s.name]),
                           "application/json");
  }
  ++counters_.chunk_puts;
  // Content-Range: "bytes FIRST-LAST/TOTAL", TOTAL may be "*"; or "bytes */TOTAL" (no data).
  std::string range = req.get_header_value("Content-Range");
  if (range.rfind("bytes ", 0) != 0) return GoogleError(res, 400, "Missing Content-Range");
  size_t slash = range.find('/');
  if (slash == std::string::npos) return GoogleError(res, 400, "Bad Content-Range");
  std::string span = range.substr(6, slash - 6), total_text = range.substr(slash + 1);
  int64_t total = -1, first = 0, last = -1;
  if (total_text != "*" && !ParseInt64(total_text, &total)) {
    return GoogleError(res, 400, "Bad Content-Range total");
  }
  if (span != "*") {
    size_t dash = span.find('-');
    if (dash == std::string::npos || !ParseInt64(span.substr(0, dash), &first) ||
        !ParseInt64(span.substr(dash + 1), &last) || last < first) {
      return GoogleError(res, 400, "Bad Content-Range span");
    }
  } else {
    first = static_cast<int64_t>(s.data.size());
  }
  int64_t length = last - first + 1;
  if (static_cast<int64_t>(req.body.size()) != length) {
    return GoogleError(res, 400, "Content-Range does not match the body length");
  }
  if (first > static_cast<int64_t>(s.data.size())) {
    return GoogleError(res, 400, "Chunk starts after the bytes stored so far");
  }
  bool final = total >= 0;
  if (!final && length % kChunkMultiple != 0) {
    return GoogleError(res, 400, "Invalid request. A chunk must be a multiple of 256 KiB.");
  }
  counters_.largest_chunk = std::max(counters_.largest_chunk, req.body.size());
  // Bytes already stored (a resend) are skipped, as the service does.
  size_t skip = s.data.size() - static_cast<size_t>(first);
  std::string fresh = skip < req.body.size() ? req.body.substr(skip) : std::string();
  if (!final && half_chunks_ > 0 && fresh.size() >= 2 * kChunkMultiple) {
    --half_chunks_;
    fresh.resize(fresh.size() / 2 / kChunkMultiple * kChunkMultiple);
  }
  s.data += fresh;
  if (final && static_cast<int64_t>(s.data.size()) == total) {
    s.finished = true;
    StoreObject(s.bucket, s.name, std::move(s.data));
    return res.set_content(ObjectJson(s.bucket, s.name, buckets_[s.bucket][s.name]),
                           "application/json");
  }
  if (final && static_cast<int64_t>(s.data.size()) > total) {
    return GoogleError(res, 400, "More bytes than the declared total");
  }
  res.status = 308;  // "Resume Incomplete"
  if (!s.data.empty()) res.set_header("Range", "bytes=0-" + std::to_string(s.data.size() - 1));
}

}  // namespace sluice::testing
