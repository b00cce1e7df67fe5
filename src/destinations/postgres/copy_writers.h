#pragma once
// COPY writer threads: batches queue up (bounded, so memory stays flat and a slow server slows
// the source down) and each writer thread encodes them with CopyBinaryWriter and streams them
// over its own connection. A writer keeps one COPY open while consecutive batches go to the same
// target and starts a new one when the target changes. Batches are spread over the writers in
// no particular order (tables are unordered; merge stages carry their own sequence numbers).
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/batch.h"
#include "core/bounded_queue.h"
#include "destinations/postgres/pg_connection.h"
#include "schema/table_schema.h"

namespace sluice {

// Where a batch is copied to: a table (quoted, schema-qualified) and its column list. Replaced by
// a new object when the table's columns change, which makes writers start a new COPY.
struct CopyTarget {
  std::string table;                  // "schema"."table"
  std::vector<ColumnSchema> columns;  // the COPY's column list, with the table's types
  bool sequence = false;              // one more column, _sluice_seq bigint
  bool freeze = false;                // COPY ... FREEZE (table created in this transaction)

  std::string CopySql() const;
};

class CopyWriters {
 public:
  // One writer thread per connection; the connections must stay alive and untouched by other
  // threads until Flush() returns or the writers are destroyed.
  explicit CopyWriters(std::vector<PgConnection*> connections);
  ~CopyWriters();  // cancels open COPYs (nothing they sent is committed by them)
  CopyWriters(const CopyWriters&) = delete;
  CopyWriters& operator=(const CopyWriters&) = delete;

  // Queues `batch` (taken) for `target`; rows are numbered from `first_sequence` if the target
  // has a sequence column. Blocks while the queue is full; rethrows a writer's error.
  void Write(std::shared_ptr<const CopyTarget> target, Batch batch, int64_t first_sequence);
  // Returns when every queued batch is sent and every writer has ended its COPY (the rows are
  // then committed on autocommit connections, or part of the open transaction); rethrows the
  // first writer error. The connections may be used by the caller until the next Write.
  void Flush();
  size_t size() const { return writers_.size(); }

 private:
  struct Job {
    std::shared_ptr<const CopyTarget> target;  // null: flush
    Batch batch;
    int64_t first_sequence = 0;
    uint64_t flush_generation = 0;
  };
  struct Writer {
    PgConnection* connection;
    std::thread thread;
  };
  void Run(PgConnection* connection);
  void Fail(std::exception_ptr error);
  void RethrowIfFailed();
  void Cancel() noexcept;

  BoundedQueue<Job> queue_;
  std::vector<Writer> writers_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::exception_ptr error_;
  uint64_t generation_ = 0;  // last flush started
  size_t arrived_ = 0;       // writers that reached it
  uint64_t released_ = 0;    // last flush finished
  bool cancelled_ = false;
};

}  // namespace sluice
