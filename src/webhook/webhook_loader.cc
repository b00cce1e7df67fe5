#include "webhook/webhook_loader.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <random>

#include "config/secrets.h"
#include "core/error.h"
#include "core/identifiers.h"
#include "pipeline/runner.h"
#include "webhook/event_source.h"

namespace sluice {

namespace {

constexpr const char* kResource = "webhook_spool";
constexpr const char* kSpoolKey = "spool";
const std::string kTableKeyPrefix = "table:";

}  // namespace

WebhookLoaderOptions WebhookLoaderOptions::FromConfig(const WebhookConfig& config) {
  WebhookLoaderOptions o;
  o.pipeline = config.pipeline;
  o.destination = config.destination;
  o.batch_rows = std::max<uint64_t>(1, config.batch_rows);
  o.batch_interval_s = config.batch_interval_s;
  for (const WebhookRouteConfig& route : config.routes) {
    Table& t = o.tables[NormalizeIdentifier(route.table)];
    t.keyed = t.keyed || !route.id_path.empty();
    t.max_nesting = route.max_nesting;
  }
  return o;
}

WebhookLoader::WebhookLoader(WebhookLoaderOptions options, EventSpool* spool,
                             MetricsRegistry* metrics)
    : options_(std::move(options)), spool_(spool), metrics_(metrics) {
  pending_ = spool_->records_total();
}

WebhookLoader::~WebhookLoader() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    drain_deadline_ = std::chrono::steady_clock::now();
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void WebhookLoader::Start() {
  thread_ = std::thread([this] { Run(); });
}

void WebhookLoader::Notify() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (oldest_waiting_ == std::chrono::steady_clock::time_point{}) {
      oldest_waiting_ = std::chrono::steady_clock::now();
    }
  }
  UpdateGauges();
  wake_.notify_all();
}

bool WebhookLoader::Drain(std::chrono::milliseconds timeout) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    drain_deadline_ = std::chrono::steady_clock::now() + timeout;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard<std::mutex> lock(mu_);
  return drained_;
}

bool WebhookLoader::healthy(std::string* reason) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (error_.empty()) return true;
  *reason = error_;
  return false;
}

uint64_t WebhookLoader::pending() const {
  return pending_;
}

void WebhookLoader::UpdateGauges() {
  // Called from request threads too: the gauge may lag the loader by a batch.
  const uint64_t total = spool_->records_total();
  // 0 before the first Initialize(); after a failed load, the last known count.
  const uint64_t consumed = consumed_.load();
  pending_ = total > consumed ? total - consumed : 0;
  metrics_->Set("sluice_webhook_spool_events", {}, double(pending_));
  metrics_->Set("sluice_webhook_spool_bytes", {}, double(spool_->bytes_on_disk()));
}

void WebhookLoader::Initialize() {
  destination_ = OpenDestination(options_.destination);
  SpoolPosition committed;
  std::map<std::string, SpoolPosition> tables;
  for (const StateEntry& e : destination_->ReadState(options_.pipeline)) {
    if (e.resource != kResource) continue;
    SpoolPosition p;
    if (!ParseSpoolPositionJson(e.value, spool_->id(), &p)) continue;  // another spool's
    if (e.key == kSpoolKey) committed = p;
    if (e.key.starts_with(kTableKeyPrefix)) tables[e.key.substr(kTableKeyPrefix.size())] = p;
  }
  committed_ = committed;
  table_positions_ = std::move(tables);
  read_ = spool_->Normalize(committed_);
  consumed_ = spool_->CountRecordsBefore(read_);
  // Segments before the committed position may have outlived a crash between commit and delete.
  spool_->Release(committed_);
  initialized_ = true;
}

