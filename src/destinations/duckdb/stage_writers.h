#pragma once
// Appends batches to staging tables from several threads, each with its own connection to the
// same database. DuckDB compresses and writes on the appending thread, so one appender is a
// serial bottleneck; staging tables live outside any transaction, where DuckDB lets several
// connections append to one table concurrently. Row order across writers is not preserved
// (merge keeps its own arrival sequence column).
#include <condition_variable>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/batch.h"
#include "core/bounded_queue.h"
#include "destinations/duckdb/duckdb_connection.h"
#include "destinations/duckdb/table_appender.h"

namespace sluice {

class StageWriters {
 public:
  StageWriters(const DuckDbConnection& primary, size_t writers);
  ~StageWriters();
  StageWriters(const StageWriters&) = delete;
  StageWriters& operator=(const StageWriters&) = delete;

  // Queues an append of `batch` (taken) to `table`; if `sequence_column` is not empty it is
  // filled with first_sequence + row. Rethrows an earlier writer's error.
  void Append(const std::string& table, Batch batch, const std::string& sequence_column,
              int64_t first_sequence);
  // Returns when every queued append is done and every appender is closed (needed before DDL
  // and before commit); rethrows the first writer error.
  void Flush();

 private:
  struct Job {
    std::string table;
    Batch batch;
    std::string sequence_column;
    int64_t first_sequence = 0;
    bool flush = false;  // close the appenders and report
  };
  struct Writer {
    std::unique_ptr<DuckDbConnection> connection;
    std::map<std::string, std::unique_ptr<TableAppender>> appenders;
    std::unique_ptr<BoundedQueue<Job>> queue;
    std::thread thread;
  };
  void Run(Writer& writer);
  void RethrowError();

  std::vector<std::unique_ptr<Writer>> writers_;
  size_t next_ = 0;
  std::mutex mu_;
  std::condition_variable flushed_;
  size_t pending_flushes_ = 0;
  std::exception_ptr error_;
};

}  // namespace sluice
