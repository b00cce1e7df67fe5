#pragma once
// Writes one data file of one table. Rows arrive in batches whose columns are a subset of the
// file's columns (missing ones are NULL); the object becomes visible at its URI only when
// Finish() returns (ObjectWriter::Commit: local rename, S3 CompleteMultipartUpload, Azure Put
// Block List). Destroying an unfinished writer abandons the file.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/batch.h"
#include "destinations/filesystem/filesystem_options.h"
#include "schema/table_schema.h"
#include "storage/storage.h"

namespace sluice {

class ParquetWorkspace;

class DataFileWriter {
 public:
  virtual ~DataFileWriter() = default;
  virtual void Append(const Batch& batch) = 0;
  uint64_t rows() const { return rows_; }
  // What the roll threshold is compared with (see FilesystemOptions::file_bytes).
  virtual uint64_t buffered_bytes() const = 0;
  // Completes the file and commits the object; returns its size in bytes.
  virtual uint64_t Finish() = 0;

 protected:
  uint64_t rows_ = 0;
};

// `parquet` is needed for FileFormat::kParquet only.
std::unique_ptr<DataFileWriter> MakeDataFileWriter(const FilesystemOptions& options,
                                                   Storage& storage, const std::string& uri,
                                                   const std::vector<ColumnSchema>& columns,
                                                   ParquetWorkspace* parquet);

}  // namespace sluice
