#pragma once
// The manifest of one committed load (docs/filesystem-destination.md, "Manifest"): which data
// files the load wrote per table, whether they replace the table's earlier files, the tables'
// schemas and value statistics, its rejects files, and the pipeline state it advanced. It is
// the last object a load writes: a load without a manifest did not happen.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "destinations/destination.h"
#include "schema/table_schema.h"

namespace sluice {

inline constexpr int kManifestFormatVersion = 1;

struct ManifestFile {
  std::string path;  // relative to the destination prefix: "orders/<load_id>.0.parquet"
  uint64_t rows = 0;
  uint64_t bytes = 0;
};

// What ColumnHasValues / LoadedIntegerDigits need, without reading the data back.
struct ColumnStats {
  uint64_t non_null = 0;
  uint8_t integer_digits = 0;  // int64/decimal columns: most digits before the point
};

struct ManifestTable {
  std::string name;
  // True: the table's current content is exactly `files` (replace); false: `files` add to it.
  bool replace = false;
  uint64_t rows = 0;
  std::vector<ColumnSchema> columns;         // the table's schema after this load
  std::map<std::string, ColumnStats> stats;  // of the values this load wrote, by column
  std::vector<ManifestFile> files;
};

struct LoadManifest {
  uint64_t sequence = 0;      // commit order within the prefix (also in the object's name)
  std::string kind = "load";  // "load", or "state_reset" (`sluice state reset`: no tables)
  std::string load_id;
  std::string pipeline;
  std::string mode;         // append | replace
  std::string format;       // parquet | csv | jsonl
  std::string compression;  // parquet: the column codec; csv/jsonl: none | gzip | zstd
  std::string source;
  std::string started_at;  // ISO-8601 UTC
  std::string finished_at;
  std::string committed_at;
  std::vector<ManifestTable> tables;
  uint64_t rows_rejected = 0;
  std::vector<ManifestFile> reject_files;
  // Entries the load changed; an empty value deletes the entry (null in JSON).
  std::vector<StateEntry> state;
  std::vector<SchemaVersion> schemas;
};

std::string ManifestToJson(const LoadManifest& manifest);
// Throws a destination error naming `where` if the text is not a manifest this version reads.
LoadManifest ParseManifest(const std::string& json, const std::string& where);

// "2026-11-26T06:45:55.123456Z" for microseconds since the epoch.
std::string IsoTimestamp(int64_t micros);

// The manifest's object name under the prefix: "_sluice/loads/<sequence, 20 digits>-<id>.json",
// so listing the directory yields commit order.
std::string ManifestPath(uint64_t sequence, const std::string& load_id);
inline constexpr const char* kManifestDirectory = "_sluice/loads/";

// sluice's types as DuckDB spells them ("BIGINT", "DECIMAL(18,2)"), and back; an unknown name
// reads as text, as on the database destinations.
DataType DataTypeFromSqlName(const std::string& name);

}  // namespace sluice
