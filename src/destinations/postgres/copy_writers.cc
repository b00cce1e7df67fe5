#include "destinations/postgres/copy_writers.h"

#include "core/identifiers.h"
#include "destinations/postgres/copy_binary_writer.h"

namespace sluice {

std::string CopyTarget::CopySql() const {
  std::string sql = "COPY " + table + " (";
  for (size_t i = 0; i < columns.size(); i++) {
    sql += (i ? ", " : "") + QuoteIdentifier(columns[i].name);
  }
  if (sequence) sql += std::string(columns.empty() ? "" : ", ") + "_sluice_seq";
  sql += ") FROM STDIN (FORMAT binary";
  if (freeze) sql += ", FREEZE";
  return sql + ")";
}

CopyWriters::CopyWriters(std::vector<PgConnection*> connections)
    : queue_(std::max<size_t>(2, connections.size() * 2)) {
  writers_.reserve(connections.size());
  for (PgConnection* c : connections) writers_.push_back({c, {}});
  for (Writer& w : writers_) w.thread = std::thread([this, c = w.connection] { Run(c); });
}

CopyWriters::~CopyWriters() {
  Cancel();
}

void CopyWriters::Cancel() noexcept {
  {
    std::lock_guard<std::mutex> lock(mu_);
    cancelled_ = true;
  }
  cv_.notify_all();
  queue_.Cancel();
  for (Writer& w : writers_) {
    if (w.thread.joinable()) w.thread.join();
  }
}

void CopyWriters::Fail(std::exception_ptr error) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!error_) error_ = error;
  }
  cv_.notify_all();
  queue_.Cancel();  // producers stop waiting; the other writers stop
}

void CopyWriters::RethrowIfFailed() {
  std::lock_guard<std::mutex> lock(mu_);
  if (error_) std::rethrow_exception(error_);
}

void CopyWriters::Write(std::shared_ptr<const CopyTarget> target, Batch batch,
                        int64_t first_sequence) {
  RethrowIfFailed();
  Job job;
  job.target = std::move(target);
  job.batch = std::move(batch);
  job.first_sequence = first_sequence;
  if (!queue_.Push(std::move(job))) {
    RethrowIfFailed();
    throw Error(ErrorKind::kInternal, "COPY writers were cancelled");
  }
}

void CopyWriters::Flush() {
  uint64_t generation;
  {
    std::lock_guard<std::mutex> lock(mu_);
    generation = ++generation_;
    arrived_ = 0;
  }
  for (size_t i = 0; i < writers_.size(); i++) {
    Job job;
    job.flush_generation = generation;
    if (!queue_.Push(std::move(job))) break;  // failed: reported below
  }
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return error_ || cancelled_ || arrived_ == writers_.size(); });
  released_ = generation;
  cv_.notify_all();
  if (error_) std::rethrow_exception(error_);
}

void CopyWriters::Run(PgConnection* connection) {
  std::shared_ptr<const CopyTarget> current;
  std::unique_ptr<CopyBinaryWriter> encoder;
  auto send = [connection](const char* data, size_t size) { connection->PutCopyData(data, size); };
  auto end_copy = [&] {
    if (!current) return;
    current.reset();
    encoder->Finish();
    connection->EndCopy();
  };
  try {
    while (auto job = queue_.Pop()) {
      if (!job->target) {  // flush: end the COPY, wait until every writer has
        end_copy();
        std::unique_lock<std::mutex> lock(mu_);
        arrived_++;
        cv_.notify_all();
        cv_.wait(lock, [&] { return cancelled_ || error_ || released_ >= job->flush_generation; });
        continue;
      }
      if (job->target != current) {
        end_copy();
        connection->BeginCopy(job->target->CopySql());
        encoder =
            std::make_unique<CopyBinaryWriter>(job->target->columns, job->target->sequence, send);
        encoder->Begin();
        current = job->target;
      }
      encoder->Append(job->batch, job->first_sequence);
    }
  } catch (...) {
    Fail(std::current_exception());
  }
  connection->CancelCopy();  // no-op unless a COPY is still open (cancelled or failed)
}

}  // namespace sluice
