#pragma once
// Decides the table and column names of flattened JSON once per source, so every batch (on any
// worker thread) maps the same raw key path to the same name, and keys that normalize to the same
// identifier ("a b" and "a_b") get distinct names (a_b, a_b_2) in first-seen order. Thread-safe;
// batches cache the answers, so the lock is taken once per new path per batch.
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace sluice {

// Link columns every flattened table may carry; user keys that normalize to these get a suffix.
inline constexpr std::string_view kSluiceIdColumn = "_sluice_id";
inline constexpr std::string_view kParentIdColumn = "_sluice_parent_id";
inline constexpr std::string_view kListIndexColumn = "_sluice_list_idx";

class JsonNames {
 public:
  explicit JsonNames(std::string root_table);

  // The column name for `raw_path` (an opaque key of the path inside `table`). `desired` is the
  // normalized name to use if the path is new; a suffix is added if another path already has it.
  std::string ColumnName(const std::string& table, std::string_view raw_path, std::string desired);
  // The table name for `raw_path` (an opaque key of the path from the root), likewise unique.
  std::string TableName(std::string_view raw_path, std::string desired);

 private:
  std::string Unique(std::unordered_set<std::string>* used, std::string desired);

  std::mutex mu_;
  std::unordered_map<std::string, std::string> columns_;  // table + '\0' + raw path -> name
  std::unordered_map<std::string, std::unordered_set<std::string>> used_columns_;  // per table
  std::unordered_map<std::string, std::string> tables_;  // raw path -> name
  std::unordered_set<std::string> used_tables_;
};

}  // namespace sluice
