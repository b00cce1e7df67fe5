#include "storage/http/fault_proxy_test_util.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

namespace sluice::testing {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool WriteAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

// Reads until the blank line that ends an HTTP head, then the body by Content-Length.
bool ReadRequest(int fd, std::string* request) {
  char buffer[65536];
  size_t head_end = std::string::npos;
  while (head_end == std::string::npos) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 10000) <= 0) return false;
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) return false;
    request->append(buffer, static_cast<size_t>(n));
    head_end = request->find("\r\n\r\n");
  }
  size_t content_length = 0;
  const std::string head = Lower(request->substr(0, head_end));
  if (size_t p = head.find("\r\ncontent-length:"); p != std::string::npos) {
    content_length = std::strtoull(head.c_str() + p + 17, nullptr, 10);
  }
  while (request->size() < head_end + 4 + content_length) {
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) return false;
    request->append(buffer, static_cast<size_t>(n));
  }
  return true;
}

// One request per connection: drop the client's Connection header, ask for close.
std::string WithConnectionClose(const std::string& request) {
  const size_t head_end = request.find("\r\n\r\n");
  std::string head = request.substr(0, head_end + 2);
  std::string out;
  size_t start = 0;
  while (start < head.size()) {
    const size_t end = head.find("\r\n", start);
    const std::string line = head.substr(start, end - start);
    if (Lower(line).rfind("connection:", 0) != 0) out += line + "\r\n";
    start = end + 2;
  }
  out += "Connection: close\r\n\r\n";
  out += request.substr(head_end + 4);
  return out;
}

std::string Canned(int status, const std::string& reason, const std::string& extra_headers,
                   const std::string& body) {
  return "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\n" + extra_headers +
         "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

}  // namespace

ObjectHttpServer::ObjectHttpServer() : server_(std::make_unique<httplib::Server>()) {
  // Idle keep-alive connections hold stop() up for this long.
  server_->set_keep_alive_timeout(1);
  server_->Get("/.*", [this](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (auto r = redirects_.find(req.path); r != redirects_.end()) {
      res.status = 302;
      res.set_header("Location", r->second);
      return;
    }
    auto it = objects_.find(req.path);
    if (it == objects_.end()) {
      res.status = 404;
      return;
    }
    if (forbid_head_ && req.method == "HEAD") {
      res.status = 403;
      return;
    }
    if (send_etags_) res.set_header("ETag", "\"" + it->second.second + "\"");
    res.set_header("Last-Modified", "Tue, 03 Nov 2026 10:00:00 GMT");
    if (ignore_range_) {
      // cpp-httplib would apply the Range itself; a streamed body of known length it leaves as is.
      const auto bytes = std::make_shared<std::string>(it->second.first);
      res.status = 200;
      res.set_content_provider(bytes->size(), "application/octet-stream",
                               [bytes](size_t offset, size_t length, httplib::DataSink& sink) {
                                 sink.write(bytes->data() + offset, length);
                                 return true;
                               });
      return;
    }
    res.set_header("Accept-Ranges", "bytes");
    // cpp-httplib cuts the range out of the full content itself; it needs 206 set to say so.
    res.status = req.has_header("Range") ? 206 : 200;
    res.set_content(it->second.first, "application/octet-stream");
  });
  const int port = server_->bind_to_any_port("127.0.0.1");
  if (port <= 0) throw std::runtime_error("ObjectHttpServer: cannot bind");
  endpoint_ = "http://127.0.0.1:" + std::to_string(port);
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

ObjectHttpServer::~ObjectHttpServer() {
  server_->stop();
  thread_.join();
}

void ObjectHttpServer::Put(const std::string& path, std::string bytes) {
  std::lock_guard<std::mutex> lock(mutex_);
  objects_[path] = {std::move(bytes), "v" + std::to_string(++version_)};
}

void ObjectHttpServer::Redirect(const std::string& path, std::string location) {
  std::lock_guard<std::mutex> lock(mutex_);
  redirects_[path] = std::move(location);
}

FaultProxy::FaultProxy(const std::string& upstream) {
  const std::string prefix = "http://";
  const std::string rest = upstream.substr(prefix.size());
  const size_t colon = rest.find(':');
  upstream_host_ = rest.substr(0, colon);
  upstream_port_ = std::stoi(rest.substr(colon + 1));
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 64) != 0) {
    throw std::runtime_error("FaultProxy: cannot listen");
  }
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  endpoint_ = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  accept_thread_ = std::thread([this] { AcceptLoop(); });
}

