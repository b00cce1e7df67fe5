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
  virtual void Write(Batch& batch) = 0;  // may modify (e.g. cast columns up) the batch
  virtual void WriteRejects(const std::vector<RejectedRecord>& rejects) = 0;
};

}  // namespace sluice