bool WebhookLoader::LoadBatch() {
  std::vector<SpoolRecord> events;
  const SpoolPosition next =
      spool_->Read(read_, options_.batch_rows, &events, options_.batch_bytes);
  if (events.empty()) {
    read_ = next;
    return false;
  }
  if (!destination_) destination_ = OpenDestination(options_.destination);
  std::map<std::string, std::vector<SpoolRecord>> by_table;
  for (SpoolRecord& e : events) {
    const std::string table = NormalizeIdentifier(e.table);
    auto done = table_positions_.find(table);
    // Loaded before a crash that came between this batch's per-table commits.
    if (done != table_positions_.end() && e.position < done->second) continue;
    by_table[table].push_back(std::move(e));
  }
  size_t remaining = by_table.size();
  for (auto& [table, table_events] : by_table) {
    const bool last = --remaining == 0;
    WebhookLoaderOptions::Table settings;
    if (auto it = options_.tables.find(table); it != options_.tables.end()) {
      settings = it->second;
    }
    LoadPlan plan;
    plan.load_id = NewLoadId();
    plan.pipeline = options_.pipeline;
    plan.root_table = table;
    if (settings.keyed) {
      // Replays and crash re-loads of an event replace its row instead of adding one.
      plan.mode = WriteMode::kMerge;
      plan.primary_key = {"_event_id"};
    }
    EventSourceOptions source_options;
    source_options.table = table;
    source_options.max_nesting = settings.max_nesting;
    source_options.keyed = settings.keyed;
    source_options.spool_id = spool_->id();
    std::unique_ptr<Source> source = MakeEventSource(source_options, std::move(table_events));
    RunOptions run;
    run.workers = 1;
    run.progress = false;
    // Bad events go to _sluice_rejects; failing the load would stall every event behind them.
    run.max_bad_rows = std::numeric_limits<uint64_t>::max();
    const std::string spool_id = spool_->id();
    // clang 14 cannot capture a structured binding: copy the name.
    run.final_state = [&, last, table_name = std::string(table)] {
      std::vector<StateEntry> state;
      state.push_back({options_.pipeline, kResource, kTableKeyPrefix + table_name,
                       SpoolPositionJson(spool_id, next), "", ""});
      if (last) {
        state.push_back(
            {options_.pipeline, kResource, kSpoolKey, SpoolPositionJson(spool_id, next), "", ""});
      }
      return state;
    };
    LoadReport report;
    report.source = "webhook";
    RunLoad(*source, *destination_, plan, run, &report);
    table_positions_[table] = next;
    if (last) committed_ = next;
    for (const auto& [name, t] : report.tables) {
      metrics_->Add("sluice_webhook_rows_loaded_total", {{"table", name}}, double(t.rows_loaded));
    }
    metrics_->Set("sluice_webhook_last_load_timestamp_seconds", {}, double(NowMicros()) / 1e6);
  }
  read_ = next;
  consumed_ += events.size();
  spool_->Release(committed_);
  return true;
}

void WebhookLoader::Run() {
  std::mt19937_64 rng(std::random_device{}());
  unsigned failures = 0;
  for (;;) {
    bool stopping;
    {
      std::unique_lock<std::mutex> lock(mu_);
      for (;;) {
        stopping = stopping_;
        if (stopping || !initialized_) break;
        const uint64_t waiting = spool_->records_total() - consumed_;
        if (waiting >= options_.batch_rows) break;
        if (oldest_waiting_ == std::chrono::steady_clock::time_point{}) {
          if (waiting > 0)
            oldest_waiting_ = std::chrono::steady_clock::now();
          else {
            wake_.wait(lock);
            continue;
          }
        }
        const auto due =
            oldest_waiting_ + std::chrono::duration_cast<std::chrono::nanoseconds>(
                                  std::chrono::duration<double>(options_.batch_interval_s));
        if (std::chrono::steady_clock::now() >= due) break;
        wake_.wait_until(lock, due);
      }
    }
    try {
      if (!initialized_) Initialize();
      bool loaded = LoadBatch();
      while (loaded && stopping) loaded = LoadBatch();  // drain: everything, batch by batch
      failures = 0;
      bool empty;
      {
        std::unique_lock<std::mutex> lock(mu_);
        error_.clear();
        empty = spool_->records_total() <= consumed_;
        oldest_waiting_ =
            empty ? std::chrono::steady_clock::time_point{} : std::chrono::steady_clock::now();
        if (stopping && !loaded) {
          drained_ = empty;
          lock.unlock();
          destination_.reset();
          UpdateGauges();
          return;
        }
        // Events counted but not yet synced: give the sync a moment instead of spinning.
        if (!loaded && !empty) wake_.wait_for(lock, std::chrono::milliseconds(5));
      }
      // Idle: let other processes open the database (DuckDB allows one writer process).
      if (empty) destination_.reset();
      UpdateGauges();
    } catch (const std::exception& e) {
      destination_.reset();  // reconnect on the next attempt
      // The commit may have happened (its acknowledgement lost): positions in memory may be
      // stale, so the retry starts from the committed state.
      initialized_ = false;
      const std::string message = RedactSecrets(e.what());
      failures++;
      const double cap = std::min(options_.backoff_max_s,
                                  options_.backoff_base_s * double(1u << std::min(failures, 10u)));
      const double delay = std::uniform_real_distribution<double>(cap / 2, cap)(rng);
      std::fprintf(stderr, "sluice serve: load failed (attempt %u, retrying in %.1f s): %s\n",
                   failures, delay, message.c_str());
      std::unique_lock<std::mutex> lock(mu_);
      error_ = message;
      const auto retry_at =
          std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::nanoseconds>(
                                                 std::chrono::duration<double>(delay));
      if (stopping_ && retry_at > drain_deadline_) return;  // gave up: events stay spooled
      wake_.wait_until(lock, retry_at, [&] { return stopping_ && !stopping; });
    }
  }
}

}  // namespace sluice
