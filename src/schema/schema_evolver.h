#pragma once
// Schema evolution: makes every batch fit the destination's tables before it is written, changing
// the schema where the contract allows (docs/architecture.md, "Schema evolution"):
// - a new table or column is created with the batch's type;
// - a column whose values all convert exactly to the table's type keeps its type;
// - a column widens when the widening is lossless for every value already loaded (int64 ->
//   decimal(18,s) while the digits fit, int64/decimal -> double while values have at most 15
//   digits, date -> timestamp, an all-NULL text column -> the first real type);
// - otherwise each value that converts exactly stays in the column and the others go to a
//   variant column named `<column>__v_<type>` (e.g. amount__v_text), so nothing is coerced.
// Where the contract forbids a change, the load fails (freeze), the row is rejected (discard_row)
// or the value is dropped (discard_value). It also adds the load id to root rows and rejects merge
// rows with a NULL key. Runs on the delivery thread, one batch at a time, in input order.
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/batch.h"
#include "core/rejected_record.h"
#include "destinations/destination.h"
#include "schema/schema_contract.h"

namespace sluice {

// Chooses, after a root batch is conformed to its table (so values have the table's types),
// which rows the load keeps: e.g. an incremental cursor. Rows it drops take their nested rows
// with them.
class RootRowFilter {
 public:
  virtual ~RootRowFilter() = default;
  // Sets drop[row] = 1 for rows to leave out; appends a reject for rows that are refused (as
  // opposed to skipped because an earlier load has them).
  virtual void Select(const Batch& batch, std::vector<uint8_t>* drop,
                      std::vector<RejectedRecord>* rejects) = 0;
};

struct EvolutionStats {
  uint64_t values_discarded = 0;     // discard_value
  uint64_t rows_discarded = 0;       // discard_row and NULL merge keys (also in the rejects)
  uint64_t variant_values = 0;       // values that went to variant columns
  std::vector<std::string> changes;  // "add column orders.note text", in the order applied
};

class SchemaEvolver {
 public:
  SchemaEvolver(Destination& destination, const LoadPlan& plan, SchemaContract contract);

  // Reads the family's current tables; call after destination.Begin().
  void Start();
  // Root rows pass `filter` after they are conformed (not owned; may be null).
  void SetRootRowFilter(RootRowFilter* filter) { root_filter_ = filter; }
  // Conforms `batch` to its table (calling the destination's schema operations first). Rows it
  // refuses are removed from the batch and appended to `rejects`.
  void Conform(Batch& batch, std::vector<RejectedRecord>* rejects);

  // The schema of every table this load wrote to, for _sluice_schemas.
  std::vector<SchemaVersion> Versions() const;
  const EvolutionStats& stats() const { return stats_; }
  // The tables as they will be after the load (`sluice schema` shows them).
  std::vector<TableSchema> Tables() const;

 private:
  enum class Typed { kUnknown, kNo, kYes };  // does a text column hold any value yet?
  struct ColumnState {
    ColumnSchema schema;
    Typed typed = Typed::kUnknown;
    int committed_digits = -1;  // integer digits of committed values; -1 = not asked yet
    uint8_t load_digits = 0;    // integer digits of the values this load wrote
  };
  struct TableState {
    std::string name;
    std::vector<ColumnState> columns;
    bool created_by_load = false;
    bool touched = false;

    ColumnState* Find(const std::string& column);
  };
  // Per-batch scratch: rows to drop, with the first reason for each.
  struct RowDrops {
    std::vector<uint8_t> drop;
    size_t count = 0;
  };

  TableState* PrepareTable(Batch& batch, RowDrops& drops, std::vector<RejectedRecord>* rejects);
  void ConformColumn(TableState& table, Batch& batch, size_t index, RowDrops& drops,
                     std::vector<RejectedRecord>* rejects, bool allow_variant);
  void AddColumn(TableState& table, const std::string& name, DataType type);
  void WidenColumn(TableState& table, ColumnState& column, DataType to);
  // The lossless widening of `column` that holds `incoming`, or kNull if there is none.
  DataType LosslessWidening(TableState& table, ColumnState& column, const Column& incoming);
  bool HoldsValues(TableState& table, ColumnState& column);
  uint8_t IntegerDigits(TableState& table, ColumnState& column);
  void Drop(Batch& batch, size_t row, RowDrops& drops, std::vector<RejectedRecord>* rejects,
            const std::string& column, std::string raw, std::string reason);
  void RemoveDroppedRows(Batch& batch, const RowDrops& drops);
  [[noreturn]] void ContractViolation(const Batch& batch, size_t row, const std::string& column,
                                      const std::string& what) const;

  Destination& destination_;
  LoadPlan plan_;
  SchemaContract contract_;
  bool family_existed_ = false;
  std::map<std::string, TableState> tables_;
  // _sluice_id values of rows dropped in the current chunk: their child rows are dropped too.
  std::set<std::string> dropped_ids_;
  RootRowFilter* root_filter_ = nullptr;
  EvolutionStats stats_;
};

// "amount__v_text": the variant column that holds `column`'s values of type `type`.
std::string VariantColumnName(const std::string& column, DataType type);

}  // namespace sluice
