#include "webhook/webhook_server.h"

#include <httplib.h>
#include <simdjson.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdio>

#include "core/error.h"
#include "pipeline/runner.h"

namespace sluice {

namespace {

constexpr const char* kUnknownRoute = "unknown";

// Set when a POST handler counted its own answer (before sending it, so a client that got the
// answer sees the count); the logger counts the answers httplib gives itself (413, ...).
thread_local bool t_counted = false;

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

void DeclareWebhookMetrics(MetricsRegistry* m) {
  using T = MetricsRegistry::Type;
  m->Declare("sluice_webhook_requests_total", T::kCounter,
             "Webhook POST requests by route and HTTP status code.");
  m->Declare("sluice_webhook_signature_failures_total", T::kCounter,
             "Requests refused because their signature was missing, malformed, wrong or stale.");
  m->Declare("sluice_webhook_events_accepted_total", T::kCounter,
             "Events spooled durably and acknowledged.");
  m->Declare("sluice_webhook_duplicates_total", T::kCounter,
             "Events acknowledged without spooling because their id was seen recently.");
  m->Declare("sluice_webhook_rows_loaded_total", T::kCounter,
             "Rows committed to the destination, by table (child tables included).");
  m->Declare("sluice_webhook_spool_events", T::kGauge, "Spooled events not loaded yet.");
  m->Declare("sluice_webhook_spool_bytes", T::kGauge, "Bytes of the spool's segment files.");
  m->Declare("sluice_webhook_last_load_timestamp_seconds", T::kGauge,
             "Unix time of the last committed load.");
}

void ParseListenAddress(const std::string& listen, std::string* host, int* port) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon + 1 == listen.size()) {
    throw UsageError("listen '" + listen + "': expected HOST:PORT");
  }
  *host = listen.substr(0, colon);
  if (host->size() >= 2 && host->front() == '[' && host->back() == ']') {
    *host = host->substr(1, host->size() - 2);
  }
  if (host->empty()) *host = "0.0.0.0";
  const std::string digits = listen.substr(colon + 1);
  if (digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 5 ||
      std::stoi(digits) > 65535) {
    throw UsageError("listen '" + listen + "': the port must be 0..65535");
  }
  *port = std::stoi(digits);
}

WebhookServer::WebhookServer(const WebhookConfig& config, EventSpool* spool, WebhookLoader* loader,
                             MetricsRegistry* metrics, RecentIds* recent)
    : config_(config), spool_(spool), loader_(loader), metrics_(metrics), recent_(recent) {
  for (const WebhookRouteConfig& r : config_.routes) {
    routes_.push_back(Route{r, SignatureVerifier(r.signature), EventIdPath::Parse(r.id_path)});
  }
  ParseListenAddress(config_.listen, &host_, &port_);
  tls_ = !config_.tls_cert_file.empty() || !config_.tls_key_file.empty();
  if (tls_) {
    if (config_.tls_cert_file.empty() || config_.tls_key_file.empty()) {
      throw UsageError("TLS needs both tls_cert_file and tls_key_file");
    }
    auto ssl = std::make_unique<httplib::SSLServer>(config_.tls_cert_file.c_str(),
                                                    config_.tls_key_file.c_str());
    if (!ssl->is_valid()) {
      throw UsageError("cannot use the TLS certificate " + config_.tls_cert_file + " and key " +
                       config_.tls_key_file);
    }
    server_ = std::move(ssl);
  } else {
    server_ = std::make_unique<httplib::Server>();
  }
  Install();
}

WebhookServer::~WebhookServer() = default;

const WebhookServer::Route* WebhookServer::FindRoute(const std::string& path) const {
  for (const Route& r : routes_) {
    if (r.config.path == path) return &r;
  }
  return nullptr;
}

void WebhookServer::Install() {
  httplib::Server& s = *server_;
  // Requests wait in fdatasync together (group commit): more threads, more events per sync.
  // A keep-alive connection holds its thread, so connections are also recycled (max count)
  // to let connections beyond the pool's size in.
  s.new_task_queue = [] { return new httplib::ThreadPool(64); };
  s.set_payload_max_length(config_.max_body_bytes);
  // The payload limit only checks Content-Length: a chunked body (or one inflated from a
  // Content-Encoding) would be read in full first. Such requests are refused before their body
  // is read; the logger counts the answer.
  s.set_pre_routing_handler([](const httplib::Request& req, httplib::Response& res) {
    if (req.method != "POST") return httplib::Server::HandlerResponse::Unhandled;
    if (req.has_header("Transfer-Encoding") || !req.has_header("Content-Length")) {
      res.status = 411;
      res.set_content("send the body with a Content-Length (no chunked transfer)\n", "text/plain");
    } else if (req.has_header("Content-Encoding") &&
               req.get_header_value("Content-Encoding") != "identity") {
      res.status = 415;
      res.set_content("compressed bodies (Content-Encoding) are not accepted\n", "text/plain");
    } else {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    // The body stays unread: the connection cannot carry another request.
    res.set_header("Connection", "close");
    return httplib::Server::HandlerResponse::Handled;
  });
  // Headers and body go out in separate writes; with Nagle each answer would wait for the
  // client's delayed ACK (~40 ms).
  s.set_tcp_nodelay(true);
  s.set_keep_alive_timeout(2);
  s.set_keep_alive_max_count(100);
  s.set_read_timeout(30, 0);
  s.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    if (req.method != "POST") return;
    if (t_counted) {
      t_counted = false;
      return;
    }
    CountRequest(req.path, res.status);
  });
  // The reasons (hosts, paths, SQL) go to stderr where they happen, not to HTTP clients.
  s.Get("/healthz", [this](const httplib::Request&, httplib::Response& res) {
    std::string reason;
    if (!spool_->healthy()) {
      res.status = 503;
      res.set_content("spool: appends fail\n", "text/plain");
    } else if (!loader_->healthy(&reason)) {
      res.status = 503;
      res.set_content("loader: loads fail\n", "text/plain");
    } else {
      res.set_content("ok\n", "text/plain");
    }
  });
  s.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    loader_->UpdateGauges();
    res.set_content(metrics_->Render(), "text/plain; version=0.0.4; charset=utf-8");
  });
  s.Post(".*", [this](const httplib::Request& req, httplib::Response& res) {
    HandlePost(req, res);
    CountRequest(req.path, res.status);
    t_counted = true;
  });
}