FaultProxy::~FaultProxy() {
  stopping_ = true;
  accept_thread_.join();
  for (auto& w : workers_) w.join();
  ::close(listen_fd_);
}

void FaultProxy::Schedule(std::vector<Fault> faults) {
  std::lock_guard<std::mutex> lock(mutex_);
  scheduled_.insert(scheduled_.end(), faults.begin(), faults.end());
}

void FaultProxy::FailEvery(int n, std::vector<Fault> cycle) {
  std::lock_guard<std::mutex> lock(mutex_);
  every_ = n;
  cycle_ = std::move(cycle);
  cycle_position_ = 0;
}

void FaultProxy::FailAlways(Fault fault) {
  std::lock_guard<std::mutex> lock(mutex_);
  always_ = fault;
}

Fault FaultProxy::NextFault() {
  std::lock_guard<std::mutex> lock(mutex_);
  const int n = ++requests_;
  if (!scheduled_.empty()) {
    const Fault f = scheduled_.front();
    scheduled_.erase(scheduled_.begin());
    return f;
  }
  if (always_ != Fault::kNone) return always_;
  if (every_ > 0 && !cycle_.empty() && n % every_ == 0) {
    return cycle_[cycle_position_++ % cycle_.size()];
  }
  return Fault::kNone;
}

void FaultProxy::AcceptLoop() {
  while (!stopping_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    const int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    std::lock_guard<std::mutex> lock(mutex_);
    workers_.emplace_back([this, client] {
      Serve(client);
      ::close(client);
    });
  }
}

void FaultProxy::Serve(int client) {
  std::string request;
  if (!ReadRequest(client, &request)) return;
  const Fault fault = NextFault();
  if (fault != Fault::kNone) faults_++;
  switch (fault) {
    case Fault::kStatus500: {
      const std::string r = Canned(500, "Internal Server Error", "", "injected failure");
      WriteAll(client, r.data(), r.size());
      return;
    }
    case Fault::kSlowDown503: {
      const std::string r = Canned(
          503, "Slow Down", "Content-Type: application/xml\r\n",
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown</Code><Message>Please "
          "reduce your request rate.</Message></Error>");
      WriteAll(client, r.data(), r.size());
      return;
    }
    case Fault::kTooMany429: {
      const std::string r = Canned(429, "Too Many Requests", "Retry-After: 1\r\n", "slow down");
      WriteAll(client, r.data(), r.size());
      return;
    }
    case Fault::kDrop:
      ::shutdown(client, SHUT_RDWR);
      return;
    default:
      break;
  }
  const int upstream = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(upstream_port_));
  ::inet_pton(AF_INET, upstream_host_.c_str(), &addr.sin_addr);
  if (::connect(upstream, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(upstream);
    return;
  }
  const std::string forwarded = WithConnectionClose(request);
  std::string response;
  if (WriteAll(upstream, forwarded.data(), forwarded.size())) {
    char buffer[65536];
    for (;;) {
      const ssize_t n = ::recv(upstream, buffer, sizeof buffer, 0);
      if (n <= 0) break;
      response.append(buffer, static_cast<size_t>(n));
    }
  }
  ::close(upstream);
  if (fault == Fault::kSlow) {
    std::this_thread::sleep_for(std::chrono::seconds(slow_seconds_.load()));
  }
  if (fault == Fault::kTruncate) {
    const size_t head_end = response.find("\r\n\r\n");
    if (head_end != std::string::npos) {
      const size_t body = response.size() - head_end - 4;
      response.resize(head_end + 4 + body / 2);
    }
  }
  WriteAll(client, response.data(), response.size());
}

}  // namespace sluice::testing
