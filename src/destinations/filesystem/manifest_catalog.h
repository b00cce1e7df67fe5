#pragma once
// What the committed manifests under a prefix add up to, read in commit order: each table's
// current files (a replacing manifest starts the table over), its schema (the union of the
// manifests' columns by name, later types win), value statistics over the current files, and
// each pipeline's state (later entries win, a null value deletes). This is the filesystem
// destination's equivalent of a database's catalog and _sluice_* tables.
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "destinations/filesystem/load_manifest.h"
#include "storage/storage.h"

namespace sluice {

class ManifestCatalog {
 public:
  // Reads every manifest under `prefix` + "_sluice/loads/".
  static ManifestCatalog Read(Storage& storage, const std::string& prefix);
  // Folds already parsed manifests (in commit order).
  explicit ManifestCatalog(std::vector<LoadManifest> manifests);

  const std::vector<LoadManifest>& manifests() const { return manifests_; }
  uint64_t NextSequence() const;
  // `root` and its child tables (names starting with root + "__"), sorted by name.
  std::vector<TableSchema> Family(const std::string& root) const;
  bool HasTable(const std::string& table) const { return tables_.count(table) != 0; }
  // Every table any committed manifest names, with its schema, sorted by name.
  std::vector<TableSchema> AllTables() const;
  std::vector<ManifestFile> CurrentFiles(const std::string& table) const;
  ColumnStats Stats(const std::string& table, const std::string& column) const;
  // The pipeline's state, sorted by resource and key.
  std::vector<StateEntry> State(const std::string& pipeline) const;
  // Whether a schema version was recorded for the pipeline's table already.
  bool HasSchema(const std::string& pipeline, const std::string& table,
                 const std::string& version_hash) const;
  // Relative paths of every file a reader may still need: tables' current files and the
  // committed loads' reject files. Anything else sluice wrote is an orphan.
  std::set<std::string> LiveFiles() const;

 private:
  struct Table {
    std::vector<ColumnSchema> columns;
    std::vector<ManifestFile> files;
    std::map<std::string, ColumnStats> stats;
  };

  std::vector<LoadManifest> manifests_;
  std::map<std::string, Table> tables_;
};

}  // namespace sluice
