#pragma once
// `sluice serve`: the spool, the loader and the HTTP server of one webhook receiver, started
// and stopped together (docs/webhooks.md, "Operations").
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "config/pipeline_config.h"
#include "webhook/event_spool.h"
#include "webhook/metrics.h"
#include "webhook/recent_ids.h"
#include "webhook/webhook_loader.h"
#include "webhook/webhook_server.h"

namespace sluice {

class WebhookService {
 public:
  // Validates the configuration (UsageError) and opens the spool, cutting a torn tail (IoError).
  explicit WebhookService(WebhookConfig config);
  ~WebhookService();
  // Starts loading and serving; returns the port listened on.
  int Start();
  std::string url() const { return server_->url(); }
  // Stops accepting (requests in flight are answered), loads everything spooled, retrying
  // failed loads until `drain_timeout`. True if nothing is left unloaded.
  bool Stop(std::chrono::milliseconds drain_timeout);
  MetricsRegistry& metrics() { return metrics_; }
  EventSpool& spool() { return *spool_; }
  uint64_t pending() const { return loader_->pending(); }

 private:
  WebhookConfig config_;
  MetricsRegistry metrics_;
  RecentIds recent_;
  std::unique_ptr<EventSpool> spool_;
  std::unique_ptr<WebhookLoader> loader_;
  std::unique_ptr<WebhookServer> server_;
  std::thread serving_;
  bool stopped_ = false;
};

// Runs until SIGTERM or SIGINT, then drains. Prints "listening on URL" to stderr once ready.
// Returns the exit code: 0 everything loaded, 1 events left in the spool (they load on the next
// start).
int RunWebhookService(const WebhookConfig& config);

}  // namespace sluice
