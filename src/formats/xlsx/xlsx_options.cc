#include "formats/xlsx/xlsx_options.h"

#include "core/error.h"

namespace sluice {

void XlsxOptions::Validate() const {
  if (header_row < 0 || header_row > 1'048'576) {
    throw UsageError("--header-row takes a row number from 1 to 1048576, or 0 for no header; got " +
                     std::to_string(header_row));
  }
  if (chunk_bytes < 1024) throw UsageError("xlsx chunk size must be at least 1 KiB");
}

XlsxOptions::ErrorCells ParseErrorCellsPolicy(const std::string& name) {
  if (name == "reject") return XlsxOptions::ErrorCells::kReject;
  if (name == "null") return XlsxOptions::ErrorCells::kNull;
  throw UsageError("--error-cells takes reject or null, got '" + name + "'");
}

}  // namespace sluice
