#include "core/identifiers.h"

#include <xxhash.h>

#include <cstdio>
#include <unordered_set>

#include "core/utf8.h"

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
    if (u >= 0x80) {
      // Non-ASCII letters are kept whole; bytes that are not valid UTF-8 (a Latin-1 header
      // read as UTF-8) separate like punctuation, so a name is always valid UTF-8.
      const size_t n = Utf8SequenceLength(raw.substr(i));
      if (n == 0) {
        pending_sep = true;
      } else {
        if (pending_sep && !out.empty()) out.push_back('_');
        pending_sep = false;
        out.append(raw.substr(i, n));
        i += n - 1;
      }
      prev = c;
      continue;
    }
    if (upper || lower_or_digit) {
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

bool IsReservedColumnName(std::string_view name) {
  return name == "_sluice_id" || name == "_sluice_parent_id" || name == "_sluice_list_idx" ||
         name == "_sluice_seq" || name == "_sluice_load_id";
}

std::vector<std::string> NormalizeColumnNames(const std::vector<std::string>& raw) {
  std::vector<std::string> names;
  names.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); i++) {
    std::string n = NormalizeIdentifier(raw[i]);
    if (n.empty()) n = "col_" + std::to_string(i + 1);
    if (IsReservedColumnName(n)) n += "_2";  // sluice's own columns keep their meaning
    names.push_back(std::move(n));
  }
  MakeUnique(&names);
  return names;
}

std::string QuoteIdentifier(std::string_view name) {
  std::string out;
  out.reserve(name.size() + 2);
  out.push_back('"');
  for (char c : name) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string ShortenIdentifier(std::string_view name, size_t max_bytes) {
  if (max_bytes == 0 || name.size() <= max_bytes) return std::string(name);
  char hash[9];
  std::snprintf(hash, sizeof hash, "%08x",
                static_cast<unsigned>(XXH3_64bits(name.data(), name.size()) & 0xffffffffu));
  constexpr size_t kSuffix = 9;  // "_" + 8 hex digits
  if (max_bytes <= kSuffix) return std::string(hash, max_bytes);
  size_t cut = max_bytes - kSuffix;
  // Never split a multi-byte character: back up over continuation bytes (10xxxxxx).
  while (cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xC0) == 0x80) cut--;
  while (cut > 0 && name[cut - 1] == '_') cut--;
  std::string out(name.substr(0, cut));
  if (!out.empty()) out.push_back('_');
  out.append(hash, 8);
  return out;
}

}  // namespace sluice
