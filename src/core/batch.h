#pragma once
// A columnar batch of rows for one table: what flows from sources to destinations.
#include <string>
#include <vector>

#include "core/column.h"

namespace sluice {

struct Batch {
  std::string table;
  std::vector<std::string> names;  // normalized column names, parallel to `columns`
  std::vector<Column> columns;
  size_t num_rows = 0;

  int FindColumn(std::string_view name) const {
    for (size_t i = 0; i < names.size(); i++) {
      if (names[i] == name) return static_cast<int>(i);
    }
    return -1;
  }
};

}  // namespace sluice
