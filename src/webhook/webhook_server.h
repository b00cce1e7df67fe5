#pragma once
// The webhook receiver's HTTP(S) front (docs/webhooks.md): POST <route path> checks the body
// size (413), the signature (401), that the body is a JSON object (400) with an id at the
// route's id_path (400), drops recently seen ids (200, counted as duplicates), spools the event
// durably and only then answers 200. GET /healthz and GET /metrics serve operations.
#include <memory>
#include <string>
#include <vector>

#include "config/pipeline_config.h"
#include "webhook/event_id.h"
#include "webhook/event_spool.h"
#include "webhook/metrics.h"
#include "webhook/recent_ids.h"
#include "webhook/signature_verifier.h"
#include "webhook/webhook_loader.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace sluice {

// Splits "host:port" / "[::1]:port"; throws UsageError.
void ParseListenAddress(const std::string& listen, std::string* host, int* port);

class WebhookServer {
 public:
  // Throws UsageError for an invalid route (bad signature settings or id_path).
  WebhookServer(const WebhookConfig& config, EventSpool* spool, WebhookLoader* loader,
                MetricsRegistry* metrics, RecentIds* recent);
  ~WebhookServer();
  // Binds the listening socket; returns the port (a free one when the configured port is 0).
  // Throws IoError if it cannot bind, UsageError for a bad TLS certificate or key.
  int Bind();
  // Serves until Stop(); returns after every request in flight was answered.
  void Serve();
  void Stop();
  bool running() const;
  // "http://host:port" or "https://..." after Bind().
  std::string url() const;

 private:
  struct Route {
    WebhookRouteConfig config;
    SignatureVerifier verifier;
    EventIdPath id_path;
  };
  void Install();
  void HandlePost(const httplib::Request& req, httplib::Response& res);
  void CountRequest(const std::string& path, int status);
  const Route* FindRoute(const std::string& path) const;

  WebhookConfig config_;
  EventSpool* spool_;
  WebhookLoader* loader_;
  MetricsRegistry* metrics_;
  RecentIds* recent_;
  std::vector<Route> routes_;
  std::unique_ptr<httplib::Server> server_;
  std::string host_;
  int port_ = 0;
  bool tls_ = false;
};

// Declares the receiver's metric families (names and help texts in docs/webhooks.md).
void DeclareWebhookMetrics(MetricsRegistry* metrics);

}  // namespace sluice
