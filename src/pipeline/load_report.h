#pragma once
// What a run did: the machine-readable report (`--report json`) and the human summary.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/rejected_record.h"

namespace sluice {

struct TableReport {
  uint64_t rows_loaded = 0;
  uint64_t rows_rejected = 0;
};

struct LoadReport {
  std::string load_id;
  std::string pipeline;
  std::string source;
  std::string destination;
  std::string mode;
  std::string status = "failed";  // committed | failed
  std::string error;              // when failed
  int64_t started_at_micros = 0;
  int64_t finished_at_micros = 0;
  uint64_t files = 0;
  uint64_t bytes_read = 0;                    // storage bytes (compressed size for .gz / .zst)
  uint64_t bytes_decoded = 0;                 // after decompression and decoding
  std::map<std::string, TableReport> tables;  // in name order
  uint64_t rows_rejected = 0;
  std::vector<RejectedRecord> first_rejects;  // a few examples for the human summary
  std::vector<std::string> schema_changes;    // "add column t.c int64", in the order applied
  uint64_t values_discarded = 0;              // schema contract discard_value
  uint64_t rows_skipped = 0;                  // at or before an incremental cursor
  uint64_t variant_values = 0;                // values loaded into variant columns

  double duration_seconds() const { return (finished_at_micros - started_at_micros) / 1e6; }
  uint64_t rows_loaded() const;
};

std::string RenderJsonReport(const LoadReport& report);
std::string RenderHumanReport(const LoadReport& report);

}  // namespace sluice
