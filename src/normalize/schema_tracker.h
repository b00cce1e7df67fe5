#pragma once
// What the source knows so far about each table's column types, shared by parse workers so a
// batch starts converting with the types earlier batches settled on (fewer re-conversions).
// Thread-safe. Only a hint: the destination reconciles the authoritative table schema.
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/batch.h"

namespace sluice {

class SchemaTracker {
 public:
  InferredType Hint(const std::string& table, const std::string& column) const;
  // Joins the hint for (table, column) with `type`.
  void Observe(const std::string& table, const std::string& column, InferredType type);

 private:
  mutable std::mutex mu_;
  std::unordered_map<std::string, InferredType> types_;  // key: table + '\0' + column
};

}  // namespace sluice
