#pragma once
// Moves spooled webhook events into the destination (docs/webhooks.md, "Durability"). Events
// are taken in batches (batch_rows, or batch_interval_s after the oldest waiting one), one
// RunLoad per route table, and each load commits the spool position it covers as pipeline
// state in the same transaction as its rows:
//   resource "webhook_spool", key "table:<table>": every event of <table> before it is loaded;
//   key "spool" (with the batch's last load): every event before it is loaded.
// On start, loading resumes at "spool" and skips events of tables whose own key is beyond
// them, so a crash at any moment neither loses nor doubles an event. A failed load (destination
// down) is retried with backoff while the spool keeps accepting; nothing is ever dropped.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "config/pipeline_config.h"
#include "destinations/destination.h"
#include "webhook/event_spool.h"
#include "webhook/metrics.h"

namespace sluice {

struct WebhookLoaderOptions {
  std::string pipeline = "webhooks";
  std::string destination;
  uint64_t batch_rows = 1000;
  uint64_t batch_bytes = uint64_t(64)
                         << 20;  // a batch stops at this many spooled bytes (>= 1 event)
  double batch_interval_s = 1.0;
  uint64_t max_bad_rows = 1000;
  double backoff_base_s = 0.5, backoff_max_s = 30;
  struct Table {
    bool keyed = false;  // some route into it has an id_path: merge by `_event_id`
    int max_nesting = 5;
  };
  std::map<std::string, Table> tables;  // by normalized table name
  static WebhookLoaderOptions FromConfig(const WebhookConfig& config);
};

class WebhookLoader {
 public:
  WebhookLoader(WebhookLoaderOptions options, EventSpool* spool, MetricsRegistry* metrics);
  ~WebhookLoader();
  void Start();
  // An event became durable in the spool.
  void Notify();
  // Stops taking timed batches, loads everything spooled (retrying failures until `timeout`),
  // and stops. Returns true if nothing is left unloaded.
  bool Drain(std::chrono::milliseconds timeout);
  // False (with the reason) while loads fail or the committed state could not be read.
  bool healthy(std::string* reason) const;
  uint64_t pending() const;
  // Sets the spool gauges (events not yet loaded, bytes on disk).
  void UpdateGauges();

 private:
  void Run();
  void Initialize();
  // Loads one batch; false if there was nothing to load.
  bool LoadBatch();

  WebhookLoaderOptions options_;
  EventSpool* spool_;
  MetricsRegistry* metrics_;
  std::unique_ptr<Destination> destination_;
  std::atomic<bool> initialized_{false};
  SpoolPosition read_;       // next event to load
  SpoolPosition committed_;  // the committed "spool" key
  std::map<std::string, SpoolPosition> table_positions_;
  std::atomic<uint64_t> consumed_{0};  // spool records before read_

  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool drained_ = false;
  std::chrono::steady_clock::time_point drain_deadline_;
  std::chrono::steady_clock::time_point oldest_waiting_{};  // {} = none waiting
  std::string error_;
  std::atomic<uint64_t> pending_{0};
  std::thread thread_;
};

}  // namespace sluice
