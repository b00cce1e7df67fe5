#include "formats/parquet/parquet_source.h"

#include <duckdb.h>

#include <map>
#include <mutex>

#include "core/error.h"
#include "core/identifiers.h"
#include "formats/parquet/parquet_read_plan.h"
#include "formats/parquet/parquet_spool.h"
#include "formats/parquet/vector_conversion.h"
#include "normalize/json_flattener.h"
#include "storage/local/local_storage.h"
#include "storage/storage.h"

namespace sluice {
namespace {

// Data chunks fetched for one RawChunk, waiting for a parse worker; destroys what it holds.
struct PendingChunk {
  std::shared_ptr<const ParquetReadPlan> plan;
  std::vector<duckdb_data_chunk> chunks;
  size_t rows = 0;

  PendingChunk() = default;
  PendingChunk(PendingChunk&& o) noexcept
      : plan(std::move(o.plan)), chunks(std::move(o.chunks)), rows(o.rows) {
    o.chunks.clear();
  }
  PendingChunk& operator=(PendingChunk&& o) noexcept {
    Clear();
    plan = std::move(o.plan);
    chunks = std::move(o.chunks);
    rows = o.rows;
    o.chunks.clear();
    return *this;
  }
  ~PendingChunk() { Clear(); }
  void Clear() {
    for (auto& c : chunks) duckdb_destroy_data_chunk(&c);
    chunks.clear();
  }
};

class ParquetSource final : public Source {
 public:
  ParquetSource(std::vector<InputFile> files, ParquetOptions options)
      : files_(std::move(files)),
        options_(std::move(options)),
        flattener_(JsonFlattenOptions{options_.table, options_.max_nesting, {}}) {
    if (!options_.open_remote) options_.open_remote = OpenRemoteObject;
    duckdb_config config;
    duckdb_create_config(&config);
    duckdb_set_config(config, "autoinstall_known_extensions", "false");
    duckdb_set_config(config, "autoload_known_extensions", "true");
    // Rows must arrive in file order: their position is their row number (origins, ids).
    duckdb_set_config(config, "preserve_insertion_order", "true");
    // DuckDB decodes on the reader thread only by default: parse workers and the destination
    // already use the other cores (measured in docs/parquet.md).
    duckdb_set_config(config, "threads", std::to_string(options_.duckdb_threads).c_str());
    char* error = nullptr;
    const duckdb_state rc = duckdb_open_ext(nullptr, &db_, config, &error);
    duckdb_destroy_config(&config);
    if (rc != DuckDBSuccess) {
      std::string message = error ? error : "unknown error";
      duckdb_free(error);
      throw Error(ErrorKind::kInternal, "cannot open DuckDB for reading Parquet: " + message);
    }
    if (duckdb_connect(db_, &con_) != DuckDBSuccess) {
      duckdb_close(&db_);
      throw Error(ErrorKind::kInternal, "cannot connect to DuckDB for reading Parquet");
    }
    try {
      OpenFile(next_file_++);  // bind: schema errors and unknown --columns surface now
    } catch (...) {
      Close();
      throw;
    }
  }

  ~ParquetSource() override { Close(); }

  const std::vector<InputFile>& files() const override { return files_; }
  const std::string& table() const override { return options_.table; }

  void HintColumnType(const std::string& table, const std::string& column,
                      InferredType type) override {
    flattener_.tracker().Observe(table, column, type);
  }

  bool ReadChunk(RawChunk* chunk) override {
    for (;;) {
      if (!open_) {
        if (next_file_ >= files_.size()) return false;
        OpenFile(next_file_++);
      }
      PendingChunk pending;
      pending.plan = plan_;
      size_t text_bytes = 0;
      while (pending.rows < options_.rows_per_chunk && text_bytes < options_.chunk_text_bytes) {
        duckdb_data_chunk c = duckdb_fetch_chunk(result_);
        if (c == nullptr) {
          const char* error = duckdb_result_error(&result_);
          if (error) throw ReadError(error);
          CloseFile();
          break;
        }
        const idx_t n = duckdb_data_chunk_get_size(c);
        pending.chunks.push_back(c);
        pending.rows += n;
        text_bytes += TextBytes(c, n);
      }
      if (pending.rows == 0) continue;  // the file is done
      chunk->sequence = sequence_++;
      chunk->file_index = file_index_;
      chunk->first_in_file = first_in_file_;
      first_in_file_ = false;
      // Parquet has no byte offsets per row: the chunk's first row number within the file
      // stands in for it (row ids, RowOrigin).
      chunk->byte_offset = rows_read_;
      rows_read_ += pending.rows;
      chunk->stored_bytes = StoredBytesSoFar() - stored_reported_;
      stored_reported_ += chunk->stored_bytes;
      std::lock_guard<std::mutex> lock(mu_);
      pending_.emplace(chunk->sequence, std::move(pending));
      return true;
    }
  }

