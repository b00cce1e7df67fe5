#pragma once
// A batch sink that only joins column types: what `sluice schema` prints, and what a load would
// create.
#include <map>
#include <string>
#include <vector>

#include "destinations/batch_sink.h"

namespace sluice {

struct CollectedColumn {
  std::string name;
  InferredType type;
  bool nullable = false;  // a NULL was seen, or some batch lacked the column
};
struct CollectedTable {
  std::string name;
  std::vector<CollectedColumn> columns;
  uint64_t rows = 0;
};

class SchemaCollector final : public BatchSink {
 public:
  void Write(Batch& batch) override;
  void WriteRejects(const std::vector<RejectedRecord>& rejects) override {
    rejected_ += rejects.size();
  }
  const std::vector<CollectedTable>& tables() const { return tables_; }
  uint64_t rejected() const { return rejected_; }

 private:
  std::vector<CollectedTable> tables_;  // first-seen order
  uint64_t rejected_ = 0;
};

}  // namespace sluice
