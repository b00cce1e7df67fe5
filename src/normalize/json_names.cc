#include "normalize/json_names.h"

namespace sluice {

JsonNames::JsonNames(std::string root_table) {
  used_tables_.insert(std::move(root_table));
}

std::string JsonNames::Unique(std::unordered_set<std::string>* used, std::string desired) {
  if (used->insert(desired).second) return desired;
  for (int k = 2;; k++) {
    std::string candidate = desired + "_" + std::to_string(k);
    if (used->insert(candidate).second) return candidate;
  }
}

std::string JsonNames::ColumnName(const std::string& table, std::string_view raw_path,
                                  std::string desired) {
  std::string key;
  key.reserve(table.size() + 1 + raw_path.size());
  key.append(table).push_back('\0');
  key.append(raw_path);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = columns_.find(key);
  if (it != columns_.end()) return it->second;
  auto [used, inserted] = used_columns_.try_emplace(table);
  if (inserted) {
    // Reserved up front so a user key "_sluice_id" cannot take the link column's name.
    used->second.insert(std::string(kSluiceIdColumn));
    used->second.insert(std::string(kParentIdColumn));
    used->second.insert(std::string(kListIndexColumn));
  }
  std::string name = Unique(&used->second, std::move(desired));
  columns_.emplace(std::move(key), name);
  return name;
}

std::string JsonNames::TableName(std::string_view raw_path, std::string desired) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = tables_.find(std::string(raw_path));
  if (it != tables_.end()) return it->second;
  std::string name = Unique(&used_tables_, std::move(desired));
  tables_.emplace(std::string(raw_path), name);
  return name;
}

}  // namespace sluice
