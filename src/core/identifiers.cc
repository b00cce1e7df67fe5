#include "core/identifiers.h"

#include <unordered_set>

namespace sluice {

std::string NormalizeIdentifier(std::string_view raw) {
  std::string out;
  out.reserve(raw.size() + 4);
  bool pending_sep = false;
  char prev = 0;
  for (size_t i = 0; i < raw.size(); i++) {
    const char c = raw[i];
    const unsigned char u = static_cast<unsigned char>(c);
    const bool upper = c >= 'A' && c <= 'Z';
    const bool lower_or_digit = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (upper || lower_or_digit || u >= 0x80) {
      // camelCase boundary: "orderId" -> "order_id" (but "ID" stays "id").
      if (upper && ((prev >= 'a' && prev <= 'z') || (prev >= '0' && prev <= '9'))) {
        pending_sep = true;
      }
      if (pending_sep && !out.empty()) out.push_back('_');
      pending_sep = false;
      out.push_back(upper ? char(c + 32) : c);
    } else {
      pending_sep = true;
    }
    prev = c;
  }
  // A leading digit needs a prefix; a leading '_' ("_id") is kept so it stays distinct from "id".
  if (!out.empty() && ((out[0] >= '0' && out[0] <= '9') || raw[0] == '_')) {
    out.insert(out.begin(), '_');
  }
  return out;
}

void MakeUnique(std::vector<std::string>* names) {
  std::unordered_set<std::string> seen;
  for (auto& n : *names) seen.insert(n);
  std::unordered_set<std::string> used;
  for (auto& n : *names) {
    if (used.insert(n).second) continue;
    for (int k = 2;; k++) {
      std::string candidate = n + "_" + std::to_string(k);
      if (!seen.count(candidate) && used.insert(candidate).second) {
        n = candidate;
        break;
      }
    }
  }
}

std::vector<std::string> NormalizeColumnNames(const std::vector<std::string>& raw) {
  std::vector<std::string> names;
  names.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); i++) {
    std::string n = NormalizeIdentifier(raw[i]);
    if (n.empty()) n = "col_" + std::to_string(i + 1);
    names.push_back(std::move(n));
  }
  MakeUnique(&names);
  return names;
}

}  // namespace sluice
