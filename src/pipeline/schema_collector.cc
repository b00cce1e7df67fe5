#include "pipeline/schema_collector.h"

#include <algorithm>

namespace sluice {

void SchemaCollector::Write(Batch& batch) {
  auto t = std::find_if(tables_.begin(), tables_.end(),
                        [&](const CollectedTable& x) { return x.name == batch.table; });
  const bool first_batch = t == tables_.end();
  if (first_batch) {
    tables_.push_back({batch.table, {}, 0});
    t = tables_.end() - 1;
  }
  std::vector<bool> seen(t->columns.size(), false);
  for (size_t i = 0; i < batch.names.size(); i++) {
    const Column& col = batch.columns[i];
    const InferredType type{col.type(), col.IntegerDigits()};
    auto c = std::find_if(t->columns.begin(), t->columns.end(),
                          [&](const CollectedColumn& x) { return x.name == batch.names[i]; });
    if (c == t->columns.end()) {
      // A column that appears only in later batches was absent (NULL) in earlier rows.
      t->columns.push_back({batch.names[i], type, !first_batch || col.NullCount() > 0});
      continue;
    }
    seen[size_t(c - t->columns.begin())] = true;
    c->type = Join(c->type, type);
    c->nullable |= col.NullCount() > 0;
  }
  for (size_t i = 0; i < seen.size(); i++) {
    if (!seen[i]) t->columns[i].nullable = true;
  }
  t->rows += batch.num_rows;
}

}  // namespace sluice
