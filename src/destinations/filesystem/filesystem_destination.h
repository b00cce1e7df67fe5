#pragma once
// Loads into files: Parquet (written by DuckDB), CSV or JSONL under a local directory or an
// object-store prefix, laid out as <prefix>/<table>/<load_id>.<N>.<ext>, with one manifest per
// committed load written last (<prefix>/_sluice/loads/<sequence>-<load_id>.json). A load is
// committed exactly when its manifest exists; everything a reader needs (current files per
// table, schemas, pipeline state) comes from the manifests. docs/filesystem-destination.md.
//
// One writer per prefix at a time (like a DuckDB file): Begin removes files no committed
// manifest lists, which would include the files of a load running concurrently.
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "destinations/destination.h"
#include "destinations/filesystem/data_file_writer.h"
#include "destinations/filesystem/filesystem_options.h"
#include "destinations/filesystem/manifest_catalog.h"
#include "destinations/filesystem/parquet_workspace.h"
#include "storage/storage.h"

namespace sluice {

class FilesystemDestination final : public Destination {
 public:
  // file:///dir, s3://bucket/prefix, gs://bucket/prefix, az://container/prefix, with
  // ?format=parquet|csv|jsonl and the other settings of FilesystemOptions.
  static std::unique_ptr<FilesystemDestination> Open(const std::string& uri);
  FilesystemDestination(Storage& storage, FilesystemUri uri);
  ~FilesystemDestination() override;

  std::vector<TableSchema> ReadTables(const std::string& root_table) override;
  bool ColumnHasValues(const std::string& table, const std::string& column) override;
  uint8_t LoadedIntegerDigits(const std::string& table, const std::string& column) override;
  std::vector<StateEntry> ReadState(const std::string& pipeline) override;
  uint64_t ResetState(const std::string& pipeline) override;
  void Begin(const LoadPlan& plan) override;
  void CreateTable(const TableSchema& table) override;
  void AddColumn(const std::string& table, const ColumnSchema& column) override;
  void WidenColumn(const std::string& table, const ColumnSchema& column) override;
  void Write(Batch& batch) override;
  void WriteRejects(const std::vector<RejectedRecord>& rejects) override;
  void Commit(const LoadRecord& record) override;
  void Rollback() noexcept override;
  void RecordFailure(const LoadRecord& record, const std::string& error) noexcept override;
  std::string Describe() const override;

  // The committed manifests as of now (re-read from storage).
  ManifestCatalog ReadCatalog() { return ManifestCatalog::Read(storage_, uri_.prefix); }
  const std::string& prefix() const { return uri_.prefix; }

 private:
  // A table's (or the rejects') files of the running load.
  struct FileSeries {
    std::string name;
    std::string directory;  // relative: the encoded table name + "/"
    std::vector<ColumnSchema> columns;
    std::unique_ptr<DataFileWriter> writer;  // the file being written, if any
    std::string writer_path;
    std::vector<ManifestFile> files;  // finished (committed objects)
    std::map<std::string, ColumnStats> stats;
    uint64_t rows = 0;
  };

  ManifestCatalog& Catalog();
  FileSeries& Series(const std::string& table);
  void WriteRows(FileSeries& series, const Batch& batch);
  void FinishFile(FileSeries& series);
  void RemoveOrphans();
  void Remove(const std::vector<std::string>& relative_paths) noexcept;
  Batch RejectsBatch(const std::vector<RejectedRecord>& rejects) const;

  Storage& storage_;
  FilesystemUri uri_;
  std::unique_ptr<ParquetWorkspace> parquet_;  // Parquet only, made on first use
  std::optional<ManifestCatalog> catalog_;     // cached between Begin and Commit
  LoadPlan plan_;
  bool in_load_ = false;
  std::map<std::string, FileSeries> tables_;
  std::vector<std::string> table_order_;
  std::unique_ptr<FileSeries> rejects_;
  uint64_t rows_rejected_ = 0;
  std::vector<std::string> written_;  // relative paths of objects this load committed
};

// A table name as one path segment: bytes other than ASCII letters, digits, '_' and '-' (and
// UTF-8 sequences, kept as they are) become %XX, so no name can climb out of its directory.
std::string EncodePathSegment(const std::string& name);

}  // namespace sluice
