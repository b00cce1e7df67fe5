#pragma once
// A columnar batch of rows for one table: what flows from sources to destinations.
#include <cstdint>
#include <string>
#include <vector>

#include "core/column.h"

namespace sluice {

// Where a row's record starts in its input, for rejects decided after parsing (schema contracts,
// NULL merge keys). Lines are 1-based; 0 = unknown.
struct RowOrigin {
  uint64_t line = 0;
  uint64_t byte_offset = 0;
};

struct Batch {
  std::string table;
  std::vector<std::string> names;  // normalized column names, parallel to `columns`
  std::vector<Column> columns;
  size_t num_rows = 0;
  // Provenance: the input the rows came from and, if known, one origin per row (child rows
  // carry their document's origin). Empty `origins` = unknown.
  std::string source;
  std::vector<RowOrigin> origins;

  int FindColumn(std::string_view name) const {
    for (size_t i = 0; i < names.size(); i++) {
      if (names[i] == name) return static_cast<int>(i);
    }
    return -1;
  }
};

}  // namespace sluice
