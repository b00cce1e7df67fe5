#pragma once
// Schema contracts: what a load may change in the destination's schema, and what happens to data
// that would change it when it may not (docs/configuration.md, "Schema contracts"). As in dlt,
// a contract has one mode for each kind of change:
// - tables:    a table the family does not have yet (a new child table; the family's first load
//              always creates its tables);
// - columns:   a column the table does not have yet;
// - data_type: a value that does not fit its column's type (widening the column or adding a
//              variant column would change the schema).
#include <string>

namespace sluice {

enum class ContractMode {
  kEvolve,        // change the schema
  kFreeze,        // fail the load, naming the table, column and value
  kDiscardRow,    // reject the row (to _sluice_rejects, with the reason); schema unchanged
  kDiscardValue,  // load the row without the value (NULL / column left out), count it
};

struct SchemaContract {
  ContractMode tables = ContractMode::kEvolve;
  ContractMode columns = ContractMode::kEvolve;
  ContractMode data_type = ContractMode::kEvolve;

  // "evolve" | "freeze" | "discard_row" | "discard_value" for all three, or a comma-separated
  // list of overrides: "columns=freeze,data_type=discard_row". Throws a usage error.
  static SchemaContract Parse(const std::string& spec);
  std::string ToString() const;  // "tables=evolve,columns=freeze,data_type=discard_row"
};

ContractMode ParseContractMode(const std::string& name);  // throws a usage error
const char* ContractModeName(ContractMode mode);

}  // namespace sluice
