#include "destinations/filesystem/data_file_writer.h"

#include <cstdio>
#include <filesystem>

#include "core/error.h"
#include "core/identifiers.h"
#include "core/json_string.h"
#include "destinations/duckdb/table_appender.h"
#include "destinations/filesystem/compressing_object_writer.h"
#include "destinations/filesystem/parquet_workspace.h"
#include "destinations/filesystem/text_values.h"

namespace sluice {
namespace {

constexpr size_t kFlushBytes = 1 << 20;

// CSV and JSONL: rows are rendered into a buffer that is handed to the object writer every
// megabyte, so memory stays at one buffer whatever the file size.
class TextFileWriter : public DataFileWriter {
 public:
  TextFileWriter(Storage& storage, const std::string& uri, std::vector<ColumnSchema> columns,
                 const std::string& compression)
      : writer_(storage.OpenWrite(uri)), columns_(std::move(columns)) {
    if (compression != "none") {
      compressed_ = true;
      writer_ = MakeCompressingWriter(std::move(writer_), compression, &stored_);
    }
  }

  // Uncompressed bytes: what file_bytes limits.
  uint64_t buffered_bytes() const override { return written_ + buffer_.size(); }

  uint64_t Finish() override {
    Flush();
    writer_->Commit();
    return compressed_ ? stored_ : written_;
  }

 protected:
  // For each file column, the batch column holding it (-1: not in this batch, NULL).
  std::vector<int> MapColumns(const Batch& batch) const {
    std::vector<int> map(columns_.size(), -1);
    for (size_t c = 0; c < columns_.size(); c++) map[c] = batch.FindColumn(columns_[c].name);
    return map;
  }
  void MaybeFlush() {
    if (buffer_.size() >= kFlushBytes) Flush();
  }
  void Flush() {
    if (buffer_.empty()) return;
    writer_->Write(buffer_.data(), buffer_.size());
    written_ += buffer_.size();
    buffer_.clear();
  }

  std::unique_ptr<ObjectWriter> writer_;
  std::vector<ColumnSchema> columns_;
  std::string buffer_;
  uint64_t written_ = 0;  // uncompressed bytes handed to writer_
  bool compressed_ = false;
  uint64_t stored_ = 0;  // compressed bytes that reached the object
};

class CsvFileWriter final : public TextFileWriter {
 public:
  CsvFileWriter(Storage& storage, const std::string& uri, std::vector<ColumnSchema> columns,
                const std::string& compression)
      : TextFileWriter(storage, uri, std::move(columns), compression) {
    for (size_t c = 0; c < columns_.size(); c++) {
      if (c) buffer_.push_back(',');
      AppendCsvField(columns_[c].name, &buffer_);
    }
    buffer_.append("\r\n");
  }

  void Append(const Batch& batch) override {
    const std::vector<int> map = MapColumns(batch);
    std::string value;
    for (size_t r = 0; r < batch.num_rows; r++) {
      for (size_t c = 0; c < map.size(); c++) {
        if (c) buffer_.push_back(',');
        if (map[c] < 0) continue;
        const Column& column = batch.columns[size_t(map[c])];
        if (!column.IsValid(r)) continue;  // NULL: an empty unquoted field
        value.clear();
        AppendPlainValue(column, r, &value);
        AppendCsvField(value, &buffer_);
      }
      buffer_.append("\r\n");
      MaybeFlush();
    }
    rows_ += batch.num_rows;
  }
};

class JsonlFileWriter final : public TextFileWriter {
 public:
  JsonlFileWriter(Storage& storage, const std::string& uri, std::vector<ColumnSchema> columns,
                  const std::string& compression)
      : TextFileWriter(storage, uri, std::move(columns), compression) {
    for (const auto& c : columns_) {
      std::string key;
      AppendJsonString(c.name, &key);
      keys_.push_back(key + ":");
    }
  }

  void Append(const Batch& batch) override {
    const std::vector<int> map = MapColumns(batch);
    for (size_t r = 0; r < batch.num_rows; r++) {
      buffer_.push_back('{');
      for (size_t c = 0; c < map.size(); c++) {
        if (c) buffer_.push_back(',');
        buffer_.append(keys_[c]);
        if (map[c] < 0) {
          buffer_.append("null");
        } else {
          AppendJsonValue(batch.columns[size_t(map[c])], r, &buffer_);
        }
      }
      buffer_.append("}\n");
      MaybeFlush();
    }
    rows_ += batch.num_rows;
  }

