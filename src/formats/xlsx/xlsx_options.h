#pragma once
// User-facing options of the Excel (.xlsx) reader (docs/xlsx.md).
#include <cstddef>
#include <cstdint>
#include <string>

namespace sluice {

struct XlsxOptions {
  // Target table name; set by the caller (usually derived from the file name).
  std::string table;
  // --sheet: a sheet name (exact, else case-insensitive) or a 1-based tab position. Empty: the
  // first worksheet.
  std::string sheet;
  // --header-row: the 1-based row holding the column names; rows above it are skipped. 0: no
  // header, columns are named col_1, col_2, ... by their sheet position.
  int64_t header_row = 1;
  // --error-cells: a cell holding an Excel error (#N/A, #DIV/0!, ...) rejects its row with the
  // reason (kReject) or loads as NULL (kNull).
  enum class ErrorCells { kReject, kNull };
  ErrorCells error_cells = ErrorCells::kReject;
  // Target size of the cell records handed to parse workers (cut at row ends).
  size_t chunk_bytes = size_t{1} << 20;

  // Throws sluice::UsageError explaining the first invalid setting.
  void Validate() const;
};

// "reject" / "null"; throws a usage error.
XlsxOptions::ErrorCells ParseErrorCellsPolicy(const std::string& name);

}  // namespace sluice
