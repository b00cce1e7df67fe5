#include "normalize/schema_tracker.h"

namespace sluice {
namespace {
std::string Key(const std::string& table, const std::string& column) {
  std::string k;
  k.reserve(table.size() + column.size() + 1);
  k.append(table).push_back('\0');
  k.append(column);
  return k;
}
}  // namespace

InferredType SchemaTracker::Hint(const std::string& table, const std::string& column) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = types_.find(Key(table, column));
  return it == types_.end() ? InferredType{} : it->second;
}

void SchemaTracker::Observe(const std::string& table, const std::string& column,
                            InferredType type) {
  std::lock_guard<std::mutex> lock(mu_);
  InferredType& t = types_[Key(table, column)];
  t = Join(t, type);
}

}  // namespace sluice
