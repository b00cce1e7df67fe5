#pragma once
// A destination table's columns as sluice sees them: the unit schema evolution works on.
#include <string>
#include <vector>

#include "core/types.h"

namespace sluice {

struct ColumnSchema {
  std::string name;
  DataType type;
};

struct TableSchema {
  std::string name;
  std::vector<ColumnSchema> columns;  // in table order

  int FindColumn(std::string_view column) const {
    for (size_t i = 0; i < columns.size(); i++) {
      if (columns[i].name == column) return static_cast<int>(i);
    }
    return -1;
  }
};

}  // namespace sluice
