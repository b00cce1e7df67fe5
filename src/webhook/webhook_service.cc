#include "webhook/webhook_service.h"

#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <set>

#include "core/error.h"
#include "core/identifiers.h"
#include "destinations/filesystem/filesystem_options.h"

namespace sluice {

namespace {

// The spool takes records up to 256 MiB; a body must fit with room to spare.
constexpr uint64_t kMaxBodyBytesLimit = uint64_t(64) << 20;

void Validate(const WebhookConfig& config) {
  if (config.routes.empty()) throw UsageError("a webhook config needs at least one route");
  if (config.pipeline.empty()) throw UsageError("pipeline must not be empty");
  if (config.spool_dir.empty()) throw UsageError("spool_dir must not be empty");
  if (config.batch_interval_s < 0) throw UsageError("batch_interval_s must be >= 0");
  if (config.max_body_bytes < 1 || config.max_body_bytes > kMaxBodyBytesLimit) {
    throw UsageError("max_body_bytes must be 1.." + std::to_string(kMaxBodyBytesLimit) +
                     " (64 MiB)");
  }
  std::set<std::string> paths;
  std::map<std::string, bool> keyed;  // table -> has an id_path
  for (size_t i = 0; i < config.routes.size(); i++) {
    const WebhookRouteConfig& r = config.routes[i];
    const std::string where = "routes[" + std::to_string(i) + "]";
    if (r.path.empty() || r.path[0] != '/') throw UsageError(where + ".path must start with /");
    if (r.path == "/healthz" || r.path == "/metrics") {
      throw UsageError(where + ".path " + r.path + " is the receiver's own");
    }
    if (!paths.insert(r.path).second) throw UsageError(where + ".path " + r.path + " repeats");
    if (r.table.empty()) throw UsageError(where + ".table is required");
    const std::string table = NormalizeIdentifier(r.table);
    auto [it, fresh] = keyed.emplace(table, !r.id_path.empty());
    if (!fresh && it->second != !r.id_path.empty()) {
      // One table is merged by `_event_id` or appended to, not both.
      throw UsageError(where + ": routes into table " + table +
                       " must all have an id_path or all have none");
    }
    if (!r.id_path.empty() && IsFilesystemDestinationUri(config.destination)) {
      // Events would be acknowledged, then every load refused.
      throw UsageError(where + " (" + r.path +
                       ") has an id_path, which loads by merge on `_event_id`; the filesystem "
                       "destination cannot merge: drop the id_path or use a database destination");
    }
  }
}

}  // namespace

WebhookService::WebhookService(WebhookConfig config) : config_(std::move(config)) {
  Validate(config_);
  DeclareWebhookMetrics(&metrics_);
  SpoolOptions options;
  options.dir = config_.spool_dir;
  // Ids of events still spooled (loaded or not) answer their senders' retries as duplicates.
  spool_ = std::make_unique<EventSpool>(options, [this](const SpoolRecord& r) {
    if (r.has_id) recent_.Remember(r.route + '\n' + r.event_id);
  });
  loader_ = std::make_unique<WebhookLoader>(WebhookLoaderOptions::FromConfig(config_), spool_.get(),
                                            &metrics_);
  server_ =
      std::make_unique<WebhookServer>(config_, spool_.get(), loader_.get(), &metrics_, &recent_);
}

WebhookService::~WebhookService() {
  if (!stopped_ && serving_.joinable()) Stop(std::chrono::milliseconds(0));
}

int WebhookService::Start() {
  const int port = server_->Bind();
  loader_->UpdateGauges();
  loader_->Start();
  serving_ = std::thread([this] { server_->Serve(); });
  // Stop() before the accept loop runs would be lost; wait for it.
  for (int i = 0; i < 5000 && !server_->running(); i++) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return port;
}

bool WebhookService::Stop(std::chrono::milliseconds drain_timeout) {
  stopped_ = true;
  server_->Stop();
  if (serving_.joinable()) serving_.join();
  return loader_->Drain(drain_timeout);
}

int RunWebhookService(const WebhookConfig& config) {
  // Signals go to one waiting thread, never to a request thread in the middle of an fsync.
  sigset_t signals, previous;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, &previous);
  int code = 0;
  {
    WebhookService service(config);
    for (const WebhookRouteConfig& r : config.routes) {
      if (r.signature.scheme == SignatureConfig::Scheme::kNone) {
        std::fprintf(stderr,
                     "sluice serve: warning: route %s has no signature: anyone who can reach "
                     "it can add events to table %s\n",
                     r.path.c_str(), r.table.c_str());
      }
    }
    service.Start();
    std::fprintf(stderr, "listening on %s\n", service.url().c_str());
    std::fflush(stderr);
    int signal = -1;
    while (signal < 0) {
      siginfo_t info;
      timespec wait{1, 0};
      signal = sigtimedwait(&signals, &info, &wait);
    }
    std::fprintf(stderr, "sluice serve: %s: stopped accepting; loading what is spooled\n",
                 signal == SIGINT ? "SIGINT" : "SIGTERM");
    if (service.Stop(std::chrono::seconds(60))) {
      std::fprintf(stderr, "sluice serve: every spooled event is loaded\n");
    } else {
      std::fprintf(stderr, "sluice serve: %llu event(s) stay in %s; they load on the next start\n",
                   static_cast<unsigned long long>(service.pending()), config.spool_dir.c_str());
      code = 1;
    }
  }
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  return code;
}

}  // namespace sluice
