#pragma once
// Incremental loading by a cursor column (`--incremental COL`): a run loads only the rows beyond
// the highest cursor value an earlier run committed (docs/configuration.md, "Incremental").
// - Rows with a cursor below (last value - lag) are skipped: they were loaded before.
// - Rows with the last value itself are loaded unless their key (the primary key, or the whole
//   row without one) was among the rows that carried it then: deduplication at the boundary.
// - With a lag (merge only) the rows in the window [last - lag, last] load again, so late
//   updates to them are merged.
// - Rows with a NULL cursor cannot be placed: by default they are rejected to the dead-letter
//   table with the reason (--on-null-cursor reject), or always loaded (load).
// The new last value and boundary keys are committed as pipeline state with the data.
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "core/batch.h"
#include "core/column.h"
#include "schema/schema_evolver.h"

namespace sluice {

struct IncrementalOptions {
  std::string column;         // normalized cursor column
  std::string lag;            // "" or a number; for timestamps also "90s", "15m", "2h", "3d"
  std::string initial_value;  // rows below it are skipped on a first run ("" = none)
  bool load_null_cursors = false;
  std::vector<std::string> primary_key;  // boundary dedup key; empty = the whole row
};

class IncrementalCursor : public RootRowFilter {
 public:
  // `stored` is the state value an earlier run committed (JSON; "" on a first run).
  IncrementalCursor(IncrementalOptions options, const std::string& stored);

  // The state key under which the cursor is kept (per resource).
  std::string StateKey() const { return "cursor:" + options_.column; }
  // The state value to commit with this load.
  std::string StateJson() const;

  void Select(const Batch& batch, std::vector<uint8_t>* drop,
              std::vector<RejectedRecord>* rejects) override;
  uint64_t rows_skipped() const { return rows_skipped_; }

 private:
  // Compares row `row` of `values` with the single value in `reference` (same type).
  int Compare(const Column& values, size_t row, const Column& reference) const;
  std::string RowKey(const Batch& batch, size_t row) const;
  void Bind(const Batch& batch, const Column& cursor);

  IncrementalOptions options_;
  bool bound_ = false;
  DataType type_;
  Column last_;                          // the committed last value (one row), or empty
  Column threshold_;                     // last - lag (one row), or empty
  Column initial_;                       // initial value (one row), or empty
  std::set<std::string> boundary_keys_;  // keys of the rows that carried last_
  std::string stored_last_text_;
  // What this run saw: the highest cursor loaded and the keys of rows carrying it.
  Column max_;
  std::set<std::string> max_keys_;
  uint64_t rows_skipped_ = 0;
};

}  // namespace sluice
