#include "schema/schema_contract.h"

#include "core/error.h"

namespace sluice {

ContractMode ParseContractMode(const std::string& name) {
  if (name == "evolve") return ContractMode::kEvolve;
  if (name == "freeze") return ContractMode::kFreeze;
  if (name == "discard_row") return ContractMode::kDiscardRow;
  if (name == "discard_value") return ContractMode::kDiscardValue;
  throw UsageError("unknown schema contract mode '" + name +
                   "': use evolve, freeze, discard_row or discard_value");
}

const char* ContractModeName(ContractMode mode) {
  switch (mode) {
    case ContractMode::kEvolve:
      return "evolve";
    case ContractMode::kFreeze:
      return "freeze";
    case ContractMode::kDiscardRow:
      return "discard_row";
    case ContractMode::kDiscardValue:
      return "discard_value";
  }
  return "evolve";
}

SchemaContract SchemaContract::Parse(const std::string& spec) {
  SchemaContract contract;
  if (spec.find('=') == std::string::npos) {
    const ContractMode mode = ParseContractMode(spec);
    return {mode, mode, mode};
  }
  size_t start = 0;
  while (start <= spec.size()) {
    size_t end = spec.find(',', start);
    if (end == std::string::npos) end = spec.size();
    const std::string item = spec.substr(start, end - start);
    const size_t eq = item.find('=');
    if (eq == std::string::npos) {
      throw UsageError("schema contract item '" + item + "' is not ENTITY=MODE");
    }
    const std::string entity = item.substr(0, eq);
    const ContractMode mode = ParseContractMode(item.substr(eq + 1));
    if (entity == "tables") {
      contract.tables = mode;
    } else if (entity == "columns") {
      contract.columns = mode;
    } else if (entity == "data_type") {
      contract.data_type = mode;
    } else {
      throw UsageError("unknown schema contract entity '" + entity +
                       "': use tables, columns or data_type");
    }
    start = end + 1;
  }
  return contract;
}

std::string SchemaContract::ToString() const {
  return std::string("tables=") + ContractModeName(tables) +
         ",columns=" + ContractModeName(columns) + ",data_type=" + ContractModeName(data_type);
}

}  // namespace sluice
