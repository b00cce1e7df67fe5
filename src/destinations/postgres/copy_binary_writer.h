#pragma once
// Encodes sluice batches as a PostgreSQL COPY ... FROM STDIN (FORMAT binary) stream: the 19-byte
// header, then per row an int16 field count and per field an int32 length (-1 = NULL) and the
// value in the type's binary (network byte order) form, then the int16 -1 trailer.
//
// sluice type     PostgreSQL column         binary value
// boolean         boolean                   1 byte
// int64           bigint                    int64
// decimal(18,s)   numeric(18,s)             ndigits, weight, sign, dscale, base-10000 digits
// double          double precision          IEEE 754 float8
// date            date                      int32 days since 2000-01-01
// timestamp       timestamp                 int64 microseconds since 2000-01-01
// timestamptz     timestamptz               int64 microseconds since 2000-01-01 UTC
// text            text                      UTF-8 bytes
// json            jsonb                     version byte 1, then the JSON text
// binary          bytea                     the bytes
// uuid            uuid                      16 bytes
// null (no type)  text                      always NULL
//
// Rows are encoded into one reusable buffer and handed to `send` in pieces of about
// `piece_bytes`; no per-value allocation.
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/batch.h"
#include "schema/table_schema.h"

namespace sluice {

// The PostgreSQL column type sluice creates for a sluice type ("bigint", "numeric(18,2)", ...).
std::string PgTypeName(DataType type);

// A growable byte buffer without zero-filling (std::string::resize would clear every byte).
class ByteBuffer {
 public:
  const char* data() const { return data_.get(); }
  size_t size() const { return size_; }
  void clear() { size_ = 0; }
  // Room for `n` more bytes; returns where to write them (then call Advance).
  char* Reserve(size_t n) {
    if (size_ + n > capacity_) Grow(size_ + n);
    return data_.get() + size_;
  }
  void Advance(size_t n) { size_ += n; }
  void Append(const void* p, size_t n) {
    std::memcpy(Reserve(n), p, n);
    size_ += n;
  }

 private:
  void Grow(size_t min_capacity);
  std::unique_ptr<char[]> data_;
  size_t size_ = 0, capacity_ = 0;
};

class CopyBinaryWriter {
 public:
  using Send = std::function<void(const char* data, size_t size)>;
  // `columns` are the COPY's column list, with the types the table holds; `sequence` adds one
  // more bigint field after them (merge stages number rows in arrival order).
  CopyBinaryWriter(std::vector<ColumnSchema> columns, bool sequence, Send send,
                   size_t piece_bytes = size_t(1) << 20);

  // The stream header; call once per COPY, before any rows.
  void Begin();
  // Encodes every row of `batch`: each COPY column takes the batch column of the same name (its
  // type must be the table's type; a missing column is NULL). Rows get sequence numbers
  // first_sequence, first_sequence + 1, ... when the writer has a sequence field.
  void Append(const Batch& batch, int64_t first_sequence = 0);
  // The trailer, and sends whatever is buffered.
  void Finish();

  const std::vector<ColumnSchema>& columns() const { return columns_; }

 private:
  void SendBuffered();

  std::vector<ColumnSchema> columns_;
  bool sequence_;
  Send send_;
  size_t piece_bytes_;
  ByteBuffer buffer_;
  std::vector<const Column*> sources_;  // per COPY column; nullptr = NULL
};

}  // namespace sluice
