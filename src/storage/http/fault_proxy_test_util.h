#pragma once
// Test servers for remote storage:
// - ObjectHttpServer: a read-only HTTP origin serving in-memory objects with HEAD, Range,
//   ETag and Last-Modified (what an HTTP(S) source sees from a web server or CDN);
// - FaultProxy: a byte-level TCP proxy in front of any HTTP server (the origin above, s3rver,
//   azurite) that injects failures into chosen responses: 500s, 503 SlowDown, 429 with
//   Retry-After, dropped connections, truncated bodies and slow responses. It forwards each
//   request verbatim (one request per connection), so signatures stay valid.
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
class Server;
}

namespace sluice::testing {

class ObjectHttpServer {
 public:
  ObjectHttpServer();
  ~ObjectHttpServer();
  // "http://127.0.0.1:PORT"
  std::string endpoint() const { return endpoint_; }
  // Serves `bytes` at `path` ("/data/a.csv"), with a fresh ETag.
  void Put(const std::string& path, std::string bytes);
  // Answers requests for `path` with 302 Found, Location: `location` (a path or a full URL).
  void Redirect(const std::string& path, std::string location);
  // Behaviours of real servers: no ETag header (a plain file server), HEAD refused with 403 (a
  // link presigned for GET only), Range ignored (200 with the whole object).
  void set_send_etags(bool on) { send_etags_ = on; }
  void set_forbid_head(bool on) { forbid_head_ = on; }
  void set_ignore_range(bool on) { ignore_range_ = on; }

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::string endpoint_;
  std::mutex mutex_;
  std::map<std::string, std::pair<std::string, std::string>> objects_;  // path -> (bytes, etag)
  std::map<std::string, std::string> redirects_;                        // path -> location
  int version_ = 0;
  std::atomic<bool> send_etags_{true};
  std::atomic<bool> forbid_head_{false};
  std::atomic<bool> ignore_range_{false};
};

enum class Fault {
  kNone,
  kStatus500,    // 500 Internal Server Error, nothing forwarded
  kSlowDown503,  // 503 with S3's SlowDown error body
  kTooMany429,   // 429 with Retry-After: 1
  kDrop,         // the connection closes before any response byte
  kTruncate,     // the upstream response, cut in the middle of its body
  kSlow,         // the upstream response after a delay longer than the client's stall limit
};

class FaultProxy {
 public:
  // `upstream`: "http://127.0.0.1:PORT".
  explicit FaultProxy(const std::string& upstream);
  ~FaultProxy();
  std::string endpoint() const { return endpoint_; }
  // The next requests get these faults, in order; later ones pass through.
  void Schedule(std::vector<Fault> faults);
  // From now on every `n`th request gets the next fault of `cycle` (round robin); 0 stops.
  void FailEvery(int n, std::vector<Fault> cycle);
  // Every request fails with `fault` (kNone: pass everything).
  void FailAlways(Fault fault);
  int requests() const { return requests_; }
  int faults_injected() const { return faults_; }
  // Seconds kSlow waits before answering.
  void set_slow_seconds(int seconds) { slow_seconds_ = seconds; }

 private:
  void AcceptLoop();
  void Serve(int client);
  Fault NextFault();

  std::string upstream_host_;
  int upstream_port_ = 0;
  int listen_fd_ = -1;
  std::string endpoint_;
  std::thread accept_thread_;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::vector<Fault> scheduled_;
  std::vector<Fault> cycle_;
  int every_ = 0;
  size_t cycle_position_ = 0;
  Fault always_ = Fault::kNone;
  std::atomic<int> requests_{0};
  std::atomic<int> faults_{0};
  std::atomic<int> slow_seconds_{3};
  std::vector<std::thread> workers_;
};

}  // namespace sluice::testing
