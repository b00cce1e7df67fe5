#pragma once
// A record that could not be loaded, with where it came from and why. Goes to the dead-letter
// table (_sluice_rejects) and is counted in the run report.
#include <cstdint>
#include <string>

namespace sluice {

struct RejectedRecord {
  std::string table;         // table the record was meant for
  std::string source;        // file path or URL
  uint64_t line = 0;         // 1-based physical line where the record starts; 0 if unknown
  uint64_t byte_offset = 0;  // of the record's first byte in the (decoded) input
  std::string column;        // the offending column, if one
  std::string raw;           // the record's raw text (capped at kMaxRawBytes)
  std::string reason;

  static constexpr size_t kMaxRawBytes = 64 * 1024;
};

}  // namespace sluice
