#include "schema/schema_evolver.h"

#include <algorithm>

#include <xxhash.h>

#include "core/error.h"
#include "core/identifiers.h"
#include "core/json_string.h"
#include "core/utf8.h"
#include "schema/value_coercion.h"

namespace sluice {
namespace {

constexpr size_t kMaxValueInMessage = 200;
constexpr const char* kIdColumn = "_sluice_id";
constexpr const char* kParentIdColumn = "_sluice_parent_id";

bool IsInternalColumn(const std::string& name) {
  return name.rfind("_sluice_", 0) == 0;
}

std::string ValueText(const Column& column, size_t row) {
  if (!column.IsValid(row)) return "NULL";
  std::string text;
  column.AppendValueAsText(row, &text);
  if (text.size() > kMaxValueInMessage) {
    text.resize(kMaxValueInMessage);
    text += "...";
  }
  return EscapeInvalidUtf8(text);
}

Column NullColumn(DataType type, size_t rows) {
  Column c(type);
  c.Reserve(rows);
  for (size_t r = 0; r < rows; r++) c.AppendNull();
  return c;
}

bool AllNull(const Column& column) {
  return column.type().id == TypeId::kNull || column.NullCount() == column.size();
}

}  // namespace

std::string VariantColumnName(const std::string& column, DataType type) {
  std::string suffix = TypeName(type);
  if (const size_t paren = suffix.find('('); paren != std::string::npos) suffix.resize(paren);
  return column + "__v_" + suffix;
}

SchemaEvolver::ColumnState* SchemaEvolver::TableState::Find(const std::string& column) {
  for (auto& c : columns) {
    if (c.schema.name == column) return &c;
  }
  return nullptr;
}

SchemaEvolver::SchemaEvolver(Destination& destination, const LoadPlan& plan,
                             SchemaContract contract)
    : destination_(destination), plan_(plan), contract_(contract) {}

void SchemaEvolver::Start() {
  tables_.clear();
  for (auto& t : destination_.ReadTables(plan_.root_table)) {
    TableState& state = tables_[t.name];
    state.name = t.name;
    for (auto& c : t.columns) state.columns.push_back({std::move(c), Typed::kUnknown, -1, 0});
    if (t.name == plan_.root_table) family_existed_ = true;
  }
}

void SchemaEvolver::Drop(Batch& batch, size_t row, RowDrops& drops,
                         std::vector<RejectedRecord>* rejects, const std::string& column,
                         std::string raw, std::string reason) {
  if (drops.drop[row]) return;
  drops.drop[row] = 1;
  drops.count++;
  stats_.rows_discarded++;
  RejectedRecord r;
  r.table = batch.table;
  r.source = batch.source;
  if (row < batch.origins.size()) {
    r.line = batch.origins[row].line;
    r.byte_offset = batch.origins[row].byte_offset;
  }
  r.column = column;
  r.raw = std::move(raw);
  r.reason = std::move(reason);
  rejects->push_back(std::move(r));
  // Its nested rows (later batches of this chunk) go with it.
  if (const int id = batch.FindColumn(kIdColumn); id >= 0 && batch.columns[id].IsValid(row)) {
    dropped_ids_.insert(std::string(batch.columns[id].GetString(row)));
  }
}

void SchemaEvolver::ContractViolation(const Batch& batch, size_t row, const std::string& column,
                                      const std::string& what) const {
  std::string where;
  if (!batch.source.empty()) where = batch.source;
  if (row < batch.origins.size() && batch.origins[row].line) {
    where += " line " + std::to_string(batch.origins[row].line);
  }
  std::string message = "schema contract (" + contract_.ToString() + ") violated: " + what +
                        " in table '" + batch.table + "'";
  if (!column.empty()) {
    const int index = batch.FindColumn(column);
    message += ", column '" + column + "'";
    if (index >= 0 && row < batch.num_rows) {
      message += ", value '" + ValueText(batch.columns[index], row) + "'";
    }
  }
  if (!where.empty()) message += " (" + where + ")";
  throw InputError(message);
}

void SchemaEvolver::AddColumn(TableState& table, const std::string& name, DataType type) {
  const DataType stored = type.id == TypeId::kNull ? DataType::Of(TypeId::kText) : type;
  destination_.AddColumn(table.name, {name, stored});
  ColumnState c{{name, stored}, type.id == TypeId::kNull ? Typed::kNo : Typed::kUnknown, 0, 0};
  table.columns.push_back(std::move(c));
  stats_.changes.push_back("add column " + table.name + "." + name + " " + TypeName(stored));
}

void SchemaEvolver::WidenColumn(TableState& table, ColumnState& column, DataType to) {
  destination_.WidenColumn(table.name, {column.schema.name, to});
  stats_.changes.push_back("change column " + table.name + "." + column.schema.name + " " +
                           TypeName(column.schema.type) + " -> " + TypeName(to));
  column.schema.type = to;
}

bool SchemaEvolver::HoldsValues(TableState& table, ColumnState& column) {
  if (column.typed == Typed::kUnknown) {
    const bool holds =
        !table.created_by_load && destination_.ColumnHasValues(table.name, column.schema.name);
    column.typed = holds ? Typed::kYes : Typed::kNo;
  }
  return column.typed == Typed::kYes;
}

uint8_t SchemaEvolver::IntegerDigits(TableState& table, ColumnState& column) {
  if (column.committed_digits < 0) {
    column.committed_digits =
        table.created_by_load ? 0
                              : destination_.LoadedIntegerDigits(table.name, column.schema.name);
  }
  return std::max<uint8_t>(uint8_t(column.committed_digits), column.load_digits);
}

DataType SchemaEvolver::LosslessWidening(TableState& table, ColumnState& column,
                                         const Column& incoming) {
  constexpr int kExactDoubleDigits = 15;
  const DataType from = column.schema.type, in = incoming.type();
  const DataType none;
  if (from.id == TypeId::kInt64 || from.id == TypeId::kDecimal) {
    if (in.id == TypeId::kDecimal && in.scale > from.scale) {
      const int digits = std::max(IntegerDigits(table, column), incoming.IntegerDigits());
      return digits + in.scale <= kMaxDecimalDigits ? in : none;
    }
    if (in.id == TypeId::kDouble) {
      return IntegerDigits(table, column) + from.scale <= kExactDoubleDigits
                 ? DataType::Of(TypeId::kDouble)
                 : none;
    }
    return none;
  }
  if (from.id == TypeId::kDate && in.id == TypeId::kTimestamp) return in;
  return none;
}

SchemaEvolver::TableState* SchemaEvolver::PrepareTable(Batch& batch, RowDrops& drops,
                                                       std::vector<RejectedRecord>* rejects) {
  auto it = tables_.find(batch.table);
  if (it != tables_.end()) return &it->second;
  if (family_existed_ && contract_.tables != ContractMode::kEvolve) {
    if (contract_.tables == ContractMode::kFreeze) {
      ContractViolation(batch, 0, "", "a new table");
    }
    for (size_t r = 0; r < batch.num_rows; r++) {
      Drop(batch, r, drops, rejects, "", "",
           "table '" + batch.table + "' is not in the schema (schema contract tables=" +
               ContractModeName(contract_.tables) + ")");
    }
    return nullptr;
  }
  TableState& table = tables_[batch.table];
  table.name = batch.table;
  table.created_by_load = true;
  TableSchema schema{batch.table, {}};
  std::string description;
  for (size_t i = 0; i < batch.names.size(); i++) {
    const DataType type = batch.columns[i].type();
    const bool untyped = type.id == TypeId::kNull;
    const DataType stored = untyped ? DataType::Of(TypeId::kText) : type;
    schema.columns.push_back({batch.names[i], stored});
    table.columns.push_back(
        {{batch.names[i], stored}, untyped ? Typed::kNo : Typed::kUnknown, 0, 0});
    description += (i ? ", " : "") + batch.names[i] + " " + TypeName(stored);
  }
  destination_.CreateTable(schema);
  stats_.changes.push_back("create table " + batch.table + " (" + description + ")");
  return &table;
}

void SchemaEvolver::ConformColumn(TableState& table, Batch& batch, size_t index, RowDrops& drops,
                                  std::vector<RejectedRecord>* rejects, bool allow_variant) {
  const std::string name = batch.names[index];
  const size_t rows = batch.num_rows;
  ColumnState* column = table.Find(name);
  if (!column) {
    const Column& values = batch.columns[index];
    const bool may_add =
        contract_.columns == ContractMode::kEvolve || IsInternalColumn(name) || !allow_variant;
    if (may_add) {
      AddColumn(table, name, values.type());
      if (values.type().id == TypeId::kNull) {
        batch.columns[index] = NullColumn(DataType::Of(TypeId::kText), rows);
      }
      return;
    }
    // The contract forbids a new column. Only its values are at stake: an all-NULL column
    // is left out without loss.
    for (size_t r = 0; r < rows && !AllNull(values); r++) {
      if (!values.IsValid(r) || drops.drop[r]) continue;
      switch (contract_.columns) {
        case ContractMode::kFreeze:
          ContractViolation(batch, r, name, "a new column");
        case ContractMode::kDiscardRow:
          Drop(batch, r, drops, rejects, name, ValueText(values, r),
               "column '" + name + "' is not in the schema of table '" + table.name +
                   "' (schema contract columns=discard_row)");
          break;
        default:
          stats_.values_discarded++;
      }
    }
    batch.names[index].clear();  // marks the column for removal
    return;
  }
  const DataType target = column->schema.type;
  const DataType incoming = batch.columns[index].type();
  if (incoming == target) return;
  if (incoming.id == TypeId::kNull) {
    batch.columns[index] = NullColumn(target, rows);
    return;
  }
  if (target.id == TypeId::kText && incoming.id != TypeId::kText && !HoldsValues(table, *column)) {
    // A column that never held a value takes the first real type.
    WidenColumn(table, *column, incoming);
    return;
  }
  if (AlwaysCoerces(incoming, target)) {
    batch.columns[index] = batch.columns[index].CastTo(target);
    return;
  }
  if (contract_.data_type == ContractMode::kEvolve) {
    const DataType wider = LosslessWidening(table, *column, batch.columns[index]);
    if (wider.id != TypeId::kNull) {
      WidenColumn(table, *column, wider);
      if (wider != incoming) batch.columns[index] = batch.columns[index].CastTo(wider);
      return;
    }
  }
  // Value by value: what converts exactly stays, the rest follows the contract.
  const Column& values = batch.columns[index];
  Column kept(target), spilled(incoming);
  kept.Reserve(rows);
  spilled.Reserve(rows);
  bool any_spilled = false;
  for (size_t r = 0; r < rows; r++) {
    if (drops.drop[r]) {
      kept.AppendNull();
      spilled.AppendNull();
      continue;
    }
    if (CoerceValue(values, r, &kept)) {
      spilled.AppendNull();
      continue;
    }
    kept.AppendNull();
    const std::string what =
        "a " + TypeName(incoming) + " value that does not fit " + TypeName(target);
    if (!allow_variant) {
      throw InputError("value '" + ValueText(values, r) + "' of table '" + table.name +
                       "' fits neither its column nor the variant column '" + name + "' (" +
                       TypeName(target) + ")");
    }
    switch (contract_.data_type) {
      case ContractMode::kEvolve:
        spilled.AppendFrom(values, r);
        any_spilled = true;
        stats_.variant_values++;
        break;
      case ContractMode::kFreeze:
        ContractViolation(batch, r, name, what);
      case ContractMode::kDiscardRow:
        spilled.AppendNull();
        Drop(batch, r, drops, rejects, name, ValueText(values, r),
             "value does not fit column '" + name + "' of type " + TypeName(target) +
                 " (schema contract data_type=discard_row)");
        break;
      case ContractMode::kDiscardValue:
        spilled.AppendNull();
        stats_.values_discarded++;
        break;
    }
  }
  batch.columns[index] = std::move(kept);
  if (!any_spilled) return;
  batch.names.push_back(VariantColumnName(name, incoming));
  batch.columns.push_back(std::move(spilled));
  ConformColumn(table, batch, batch.columns.size() - 1, drops, rejects, false);
}

void SchemaEvolver::RemoveDroppedRows(Batch& batch, const RowDrops& drops) {
  if (drops.count == 0) return;
  for (auto& column : batch.columns) {
    Column kept(column.type());
    kept.Reserve(batch.num_rows - drops.count);
    for (size_t r = 0; r < batch.num_rows; r++) {
      if (!drops.drop[r]) kept.AppendFrom(column, r);
    }
    column = std::move(kept);
  }
  if (!batch.origins.empty()) {
    std::vector<RowOrigin> kept;
    for (size_t r = 0; r < batch.num_rows; r++) {
      if (!drops.drop[r]) kept.push_back(batch.origins[r]);
    }
    batch.origins = std::move(kept);
  }
  batch.num_rows -= drops.count;
}

void SchemaEvolver::Conform(Batch& batch, std::vector<RejectedRecord>* rejects) {
  if (const size_t max = destination_.MaxIdentifierBytes(); max) {
    // Names the destination cannot hold are shortened the same way every time.
    if (batch.table.size() > max) batch.table = ShortenIdentifier(batch.table, max);
    for (auto& name : batch.names) {
      if (name.size() > max) name = ShortenIdentifier(name, max);
    }
  }
  const bool root = batch.table == plan_.root_table;
  const size_t rows = batch.num_rows;
  if (root) {
    dropped_ids_.clear();  // a root batch starts a new chunk
    if (batch.FindColumn(kLoadIdColumn) < 0) {
      Column load_id(DataType::Of(TypeId::kText));
      load_id.Reserve(rows);
      for (size_t r = 0; r < rows; r++) load_id.AppendString(plan_.load_id);
      batch.names.push_back(kLoadIdColumn);
      batch.columns.push_back(std::move(load_id));
    }
  }
  RowDrops drops;
  drops.drop.assign(rows, 0);
  if (!dropped_ids_.empty()) {
    if (const int parent = batch.FindColumn(kParentIdColumn); parent >= 0) {
      const Column& ids = batch.columns[parent];
      for (size_t r = 0; r < rows; r++) {
        if (!ids.IsValid(r) || !dropped_ids_.count(std::string(ids.GetString(r)))) continue;
        drops.drop[r] = 1;
        drops.count++;
        if (const int id = batch.FindColumn(kIdColumn); id >= 0) {
          dropped_ids_.insert(std::string(batch.columns[id].GetString(r)));
        }
      }
    }
  }
  if (root && plan_.mode == WriteMode::kMerge) {
    for (const auto& key : plan_.primary_key) {
      const int k = batch.FindColumn(key);
      if (k < 0) {
        std::string have;
        for (const auto& n : batch.names) have += (have.empty() ? "" : ", ") + n;
        throw UsageError("--primary-key column '" + key + "' is not in the data for table '" +
                         batch.table + "' (columns: " + have + ")");
      }
      for (size_t r = 0; r < rows; r++) {
        if (batch.columns[k].IsValid(r)) continue;
        Drop(batch, r, drops, rejects, key, "",
             "primary key column '" + key + "' is NULL: a merge cannot match the row");
      }
    }
  }
  TableState* table = PrepareTable(batch, drops, rejects);
  if (!table) {
    batch.num_rows = 0;
    batch.names.clear();
    batch.columns.clear();
    batch.origins.clear();
    return;
  }
  table->touched = true;
  const size_t original_columns = batch.columns.size();
  for (size_t i = 0; i < original_columns; i++) {
    ConformColumn(*table, batch, i, drops, rejects, true);
  }
  // Columns the contract left out were marked with an empty name: remove them.
  for (size_t i = batch.columns.size(); i-- > 0;) {
    if (!batch.names[i].empty()) continue;
    batch.columns.erase(batch.columns.begin() + i);
    batch.names.erase(batch.names.begin() + i);
  }
  if (root && root_filter_) {
    std::vector<uint8_t> selected = drops.drop;
    root_filter_->Select(batch, &selected, rejects);
    const int id = batch.FindColumn(kIdColumn);
    for (size_t r = 0; r < rows; r++) {
      if (!selected[r] || drops.drop[r]) continue;
      drops.drop[r] = 1;
      drops.count++;
      if (id >= 0 && batch.columns[id].IsValid(r)) {
        dropped_ids_.insert(std::string(batch.columns[id].GetString(r)));
      }
    }
  }
  RemoveDroppedRows(batch, drops);
  for (size_t i = 0; i < batch.columns.size(); i++) {
    ColumnState* column = table->Find(batch.names[i]);
    const Column& values = batch.columns[i];
    const TypeId id = values.type().id;
    if (id == TypeId::kInt64 || id == TypeId::kDecimal) {
      column->load_digits = std::max(column->load_digits, values.IntegerDigits());
    } else if (id == TypeId::kText && column->typed != Typed::kYes && !AllNull(values)) {
      column->typed = Typed::kYes;
    }
  }
}

std::vector<TableSchema> SchemaEvolver::Tables() const {
  std::vector<TableSchema> out;
  for (const auto& [name, t] : tables_) {
    TableSchema s{name, {}};
    for (const auto& c : t.columns) s.columns.push_back(c.schema);
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<SchemaVersion> SchemaEvolver::Versions() const {
  std::vector<SchemaVersion> out;
  for (const auto& [name, t] : tables_) {
    if (!t.touched) continue;
    std::string json = "{\"columns\":[";
    for (size_t i = 0; i < t.columns.size(); i++) {
      json += i ? ",{\"name\":" : "{\"name\":";
      AppendJsonString(EscapeInvalidUtf8(t.columns[i].schema.name), &json);
      json += ",\"type\":\"" + TypeName(t.columns[i].schema.type) + "\"}";
    }
    json += "]}";
    char hash[17];
    snprintf(hash, sizeof hash, "%016llx",
             static_cast<unsigned long long>(XXH3_64bits(json.data(), json.size())));
    out.push_back({name, hash, std::move(json)});
  }
  return out;
}

}  // namespace sluice