  ParsedChunk ParseChunk(RawChunk chunk) override {
    PendingChunk pending;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = pending_.find(chunk.sequence);
      if (it == pending_.end()) {
        throw Error(ErrorKind::kInternal,
                    "Parquet chunk " + std::to_string(chunk.sequence) + " was never read");
      }
      pending = std::move(it->second);
      pending_.erase(it);
    }
    ParsedChunk out;
    out.sequence = chunk.sequence;
    out.file_index = chunk.file_index;
    out.first_in_file = chunk.first_in_file;
    out.stored_bytes = chunk.stored_bytes;
    out.lines = pending.rows;  // a row is a "line": errors say file + row number
    if (pending.rows == 0) return out;
    const ParquetReadPlan& plan = *pending.plan;
    const std::string& path = files_[chunk.file_index].path;

    // UBIGINT columns load as int64 unless a value of this chunk does not fit: then the whole
    // chunk is converted again with that column as text.
    std::vector<bool> as_text(plan.output_names.size(), false);
    std::vector<Column> columns(plan.output_names.size());
    for (;;) {
      for (size_t i = 0; i < columns.size(); i++) {
        columns[i].Reset(as_text[i] ? DataType::Of(TypeId::kText) : plan.output_types[i]);
        columns[i].Reserve(pending.rows);
      }
      int overflowed = -1;
      bool ok = true;
      for (duckdb_data_chunk c : pending.chunks) {
        const idx_t n = duckdb_data_chunk_get_size(c);
        for (size_t i = 0; i < plan.columns.size() && ok; i++) {
          ok = AppendVector(plan.columns[i], duckdb_data_chunk_get_vector(c, i), n, nullptr,
                            as_text, &columns, &overflowed);
        }
        if (!ok) break;
      }
      if (ok) break;
      as_text[overflowed] = true;
    }

    Batch root;
    root.table = options_.table;
    root.num_rows = pending.rows;
    std::vector<Batch> children;
    if (plan.has_document) {
      // The nested columns' JSON documents go through the JSON flattener: it makes the root
      // row's _sluice_id (from file path and row number) and the child tables.
      std::unique_ptr<JsonBatchBuilder> builder = TakeBuilder();
      std::string doc, error;
      uint64_t row_in_chunk = 0;
      const size_t doc_column = plan.columns.size();
      for (duckdb_data_chunk c : pending.chunks) {
        const idx_t n = duckdb_data_chunk_get_size(c);
        duckdb_vector v = duckdb_data_chunk_get_vector(c, doc_column);
        auto* strings = static_cast<duckdb_string_t*>(duckdb_vector_get_data(v));
        const uint64_t* validity = duckdb_vector_get_validity(v);
        for (idx_t r = 0; r < n; r++, row_in_chunk++) {
          const bool valid = validity == nullptr || ((validity[r >> 6] >> (r & 63)) & 1) != 0;
          const char* data = valid ? duckdb_string_t_data(&strings[r]) : "{}";
          const uint32_t len = valid ? duckdb_string_t_length(strings[r]) : 2;
          doc.assign(data, len);
          doc.append(kJsonPadding, ' ');
          const uint64_t row = chunk.byte_offset + row_in_chunk;
          if (!builder->Add(std::string_view(doc.data(), len), path, row, row_in_chunk + 1,
                            &error)) {
            builder->Finish();  // drop this chunk's rows before the builder is reused
            ReturnBuilder(std::move(builder));
            throw InputError(ObjectForDisplay(path) + " row " + std::to_string(row + 1) +
                             ": cannot flatten nested columns: " + error);
          }
        }
      }
      std::vector<Batch> flattened = builder->Finish();
      ReturnBuilder(std::move(builder));
      // flattened[0] is the root: _sluice_id, then columns of structs holding lists.
      Batch& nested_root = flattened.at(0);
      root.origins = std::move(nested_root.origins);
      root.names.push_back(std::move(nested_root.names[0]));
      root.columns.push_back(std::move(nested_root.columns[0]));
      for (size_t i = 0; i < columns.size(); i++) {
        root.names.push_back(plan.output_names[i]);
        root.columns.push_back(std::move(columns[i]));
      }
      for (size_t i = 1; i < nested_root.names.size(); i++) {
        root.names.push_back(std::move(nested_root.names[i]));
        root.columns.push_back(std::move(nested_root.columns[i]));
      }
      for (size_t b = 1; b < flattened.size(); b++) children.push_back(std::move(flattened[b]));
    } else {
      root.names = plan.output_names;
      root.columns = std::move(columns);
      root.origins.resize(pending.rows);
      for (size_t r = 0; r < pending.rows; r++) root.origins[r].line = r + 1;
    }
    pending.Clear();  // give DuckDB's memory back before the batches travel on
    out.batches.push_back(std::move(root));
    for (auto& b : children) out.batches.push_back(std::move(b));
    return out;
  }