 private:
  std::vector<std::string> keys_;  // "name": per column, quoted once
};

// Parquet through DuckDB (see parquet_workspace.h). JSON columns are stored as VARCHAR so any
// Parquet reader sees plain strings.
class ParquetFileWriter final : public DataFileWriter {
 public:
  ParquetFileWriter(Storage& storage, const std::string& uri,
                    const std::vector<ColumnSchema>& columns, ParquetWorkspace& workspace)
      : storage_(storage), uri_(uri), workspace_(workspace), table_(workspace.NextName()) {
    std::string ddl = "CREATE TABLE " + QuoteIdentifier(table_) + " (";
    for (size_t i = 0; i < columns.size(); i++) {
      const DataType t = columns[i].type;
      ddl += (i ? ", " : "") + QuoteIdentifier(columns[i].name) + " " +
             (t.id == TypeId::kJson ? std::string("VARCHAR") : SqlTypeName(t));
    }
    workspace_.connection().Execute(ddl + ")");
    appender_ = std::make_unique<TableAppender>(workspace_.connection().get(), table_);
  }

  ~ParquetFileWriter() override {
    appender_.reset();
    try {
      workspace_.connection().Execute("DROP TABLE IF EXISTS " + QuoteIdentifier(table_));
    } catch (...) {
    }
    std::error_code ignored;
    std::filesystem::remove(workspace_.TempPath(table_ + ".parquet"), ignored);
  }

  void Append(const Batch& batch) override {
    if (batch.num_rows == 0) return;
    appender_->Append(batch);
    rows_ += batch.num_rows;
    // What the rows occupy in DuckDB: about 8 bytes a value plus the string bytes.
    for (const auto& c : batch.columns) {
      bytes_ += batch.num_rows * 8;
      if (c.IsVariableWidth()) bytes_ += HeapBytes(c, batch.num_rows);
    }
  }

  uint64_t buffered_bytes() const override { return bytes_; }

  uint64_t Finish() override {
    appender_->Close();
    const std::string local = workspace_.TempPath(table_ + ".parquet");
    workspace_.connection().Execute("COPY " + QuoteIdentifier(table_) + " TO " +
                                    SqlStringLiteral(local) + " (FORMAT parquet, COMPRESSION " +
                                    workspace_.compression() + ")");
    workspace_.connection().Execute("DROP TABLE " + QuoteIdentifier(table_));
    const uint64_t size = Upload(local);
    std::filesystem::remove(local);
    return size;
  }

 private:
  static uint64_t HeapBytes(const Column& c, size_t rows) {
    uint64_t total = 0;
    for (size_t r = 0; r < rows; r++) total += c.GetString(r).size();
    return total;
  }

  uint64_t Upload(const std::string& local) {
    std::unique_ptr<ObjectWriter> writer = storage_.OpenWrite(uri_);
    FILE* f = std::fopen(local.c_str(), "rb");
    if (!f) throw Error(ErrorKind::kIo, "cannot read the Parquet file DuckDB wrote: " + local);
    std::string buffer(kFlushBytes, '\0');
    uint64_t size = 0;
    size_t n;
    while ((n = std::fread(buffer.data(), 1, buffer.size(), f)) > 0) {
      writer->Write(buffer.data(), n);
      size += n;
    }
    const bool failed = std::ferror(f);
    std::fclose(f);
    if (failed)
      throw Error(ErrorKind::kIo, "reading the Parquet file DuckDB wrote failed: " + local);
    writer->Commit();
    return size;
  }

  Storage& storage_;
  std::string uri_;
  ParquetWorkspace& workspace_;
  std::string table_;
  std::unique_ptr<TableAppender> appender_;
  uint64_t bytes_ = 0;
};

}  // namespace

std::unique_ptr<DataFileWriter> MakeDataFileWriter(const FilesystemOptions& options,
                                                   Storage& storage, const std::string& uri,
                                                   const std::vector<ColumnSchema>& columns,
                                                   ParquetWorkspace* parquet) {
  switch (options.format) {
    case FileFormat::kCsv:
      return std::make_unique<CsvFileWriter>(storage, uri, columns, options.compression);
    case FileFormat::kJsonl:
      return std::make_unique<JsonlFileWriter>(storage, uri, columns, options.compression);
    case FileFormat::kParquet:
      break;
  }
  return std::make_unique<ParquetFileWriter>(storage, uri, columns, *parquet);
}

}  // namespace sluice
