#include "destinations/duckdb/table_appender.h"

#include <cstring>

#include "core/error.h"

namespace sluice {

TableAppender::TableAppender(duckdb_connection con, std::string table)
    : con_(con), table_(std::move(table)) {}

TableAppender::~TableAppender() {
  if (chunk_) duckdb_destroy_data_chunk(&chunk_);
  if (appender_) duckdb_appender_destroy(&appender_);
}

void TableAppender::Check(duckdb_state state, const char* what) {
  if (state == DuckDBSuccess) return;
  std::string message = appender_ ? duckdb_appender_error(appender_) : "";
  throw DestinationError("DuckDB " + std::string(what) + " on table \"" + table_ +
                         "\": " + (message.empty() ? "failed" : message));
}

void TableAppender::Close() {
  if (chunk_) duckdb_destroy_data_chunk(&chunk_);
  chunk_ = nullptr;
  if (appender_) {
    const duckdb_state rc = duckdb_appender_close(appender_);
    std::string message = rc == DuckDBSuccess ? "" : duckdb_appender_error(appender_);
    duckdb_appender_destroy(&appender_);
    appender_ = nullptr;
    active_columns_.clear();
    if (rc != DuckDBSuccess) {
      throw DestinationError("DuckDB append to \"" + table_ + "\" failed: " + message);
    }
  }
}

void TableAppender::Configure(const std::vector<std::string>& columns) {
  if (appender_ && columns == active_columns_) return;
  if (!appender_) {
    Check(duckdb_appender_create(con_, nullptr, table_.c_str(), &appender_), "appender");
  }
  Check(duckdb_appender_clear_columns(appender_), "appender column reset");
  for (const auto& c : columns) {
    Check(duckdb_appender_add_column(appender_, c.c_str()), "appender column");
  }
  active_columns_ = columns;
  if (chunk_) duckdb_destroy_data_chunk(&chunk_);
  const idx_t n = duckdb_appender_column_count(appender_);
  std::vector<duckdb_logical_type> types(n);
  physical_.resize(n);
  for (idx_t i = 0; i < n; i++) {
    types[i] = duckdb_appender_column_type(appender_, i);
    physical_[i] = duckdb_get_type_id(types[i]);
  }
  chunk_ = duckdb_create_data_chunk(types.data(), n);
  for (auto& t : types) duckdb_destroy_logical_type(&t);
}

namespace {

void FillVector(const Column& col, size_t begin, size_t count, duckdb_type type,
                duckdb_vector vec) {
  void* data = duckdb_vector_get_data(vec);
  const uint8_t* valid = col.validity() + begin;
  bool any_null = false;
  for (size_t i = 0; i < count; i++) any_null |= valid[i] == 0;
  if (any_null) {
    duckdb_vector_ensure_validity_writable(vec);
    uint64_t* mask = duckdb_vector_get_validity(vec);
    for (size_t i = 0; i < count; i++) {
      if (!valid[i]) duckdb_validity_set_row_invalid(mask, i);
    }
  }
  switch (type) {
    case DUCKDB_TYPE_BOOLEAN: {
      bool* out = static_cast<bool*>(data);
      for (size_t i = 0; i < count; i++) out[i] = col.slots()[begin + i] != 0;
      return;
    }
    case DUCKDB_TYPE_DATE: {
      int32_t* out = static_cast<int32_t*>(data);
      for (size_t i = 0; i < count; i++) out[i] = static_cast<int32_t>(col.slots()[begin + i]);
      return;
    }
    case DUCKDB_TYPE_BIGINT:
    case DUCKDB_TYPE_DOUBLE:
    case DUCKDB_TYPE_TIMESTAMP:
    case DUCKDB_TYPE_TIMESTAMP_TZ:
    case DUCKDB_TYPE_DECIMAL:  // DECIMAL(18, s): physically int64
      std::memcpy(data, col.slots() + begin, count * sizeof(uint64_t));
      return;
    case DUCKDB_TYPE_UUID: {
      // DuckDB stores a UUID as a 128-bit integer with the top bit flipped (so it sorts).
      auto* out = static_cast<duckdb_hugeint*>(data);
      for (size_t i = 0; i < count; i++) {
        if (!valid[i]) continue;
        const auto* b = reinterpret_cast<const unsigned char*>(col.GetString(begin + i).data());
        uint64_t hi = 0, lo = 0;
        for (int k = 0; k < 8; k++) hi = hi << 8 | b[k];
        for (int k = 8; k < 16; k++) lo = lo << 8 | b[k];
        out[i].upper = static_cast<int64_t>(hi ^ (uint64_t{1} << 63));
        out[i].lower = lo;
      }
      return;
    }
    case DUCKDB_TYPE_VARCHAR:
    case DUCKDB_TYPE_BLOB:
      for (size_t i = 0; i < count; i++) {
        if (!valid[i]) continue;
        const std::string_view s = col.GetString(begin + i);
        duckdb_vector_assign_string_element_len(vec, i, s.data(), s.size());
      }
      return;
    default:
      throw Error(ErrorKind::kInternal,
                  "unexpected DuckDB column type " + std::to_string(int(type)) + " for append");
  }
}

}  // namespace

void TableAppender::Append(const Batch& batch, const std::string& extra_sequence_column,
                           int64_t first_sequence) {
  std::vector<std::string> columns = batch.names;
  if (!extra_sequence_column.empty()) columns.push_back(extra_sequence_column);
  Configure(columns);
  const size_t vector_size = duckdb_vector_size();
  for (size_t begin = 0; begin < batch.num_rows; begin += vector_size) {
    const size_t count = std::min(vector_size, batch.num_rows - begin);
    duckdb_data_chunk_reset(chunk_);
    for (size_t c = 0; c < batch.columns.size(); c++) {
      FillVector(batch.columns[c], begin, count, physical_[c],
                 duckdb_data_chunk_get_vector(chunk_, c));
    }
    if (!extra_sequence_column.empty()) {
      auto* out = static_cast<int64_t*>(
          duckdb_vector_get_data(duckdb_data_chunk_get_vector(chunk_, batch.columns.size())));
      for (size_t i = 0; i < count; i++) out[i] = first_sequence + int64_t(begin + i);
    }
    duckdb_data_chunk_set_size(chunk_, count);
    Check(duckdb_append_data_chunk(appender_, chunk_), "append");
  }
}

}  // namespace sluice