 private:
  size_t TextBytes(duckdb_data_chunk c, idx_t n) const {
    size_t bytes = 0;
    const size_t columns = plan_->columns.size() + (plan_->has_document ? 1 : 0);
    for (size_t i = 0; i < columns; i++) {
      const bool text = i == plan_->columns.size() || plan_->columns[i].kind == VectorKind::kText ||
                        plan_->columns[i].kind == VectorKind::kJson ||
                        plan_->columns[i].kind == VectorKind::kBlob;
      if (!text) continue;
      duckdb_vector v = duckdb_data_chunk_get_vector(c, i);
      const auto* strings = static_cast<const duckdb_string_t*>(duckdb_vector_get_data(v));
      const uint64_t* validity = duckdb_vector_get_validity(v);
      for (idx_t r = 0; r < n; r++) {
        if (validity == nullptr || ((validity[r >> 6] >> (r & 63)) & 1) != 0) {
          bytes += strings[r].value.inlined.length;
        }
      }
    }
    return bytes;
  }

  Error ReadError(const std::string& message) const {
    return InputError("cannot read Parquet file " + ObjectForDisplay(files_[file_index_].path) +
                      ": " + message);
  }

  void OpenFile(size_t index) {
    file_index_ = index;
    first_in_file_ = true;
    rows_read_ = 0;
    stored_reported_ = 0;
    file_rows_ = 0;
    const std::string& uri = files_[index].path;
    std::string local;
    if (HasStorageScheme(uri) && uri.rfind("file://", 0) != 0) {
      std::unique_ptr<InputStream> in = options_.open_remote(uri);
      spool_ = std::make_unique<SpooledFile>(*in, ObjectForDisplay(uri));
      local = spool_->path();
    } else {
      local = LocalPath(uri);  // plain paths and file:// are read in place
    }
    const std::string from = "read_parquet(" + SqlStringLiteral(local) + ")";

    // The schema, from the footer (a truncated or non-Parquet file fails here).
    duckdb_result schema_result;
    if (duckdb_query(con_, ("SELECT * FROM " + from + " LIMIT 0").c_str(), &schema_result) !=
        DuckDBSuccess) {
      const std::string message = duckdb_result_error(&schema_result);
      duckdb_destroy_result(&schema_result);
      throw ReadError(message);
    }
    std::vector<ParquetColumnSchema> schema;
    const idx_t ncols = duckdb_column_count(&schema_result);
    for (idx_t i = 0; i < ncols; i++) {
      schema.push_back(
          {duckdb_column_name(&schema_result, i), duckdb_column_logical_type(&schema_result, i)});
    }
    std::shared_ptr<ParquetReadPlan> plan;
    try {
      plan = std::make_shared<ParquetReadPlan>(PlanParquetRead(local, schema, options_.columns,
                                                               options_.max_nesting, options_.table,
                                                               &flattener_.names()));
    } catch (...) {
      for (auto& c : schema) duckdb_destroy_logical_type(&c.type);
      duckdb_destroy_result(&schema_result);
      throw;
    }
    for (auto& c : schema) duckdb_destroy_logical_type(&c.type);
    duckdb_destroy_result(&schema_result);
    plan_ = std::move(plan);

    // Row count from the footer, for progress.
    duckdb_result meta;
    if (duckdb_query(
            con_,
            ("SELECT sum(num_rows) FROM parquet_file_metadata(" + SqlStringLiteral(local) + ")")
                .c_str(),
            &meta) == DuckDBSuccess) {
      file_rows_ = duckdb_value_int64(&meta, 0, 0);
    }
    duckdb_destroy_result(&meta);

    duckdb_prepared_statement stmt = nullptr;
    if (duckdb_prepare(con_, plan_->sql.c_str(), &stmt) != DuckDBSuccess) {
      const std::string message = duckdb_prepare_error(stmt);
      duckdb_destroy_prepare(&stmt);
      throw ReadError(message);
    }
    duckdb_pending_result pending = nullptr;
    if (duckdb_pending_prepared_streaming(stmt, &pending) != DuckDBSuccess) {
      const std::string message = duckdb_pending_error(pending);
      duckdb_destroy_pending(&pending);
      duckdb_destroy_prepare(&stmt);
      throw ReadError(message);
    }
    const duckdb_state rc = duckdb_execute_pending(pending, &result_);
    duckdb_destroy_pending(&pending);
    duckdb_destroy_prepare(&stmt);
    if (rc != DuckDBSuccess) {
      const std::string message = duckdb_result_error(&result_);
      duckdb_destroy_result(&result_);
      throw ReadError(message);
    }
    open_ = true;
  }

