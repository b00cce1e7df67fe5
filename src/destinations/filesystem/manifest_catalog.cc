#include "destinations/filesystem/manifest_catalog.h"

#include <algorithm>

#include "core/error.h"

namespace sluice {
namespace {

std::string ReadAll(Storage& storage, const std::string& uri) {
  std::unique_ptr<InputStream> in = storage.OpenRead(uri);
  std::string out;
  char buf[1 << 16];
  size_t n;
  while ((n = in->Read(buf, sizeof buf)) > 0) out.append(buf, n);
  return out;
}

}  // namespace

ManifestCatalog ManifestCatalog::Read(Storage& storage, const std::string& prefix) {
  std::vector<LoadManifest> manifests;
  // Listing is sorted by URI, and manifest names start with the zero-padded sequence.
  for (const ObjectInfo& object : storage.List(prefix + kManifestDirectory)) {
    const std::string& uri = object.uri;
    if (uri.size() < 5 || uri.compare(uri.size() - 5, 5, ".json") != 0) continue;
    manifests.push_back(ParseManifest(ReadAll(storage, uri), uri));
  }
  std::stable_sort(
      manifests.begin(), manifests.end(),
      [](const LoadManifest& a, const LoadManifest& b) { return a.sequence < b.sequence; });
  return ManifestCatalog(std::move(manifests));
}

ManifestCatalog::ManifestCatalog(std::vector<LoadManifest> manifests)
    : manifests_(std::move(manifests)) {
  for (const LoadManifest& m : manifests_) {
    for (const ManifestTable& mt : m.tables) {
      Table& t = tables_[mt.name];
      for (const ColumnSchema& c : mt.columns) {
        auto it = std::find_if(t.columns.begin(), t.columns.end(),
                               [&](const ColumnSchema& have) { return have.name == c.name; });
        if (it == t.columns.end()) {
          t.columns.push_back(c);
        } else {
          it->type = c.type;  // a widening recorded by a later load
        }
      }
      if (mt.replace) {
        t.files.clear();
        t.stats.clear();
      }
      t.files.insert(t.files.end(), mt.files.begin(), mt.files.end());
      for (const auto& [column, s] : mt.stats) {
        ColumnStats& have = t.stats[column];
        have.non_null += s.non_null;
        have.integer_digits = std::max(have.integer_digits, s.integer_digits);
      }
    }
  }
}

uint64_t ManifestCatalog::NextSequence() const {
  return manifests_.empty() ? 1 : manifests_.back().sequence + 1;
}

std::vector<TableSchema> ManifestCatalog::Family(const std::string& root) const {
  std::vector<TableSchema> out;
  for (const auto& [name, t] : tables_) {
    if (name == root || name.rfind(root + "__", 0) == 0) out.push_back({name, t.columns});
  }
  return out;
}

std::vector<TableSchema> ManifestCatalog::AllTables() const {
  std::vector<TableSchema> out;
  for (const auto& [name, t] : tables_) out.push_back({name, t.columns});
  return out;
}

std::vector<ManifestFile> ManifestCatalog::CurrentFiles(const std::string& table) const {
  auto it = tables_.find(table);
  return it == tables_.end() ? std::vector<ManifestFile>{} : it->second.files;
}

ColumnStats ManifestCatalog::Stats(const std::string& table, const std::string& column) const {
  auto it = tables_.find(table);
  if (it == tables_.end()) return {};
  auto s = it->second.stats.find(column);
  return s == it->second.stats.end() ? ColumnStats{} : s->second;
}

std::vector<StateEntry> ManifestCatalog::State(const std::string& pipeline) const {
  std::map<std::pair<std::string, std::string>, StateEntry> state;
  for (const LoadManifest& m : manifests_) {
    if (m.pipeline != pipeline) continue;
    for (const StateEntry& e : m.state) {
      if (e.value.empty()) {
        state.erase({e.resource, e.key});
      } else {
        state[{e.resource, e.key}] = e;
      }
    }
  }
  std::vector<StateEntry> out;
  for (auto& [key, e] : state) out.push_back(std::move(e));
  return out;
}

bool ManifestCatalog::HasSchema(const std::string& pipeline, const std::string& table,
                                const std::string& version_hash) const {
  for (const LoadManifest& m : manifests_) {
    if (m.pipeline != pipeline) continue;
    for (const SchemaVersion& v : m.schemas) {
      if (v.table == table && v.version_hash == version_hash) return true;
    }
  }
  return false;
}

std::set<std::string> ManifestCatalog::LiveFiles() const {
  std::set<std::string> live;
  for (const auto& [name, t] : tables_) {
    for (const ManifestFile& f : t.files) live.insert(f.path);
  }
  for (const LoadManifest& m : manifests_) {
    for (const ManifestFile& f : m.reject_files) live.insert(f.path);
  }
  return live;
}

}  // namespace sluice
