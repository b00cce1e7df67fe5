#include "pipeline/runner.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <map>
#include <random>
#include <thread>

#include "core/bounded_queue.h"
#include "config/secrets.h"
#include "core/error.h"
#include "pipeline/progress_bar.h"
#include "storage/storage.h"

namespace sluice {

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string NewLoadId() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &utc);
  std::random_device rd;
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "-%08x", static_cast<unsigned>(rd()));
  return std::string(buf) + suffix;
}

namespace {

// Limits chunks between "read" and "delivered": bounds the reorder buffer when one chunk is
// slow to parse while later ones finish.
class Window {
 public:
  explicit Window(size_t size) : free_(size) {}
  bool Acquire() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return cancelled_ || free_ > 0; });
    if (cancelled_) return false;
    free_--;
    return true;
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    free_++;
    cv_.notify_one();
  }
  void Cancel() {
    std::lock_guard<std::mutex> lock(mu_);
    cancelled_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  size_t free_;
  bool cancelled_ = false;
};

}  // namespace

void Pump(Source& source, BatchSink& sink, const RunOptions& options, LoadReport* report,
          SchemaEvolver* evolver) {
  const size_t workers =
      options.workers ? options.workers : std::max(1u, std::thread::hardware_concurrency());
  BoundedQueue<RawChunk> raw(workers + 1);
  BoundedQueue<ParsedChunk> parsed(workers + 1);
  Window window(2 * workers + 2);
  std::mutex error_mu;
  std::exception_ptr error;
  auto fail = [&](std::exception_ptr e) {
    {
      std::lock_guard<std::mutex> lock(error_mu);
      if (!error) error = e;
    }
    window.Cancel();
    raw.Cancel();
    parsed.Cancel();
  };

  int64_t total_bytes = 0;
  for (const auto& f : source.files()) {
    if (f.size < 0) {
      total_bytes = -1;
      break;
    }
    total_bytes += f.size;
  }
  report->files = source.files().size();

  std::atomic<uint64_t> decoded{0};
  std::thread reader([&] {
    try {
      for (;;) {
        if (options.max_decoded_bytes && decoded >= options.max_decoded_bytes) break;
        if (!window.Acquire()) return;
        RawChunk chunk;
        if (!source.ReadChunk(&chunk)) break;
        decoded += chunk.data.size();
        if (!raw.Push(std::move(chunk))) return;
      }
      raw.Close();
    } catch (...) {
      fail(std::current_exception());
    }
  });
  std::atomic<size_t> running_workers{workers};
  std::vector<std::thread> pool;
  for (size_t w = 0; w < workers; w++) {
    pool.emplace_back([&] {
      try {
        while (auto chunk = raw.Pop()) {
          ParsedChunk result = source.ParseChunk(std::move(*chunk));
          if (!parsed.Push(std::move(result))) return;
        }
      } catch (...) {
        fail(std::current_exception());
      }
      if (--running_workers == 0) parsed.Close();
    });
  }

  ProgressBar progress(options.progress, total_bytes);
  std::map<uint64_t, ParsedChunk> pending;
  uint64_t next = 0;
  uint64_t file_line_base = 0;
  uint64_t rows = 0;
  try {
    for (;;) {
      auto item = parsed.PopFor(std::chrono::milliseconds(100));
      if (item) {
        pending.emplace(item->sequence, std::move(*item));
      } else if (parsed.closed_and_empty()) {
        break;
      }
      for (auto it = pending.find(next); it != pending.end(); it = pending.find(next)) {
        ParsedChunk& chunk = it->second;
        if (chunk.first_in_file) file_line_base = 0;
        for (auto& reject : chunk.rejects) {
          if (reject.line) reject.line += file_line_base;
          reject.source = RedactedUri(reject.source);
        }
        const std::string path = RedactedUri(source.files()[chunk.file_index].path);
        for (auto& batch : chunk.batches) {
          batch.source = path;
          for (auto& origin : batch.origins) {
            if (origin.line) origin.line += file_line_base;
          }
          if (evolver) evolver->Conform(batch, &chunk.rejects);
          report->tables[batch.table].rows_loaded += batch.num_rows;
          if (batch.table == source.table()) rows += batch.num_rows;
          sink.Write(batch);
        }
        for (auto& reject : chunk.rejects) {
          report->tables[reject.table].rows_rejected++;
          if (report->first_rejects.size() < 5) report->first_rejects.push_back(reject);
        }
        report->rows_rejected += chunk.rejects.size();
        if (report->rows_rejected > options.max_bad_rows) {
          const RejectedRecord& first = report->first_rejects.front();
          throw InputError(std::to_string(report->rows_rejected) +
                           " rows rejected, more than --max-bad-rows " +
                           std::to_string(options.max_bad_rows) + "; first: " + first.source + ":" +
                           std::to_string(first.line) + ": " + first.reason +
                           ". Fix the input or raise --max-bad-rows.");
        }
        sink.WriteRejects(chunk.rejects);
        file_line_base += chunk.lines;
        report->bytes_read += chunk.stored_bytes;
        pending.erase(it);
        next++;
        window.Release();
      }
      progress.Update(rows, report->bytes_read);
    }
  } catch (...) {
    fail(std::current_exception());
  }
  reader.join();
  for (auto& t : pool) t.join();
  progress.Finish();
  report->bytes_decoded = decoded;
  if (error) std::rethrow_exception(error);
}

