#include "destinations/filesystem/filesystem_options.h"

#include <cctype>
#include <cstdlib>

#include "core/error.h"

namespace sluice {
namespace {

uint64_t ParseCount(const std::string& key, const std::string& value) {
  char* end = nullptr;
  const unsigned long long n = std::strtoull(value.c_str(), &end, 10);
  if (value.empty() || !std::isdigit(static_cast<unsigned char>(value[0])) || *end != '\0' ||
      n == 0) {
    throw UsageError("filesystem destination " + key + " '" + value + "' is not a positive number");
  }
  return n;
}

// "64MB", "1GB", "1048576" -> bytes.
uint64_t ParseSize(const std::string& key, const std::string& value) {
  size_t digits = 0;
  while (digits < value.size() && std::isdigit(static_cast<unsigned char>(value[digits]))) {
    digits++;
  }
  const std::string unit = value.substr(digits);
  uint64_t scale = 0;
  if (unit.empty() || unit == "B") scale = 1;
  if (unit == "KB" || unit == "KiB") scale = 1ull << 10;
  if (unit == "MB" || unit == "MiB") scale = 1ull << 20;
  if (unit == "GB" || unit == "GiB") scale = 1ull << 30;
  if (digits == 0 || scale == 0 || digits > 12) {
    throw UsageError("filesystem destination " + key + " '" + value +
                     "' is not a size like 64MB or 1GB");
  }
  const uint64_t n = std::stoull(value.substr(0, digits)) * scale;
  if (n == 0) throw UsageError("filesystem destination " + key + " must be positive");
  return n;
}

}  // namespace

const char* FileFormatName(FileFormat format) {
  switch (format) {
    case FileFormat::kCsv:
      return "csv";
    case FileFormat::kJsonl:
      return "jsonl";
    case FileFormat::kParquet:
      break;
  }
  return "parquet";
}

std::string DataFileExtension(const FilesystemOptions& options) {
  std::string ext = FileFormatName(options.format);
  if (options.format != FileFormat::kParquet && options.compression == "gzip") ext += ".gz";
  if (options.format != FileFormat::kParquet && options.compression == "zstd") ext += ".zst";
  return ext;
}

bool IsFilesystemDestinationUri(const std::string& uri) {
  for (const char* scheme : {"file://", "s3://", "gs://", "az://", "abfs://", "abfss://"}) {
    if (uri.rfind(scheme, 0) == 0) return true;
  }
  return false;
}

FilesystemUri ParseFilesystemUri(const std::string& uri) {
  FilesystemUri out;
  std::string query;
  out.prefix = uri;
  if (const size_t q = uri.find('?'); q != std::string::npos) {
    out.prefix = uri.substr(0, q);
    query = uri.substr(q + 1);
  }
  const size_t scheme_end = out.prefix.find("://");
  const std::string scheme = out.prefix.substr(0, scheme_end);
  const std::string rest = out.prefix.substr(scheme_end + 3);
  if (scheme == "file") {
    // file:///abs/dir only: a relative directory would depend on where sluice runs.
    if (rest.empty() || rest[0] != '/' || rest.find_first_not_of('/') == std::string::npos) {
      throw UsageError("filesystem destination '" + out.prefix +
                       "' needs an absolute directory: file:///path/to/dir");
    }
  } else if (rest.empty() || rest[0] == '/') {
    throw UsageError("filesystem destination '" + out.prefix +
                     "' names no bucket or container: " + "use " + scheme + "://bucket/prefix");
  }
  if (out.prefix.back() != '/') out.prefix += '/';
  std::string compression;
  size_t start = 0;
  while (start < query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string::npos) end = query.size();
    const std::string pair = query.substr(start, end - start);
    start = end + 1;
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    const std::string key = pair.substr(0, eq);
    const std::string value = eq == std::string::npos ? "" : pair.substr(eq + 1);
    if (key == "format") {
      if (value == "parquet") {
        out.options.format = FileFormat::kParquet;
      } else if (value == "csv") {
        out.options.format = FileFormat::kCsv;
      } else if (value == "jsonl") {
        out.options.format = FileFormat::kJsonl;
      } else {
        throw UsageError("filesystem destination format '" + value +
                         "' is not one of parquet, csv, jsonl");
      }
    } else if (key == "file_rows") {
      out.options.file_rows = ParseCount(key, value);
    } else if (key == "file_bytes") {
      out.options.file_bytes = ParseSize(key, value);
    } else if (key == "compression") {
      // Checked against the format below; for Parquet it is spliced into DuckDB's COPY
      // options, so only known names pass.
      compression = value;
    } else {
      throw UsageError("unknown filesystem destination setting '" + key +
                       "' (known: format, file_rows, file_bytes, compression)");
    }
  }
  if (out.options.format == FileFormat::kParquet) {
    if (compression.empty()) compression = "zstd";
    if (compression == "none") compression = "uncompressed";
    if (compression != "zstd" && compression != "snappy" && compression != "gzip" &&
        compression != "uncompressed") {
      throw UsageError("filesystem destination compression '" + compression +
                       "' is not one of zstd, snappy, gzip, none for parquet");
    }
  } else {
    if (compression.empty()) compression = "none";
    if (compression != "none" && compression != "gzip" && compression != "zstd") {
      throw UsageError("filesystem destination compression '" + compression +
                       "' is not one of none, gzip, zstd for " +
                       FileFormatName(out.options.format));
    }
  }
  out.options.compression = compression;
  return out;
}

}  // namespace sluice
