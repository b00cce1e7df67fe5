#pragma once
// An in-test Google Cloud Storage JSON API server (cpp-httplib, 127.0.0.1, a random port) with
// its own OAuth2 token endpoint. It uses an RSA key generated at test time (one per process) and
// writes a matching service-account key file, so the whole service-account flow runs for real:
// the token endpoint verifies the JWT's RS256 signature and its claims, and every storage call
// must carry a bearer token it issued (or one registered with AcceptStaticToken). Objects live
// in memory.
//
// What it serves (as documented for the JSON API, v1): objects.list (prefix, maxResults,
// pageToken), objects.get (metadata, alt=media with Range), simple media uploads, resumable
// uploads (session URI in Location, 256 KiB-multiple chunks, 308 + Range, final chunk with the
// total, DELETE to cancel), objects.delete. Not served: ACLs, preconditions, generations as
// arguments, multipart uploads, delimiter listing, object metadata updates.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <openssl/evp.h>

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace sluice::testing {

// Checks an RS256 JWT's signature against `public_key` and returns its decoded header and claims
// JSON; false (with the reason) when it is malformed or the signature does not verify.
bool VerifyJwtRs256(const std::string& jwt, EVP_PKEY* public_key, std::string* header_json,
                    std::string* claims_json, std::string* reason);

// A fresh 2048-bit RSA key (OpenSSL's EVP_RSA_gen).
std::shared_ptr<EVP_PKEY> GenerateRsaKey();

// Writes a service-account key file (type, client_email, private_key, private_key_id, token_uri)
// to a new temporary file and returns its path; the caller removes it.
std::string WriteServiceAccountKeyFile(EVP_PKEY* key, const std::string& client_email,
                                       const std::string& key_id, const std::string& token_uri);

class FakeGcsServer {
 public:
  static constexpr char kBucket[] = "sluice-test";
  static constexpr char kClientEmail[] = "loader@sluice-test.iam.gserviceaccount.com";
  static constexpr char kKeyId[] = "test-key-1";

  FakeGcsServer();  // starts serving; has the bucket kBucket
  ~FakeGcsServer();
  FakeGcsServer(const FakeGcsServer&) = delete;
  FakeGcsServer& operator=(const FakeGcsServer&) = delete;

  std::string endpoint() const;                              // "http://127.0.0.1:PORT"
  std::string token_uri() const;                             // endpoint() + "/token"
  const std::string& key_file() const { return key_file_; }  // removed with the server
  EVP_PKEY* key() const { return key_.get(); }

  // expires_in of tokens issued from now on (they also really expire server-side).
  void set_token_lifetime(std::chrono::seconds lifetime);
  void AcceptStaticToken(const std::string& token);
  // Every token issued so far stops working (the next storage call gets 401).
  void RevokeIssuedTokens();
  // The next `count` storage calls (not token requests) answer `status` with Google's error body.
  void FailNextStorageCalls(int count, int status, const std::string& message);
  // The next `count` non-final resumable chunks are only half stored (308 with a shorter Range),
  // as a real server may do; the client must resend the rest.
  void StoreHalfOfNextChunks(int count);

  void AddBucket(const std::string& bucket);
  void PutObject(const std::string& bucket, const std::string& name, const std::string& data);
  std::optional<std::string> GetObject(const std::string& bucket, const std::string& name) const;
  std::vector<std::string> ObjectNames(const std::string& bucket) const;

  struct Counters {
    int token_requests = 0;
    int token_rejections = 0;  // bad JWTs
    int unauthorized = 0;      // storage calls answered 401
    int list_pages = 0;
    int media_uploads = 0;
    int resumable_sessions = 0;
    int chunk_puts = 0;
    int cancelled_sessions = 0;
    size_t largest_chunk = 0;
  };
  Counters counters() const;
  int open_upload_sessions() const;    // started, neither finished nor cancelled
  std::string last_assertion() const;  // the last JWT posted to the token endpoint
  std::string last_token_error() const;

 private:
  struct Object {
    std::string data;
    int64_t generation = 0;
    int64_t updated_ms = 0;
  };
  struct Session {
    std::string bucket, name, data;
    bool finished = false, cancelled = false;
  };

  void Handle(const httplib::Request& req, httplib::Response& res);
  void HandleToken(const httplib::Request& req, httplib::Response& res);
  bool Authorized(const httplib::Request& req, httplib::Response& res);
  void HandleList(const std::string& bucket, const httplib::Request& req, httplib::Response& res);
  void HandleGet(const std::string& bucket, const std::string& name, const httplib::Request& req,
                 httplib::Response& res);
  void HandleUploadStart(const std::string& bucket, const httplib::Request& req,
                         httplib::Response& res);
  void HandleChunk(const std::string& upload_id, const httplib::Request& req,
                   httplib::Response& res);
  std::string ObjectJson(const std::string& bucket, const std::string& name, const Object& o) const;
  void StoreObject(const std::string& bucket, const std::string& name, std::string data);

  std::shared_ptr<EVP_PKEY> key_;
  std::string key_file_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;

  mutable std::mutex mutex_;
  std::map<std::string, std::map<std::string, Object>> buckets_;
  std::map<std::string, Session> sessions_;
  std::map<std::string, std::chrono::steady_clock::time_point> issued_tokens_;
  std::vector<std::string> static_tokens_;
  std::chrono::seconds token_lifetime_{3600};
  int fail_count_ = 0, fail_status_ = 0;
  std::string fail_message_;
  int half_chunks_ = 0;
  int64_t next_generation_ = 1000;
  int next_id_ = 1;
  Counters counters_;
  std::string last_assertion_, last_token_error_;
};

}  // namespace sluice::testing