  // Storage bytes read so far in the current file, estimated from rows read (for progress).
  uint64_t StoredBytesSoFar() const {
    const int64_t size = files_[file_index_].size;
    if (size <= 0) return 0;
    if (!open_ || file_rows_ <= 0) return static_cast<uint64_t>(size);
    return static_cast<uint64_t>(static_cast<double>(size) * static_cast<double>(rows_read_) /
                                 static_cast<double>(file_rows_));
  }

  void CloseFile() {
    if (open_) duckdb_destroy_result(&result_);
    open_ = false;
    spool_.reset();
  }

  void Close() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      pending_.clear();
    }
    CloseFile();
    if (con_) duckdb_disconnect(&con_);
    if (db_) duckdb_close(&db_);
  }

  std::unique_ptr<JsonBatchBuilder> TakeBuilder() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!builders_.empty()) {
        auto b = std::move(builders_.back());
        builders_.pop_back();
        return b;
      }
    }
    return std::make_unique<JsonBatchBuilder>(&flattener_);
  }
  void ReturnBuilder(std::unique_ptr<JsonBatchBuilder> b) {
    std::lock_guard<std::mutex> lock(mu_);
    builders_.push_back(std::move(b));
  }

  const std::vector<InputFile> files_;
  ParquetOptions options_;
  JsonFlattener flattener_;
  duckdb_database db_ = nullptr;
  duckdb_connection con_ = nullptr;

  std::mutex mu_;
  std::map<uint64_t, PendingChunk> pending_;  // by sequence: read, not yet parsed
  std::vector<std::unique_ptr<JsonBatchBuilder>> builders_;

  // Reader state (reader thread only).
  size_t next_file_ = 0;
  size_t file_index_ = 0;
  bool open_ = false;
  bool first_in_file_ = true;
  duckdb_result result_{};
  std::shared_ptr<const ParquetReadPlan> plan_;
  std::unique_ptr<SpooledFile> spool_;
  uint64_t sequence_ = 0;
  uint64_t rows_read_ = 0;
  int64_t file_rows_ = 0;
  uint64_t stored_reported_ = 0;
};

}  // namespace

std::unique_ptr<Source> MakeParquetSource(std::vector<InputFile> files, ParquetOptions options) {
  options.Validate();
  if (files.empty()) throw UsageError("no Parquet files to read");
  options.table = NormalizeIdentifier(options.table);
  return std::make_unique<ParquetSource>(std::move(files), std::move(options));
}

}  // namespace sluice
