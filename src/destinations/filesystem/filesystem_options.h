#pragma once
// The filesystem destination's URI: where files go (file:///abs/dir, s3://bucket/prefix,
// gs://bucket/prefix, az://container/prefix) and how they are written (the query string:
// ?format=parquet|csv|jsonl&file_rows=N&file_bytes=SIZE&compression=...).
#include <cstdint>
#include <string>

namespace sluice {

enum class FileFormat { kParquet, kCsv, kJsonl };
const char* FileFormatName(FileFormat format);  // "parquet", "csv", "jsonl"

struct FilesystemOptions {
  FileFormat format = FileFormat::kParquet;
  // A table's current file is finished and a new one started when it holds this many rows...
  uint64_t file_rows = 1000000;
  // ... or this many bytes (CSV/JSONL: bytes written; Parquet: the rows' in-memory size, which
  // is what bounds the loader's memory while DuckDB buffers them).
  uint64_t file_bytes = 256ull << 20;
  // Parquet: the column codec (DuckDB's COPY option: zstd, snappy, gzip, uncompressed).
  // CSV/JSONL: the whole file's codec: none, gzip (".csv.gz") or zstd (".csv.zst").
  std::string compression = "zstd";
};

// The data files' extension: "parquet", "csv", "jsonl.gz", "csv.zst", ...
std::string DataFileExtension(const FilesystemOptions& options);

struct FilesystemUri {
  std::string prefix;  // the URI without its query string, always ending in '/'
  FilesystemOptions options;
};

// True for the schemes the filesystem destination serves: file://, s3://, gs://, az:// (and
// abfs:// / abfss://, Azure's other spelling).
bool IsFilesystemDestinationUri(const std::string& uri);
// Throws a usage error for a URI without a directory, an unknown option or a bad value.
FilesystemUri ParseFilesystemUri(const std::string& uri);

}  // namespace sluice