void WebhookServer::CountRequest(const std::string& path, int status) {
  const Route* route = FindRoute(path);
  metrics_->Add(
      "sluice_webhook_requests_total",
      {{"route", route ? route->config.path : kUnknownRoute}, {"code", std::to_string(status)}});
}

void WebhookServer::HandlePost(const httplib::Request& req, httplib::Response& res) {
  const Route* route = FindRoute(req.path);
  if (!route) {
    res.status = 404;
    res.set_content("no webhook route at this path\n", "text/plain");
    return;
  }
  const std::string& name = route->config.path;
  const SignatureStatus status = route->verifier.Verify(
      [&req](const std::string& header) { return req.get_header_value(header.c_str()); }, req.body,
      NowSeconds());
  if (status != SignatureStatus::kValid) {
    metrics_->Add("sluice_webhook_signature_failures_total", {{"route", name}});
    res.status = 401;
    res.set_content(std::string("signature ") + SignatureStatusName(status) + "\n", "text/plain");
    return;
  }
  // A UTF-8 byte order mark (signed with the body, so cut only now) is not part of the event.
  const std::string_view body = std::string_view(req.body).starts_with(kUtf8Bom)
                                    ? std::string_view(req.body).substr(kUtf8Bom.size())
                                    : std::string_view(req.body);
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body.data(), body.size()).get(doc) || !doc.is_object()) {
    res.status = 400;
    res.set_content("the body must be a JSON object\n", "text/plain");
    return;
  }
  SpoolRecord record;
  record.route = name;
  record.table = route->config.table;
  record.body = std::string(body);
  record.received_at_micros = NowMicros();
  std::string dedup_key;
  if (!route->id_path.empty()) {
    if (!route->id_path.Find(doc, &record.event_id)) {
      res.status = 400;
      res.set_content("no event id at " + route->config.id_path + "\n", "text/plain");
      return;
    }
    record.has_id = true;
    dedup_key = name + '\n' + record.event_id;
    if (recent_->Acquire(dedup_key) == RecentIds::Claim::kDuplicate) {
      metrics_->Add("sluice_webhook_duplicates_total", {{"route", name}});
      res.status = 200;
      res.set_content("duplicate\n", "text/plain");
      return;
    }
  }
  try {
    spool_->Append(record);
  } catch (const std::exception& e) {
    if (!dedup_key.empty()) recent_->Settle(dedup_key, false);  // a retry must get in
    std::fprintf(stderr, "sluice serve: %s: cannot spool an event: %s\n", name.c_str(), e.what());
    res.status = 503;
    res.set_content("cannot spool the event\n", "text/plain");
    return;
  }
  if (!dedup_key.empty()) recent_->Settle(dedup_key, true);
  metrics_->Add("sluice_webhook_events_accepted_total", {{"route", name}});
  loader_->Notify();
  res.status = 200;
  res.set_content("accepted\n", "text/plain");
}

// cpp-httplib 0.11 listens with a backlog of 5: a burst of new connections (a sender fanning
// out after an outage) overflows it and some requests fail. Calling listen() again on the bound
// socket raises the backlog (Linux updates it in place); httplib does not expose the socket, so
// find it by its port.
static void WidenListenBacklog(int port) {
  for (int fd = 0; fd < 1024; fd++) {
    int listening = 0;
    socklen_t len = sizeof listening;
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || !listening) continue;
    sockaddr_storage address{};
    socklen_t address_len = sizeof address;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&address), &address_len) != 0) continue;
    const int bound = address.ss_family == AF_INET6
                          ? ntohs(reinterpret_cast<sockaddr_in6*>(&address)->sin6_port)
                          : ntohs(reinterpret_cast<sockaddr_in*>(&address)->sin_port);
    if (bound == port) ::listen(fd, 1024);
  }
}

int WebhookServer::Bind() {
  if (port_ == 0) {
    const int port = server_->bind_to_any_port(host_.c_str());
    if (port <= 0) throw IoError("cannot listen on " + host_ + " (any port)");
    port_ = port;
  } else if (!server_->bind_to_port(host_.c_str(), port_)) {
    throw IoError("cannot listen on " + config_.listen + " (in use, or not allowed)");
  }
  WidenListenBacklog(port_);
  return port_;
}

void WebhookServer::Serve() {
  server_->listen_after_bind();
}

void WebhookServer::Stop() {
  server_->stop();
}

bool WebhookServer::running() const {
  return server_->is_running();
}

std::string WebhookServer::url() const {
  const bool v6 = host_.find(':') != std::string::npos;
  return std::string(tls_ ? "https://" : "http://") + (v6 ? "[" + host_ + "]" : host_) + ":" +
         std::to_string(port_);
}

}  // namespace sluice
