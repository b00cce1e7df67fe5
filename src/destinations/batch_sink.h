#pragma once
// Where the runner delivers parsed batches, in input order. A destination is a batch sink that
// also commits; `sluice schema` uses a sink that only collects types.
#include <vector>

#include "core/batch.h"
#include "core/rejected_record.h"

namespace sluice {

class BatchSink {
 public:
  virtual ~BatchSink() = default;
  // May modify the batch (cast columns up) or take its contents (move it to a writer thread).
  virtual void Write(Batch& batch) = 0;
  virtual void WriteRejects(const std::vector<RejectedRecord>& rejects) = 0;
};

}  // namespace sluice