void RunLoad(Source& source, Destination& destination, const LoadPlan& plan,
             const RunOptions& options, LoadReport* report) {
  report->load_id = plan.load_id;
  report->pipeline = plan.pipeline;
  report->destination = destination.Describe();
  report->mode = WriteModeName(plan.mode);
  report->started_at_micros = NowMicros();
  LoadRecord record;
  record.source = report->source;
  record.started_at_micros = report->started_at_micros;
  SchemaEvolver evolver(destination, plan, options.contract);
  try {
    destination.Begin(plan);
    evolver.Start();
    evolver.SetRootRowFilter(options.root_filter);
    // Parsing starts from the types the destination holds: a text column keeps "007" as text.
    for (const auto& t : evolver.Tables()) {
      for (const auto& c : t.columns) {
        if (c.type.id == TypeId::kText && !destination.ColumnHasValues(t.name, c.name)) continue;
        source.HintColumnType(t.name, c.name, {c.type, 0});
      }
    }
    Pump(source, destination, options, report, &evolver);
    if (options.final_state) record.state = options.final_state();
    record.schemas = evolver.Versions();
    record.finished_at_micros = NowMicros();
    for (const auto& [name, t] : report->tables) record.rows_per_table[name] = t.rows_loaded;
    record.rows_rejected = report->rows_rejected;
    destination.Commit(record);
    report->schema_changes = evolver.stats().changes;
    report->values_discarded = evolver.stats().values_discarded;
    report->variant_values = evolver.stats().variant_values;
    report->finished_at_micros = NowMicros();
    report->status = "committed";
  } catch (const std::exception& e) {
    destination.Rollback();
    report->finished_at_micros = NowMicros();
    record.finished_at_micros = report->finished_at_micros;
    record.rows_rejected = report->rows_rejected;
    report->status = "failed";
    // Readers name their files in errors; a signed link's credentials must not be stored or
    // printed with them.
    std::string message = e.what();
    for (const InputFile& file : source.files()) {
      const std::string redacted = RedactedUri(file.path);
      if (redacted == file.path) continue;
      for (size_t at = message.find(file.path); at != std::string::npos;
           at = message.find(file.path, at + redacted.size())) {
        message.replace(at, file.path.size(), redacted);
      }
    }
    // Secrets of pipeline files (tokens an API echoed, credentials in a URL) are never stored.
    message = RedactSecrets(message);
    report->error = message;
    // Nothing of the failed load was committed: report zero loaded rows.
    for (auto& [name, t] : report->tables) t.rows_loaded = 0;
    destination.RecordFailure(record, message);
    if (message != e.what()) {
      if (const auto* error = dynamic_cast<const Error*>(&e)) {
        throw Error(error->kind(), message, error->retriable());
      }
      throw Error(ErrorKind::kInternal, message);
    }
    throw;
  }
}

}  // namespace sluice
