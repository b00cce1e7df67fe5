#include "destinations/duckdb/stage_writers.h"

namespace sluice {

StageWriters::StageWriters(const DuckDbConnection& primary, size_t writers) {
  for (size_t i = 0; i < std::max<size_t>(writers, 1); i++) {
    auto w = std::make_unique<Writer>();
    w->connection = primary.Connect();
    w->queue = std::make_unique<BoundedQueue<Job>>(2);
    writers_.push_back(std::move(w));
  }
  for (auto& w : writers_) {
    Writer* writer = w.get();
    writer->thread = std::thread([this, writer] { Run(*writer); });
  }
}

StageWriters::~StageWriters() {
  for (auto& w : writers_) w->queue->Cancel();
  for (auto& w : writers_) {
    if (w->thread.joinable()) w->thread.join();
  }
}

void StageWriters::Run(Writer& writer) {
  while (auto job = writer.queue->Pop()) {
    bool failed;
    {
      std::lock_guard<std::mutex> lock(mu_);
      failed = error_ != nullptr;
    }
    try {
      if (job->flush) {
        for (auto& [table, appender] : writer.appenders) appender->Close();
        writer.appenders.clear();
      } else if (!failed) {
        auto& appender = writer.appenders[job->table];
        if (!appender) {
          appender = std::make_unique<TableAppender>(writer.connection->get(), job->table);
        }
        appender->Append(job->batch, job->sequence_column, job->first_sequence);
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(mu_);
      if (!error_) error_ = std::current_exception();
      writer.appenders.clear();  // drops unflushed rows: the load fails anyway
    }
    if (job->flush) {
      std::lock_guard<std::mutex> lock(mu_);
      pending_flushes_--;
      flushed_.notify_all();
    }
  }
}

void StageWriters::RethrowError() {
  std::lock_guard<std::mutex> lock(mu_);
  if (error_) std::rethrow_exception(error_);
}

void StageWriters::Append(const std::string& table, Batch batch, const std::string& sequence_column,
                          int64_t first_sequence) {
  RethrowError();
  Job job;
  job.table = table;
  job.batch = std::move(batch);
  job.sequence_column = sequence_column;
  job.first_sequence = first_sequence;
  writers_[next_]->queue->Push(std::move(job));
  next_ = (next_ + 1) % writers_.size();
}

void StageWriters::Flush() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    pending_flushes_ += writers_.size();
  }
  for (auto& w : writers_) {
    Job job;
    job.flush = true;
    w->queue->Push(std::move(job));
  }
  std::unique_lock<std::mutex> lock(mu_);
  flushed_.wait(lock, [&] { return pending_flushes_ == 0; });
  if (error_) std::rethrow_exception(error_);
}

}  // namespace sluice
