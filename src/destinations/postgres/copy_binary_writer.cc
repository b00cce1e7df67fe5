#include "destinations/postgres/copy_binary_writer.h"

#include <algorithm>

#include "core/error.h"

namespace sluice {
namespace {

// PostgreSQL's epoch is 2000-01-01; sluice counts from 1970-01-01.
constexpr int32_t kEpochDays = 10957;
constexpr int64_t kEpochMicros = int64_t{kEpochDays} * 86400 * 1000000;

inline char* PutU16(char* p, uint16_t v) {
  v = __builtin_bswap16(v);
  std::memcpy(p, &v, 2);
  return p + 2;
}
inline char* PutU32(char* p, uint32_t v) {
  v = __builtin_bswap32(v);
  std::memcpy(p, &v, 4);
  return p + 4;
}
inline char* PutU64(char* p, uint64_t v) {
  v = __builtin_bswap64(v);
  std::memcpy(p, &v, 8);
  return p + 8;
}

constexpr uint64_t kPow10[] = {1ULL,
                               10ULL,
                               100ULL,
                               1000ULL,
                               10000ULL,
                               100000ULL,
                               1000000ULL,
                               10000000ULL,
                               100000000ULL,
                               1000000000ULL,
                               10000000000ULL,
                               100000000000ULL,
                               1000000000000ULL,
                               10000000000000ULL,
                               100000000000000ULL,
                               1000000000000000ULL,
                               10000000000000000ULL,
                               100000000000000000ULL,
                               1000000000000000000ULL};

// A numeric value unscaled / 10^scale as PostgreSQL's binary numeric: int16 ndigits, int16
// weight (of the first base-10000 digit), int16 sign, int16 dscale, then the digits. Digits are
// grouped around the decimal point, leading and trailing zero groups dropped. Max 5 integer
// groups (|int64| < 10^19) and 5 fractional groups (scale <= 18): 4 * 2 + 10 * 2 bytes + length.
constexpr size_t kMaxNumericBytes = 4 + 8 + 10 * 2;

char* PutNumeric(char* p, int64_t unscaled, uint8_t scale) {
  const uint64_t magnitude =
      unscaled < 0 ? ~static_cast<uint64_t>(unscaled) + 1 : uint64_t(unscaled);
  uint16_t groups[10];
  int n = 0, weight = 0;
  if (magnitude != 0) {
    uint64_t int_part = magnitude / kPow10[scale];
    const uint64_t frac_part = magnitude % kPow10[scale];
    uint16_t int_groups[5];
    int ni = 0;
    while (int_part) {
      int_groups[ni++] = uint16_t(int_part % 10000);
      int_part /= 10000;
    }
    for (int i = ni - 1; i >= 0; i--) groups[n++] = int_groups[i];
    // The fraction padded on the right to whole groups of 4 digits (fits 128 bits).
    const int nf = (scale + 3) / 4;
    unsigned __int128 frac = frac_part;
    for (int i = scale; i < nf * 4; i++) frac *= 10;
    uint16_t frac_groups[5];
    for (int i = nf - 1; i >= 0; i--) {
      frac_groups[i] = uint16_t(frac % 10000);
      frac /= 10000;
    }
    weight = ni - 1;
    int first = 0;
    if (ni == 0) {  // 0.00xx: the first non-zero fractional group carries the weight
      while (first < nf && frac_groups[first] == 0) first++;
      weight = -1 - first;
    }
    for (int i = first; i < nf; i++) groups[n++] = frac_groups[i];
    while (n > 0 && groups[n - 1] == 0) n--;
  }
  p = PutU32(p, uint32_t(8 + 2 * n));
  p = PutU16(p, uint16_t(n));
  p = PutU16(p, uint16_t(int16_t(weight)));
  p = PutU16(p, unscaled < 0 ? 0x4000 : 0x0000);
  p = PutU16(p, scale);
  for (int i = 0; i < n; i++) p = PutU16(p, groups[i]);
  return p;
}

}  // namespace

std::string PgTypeName(DataType type) {
  switch (type.id) {
    case TypeId::kBoolean:
      return "boolean";
    case TypeId::kInt64:
      return "bigint";
    case TypeId::kDecimal:
      return "numeric(18," + std::to_string(type.scale) + ")";
    case TypeId::kDouble:
      return "double precision";
    case TypeId::kDate:
      return "date";
    case TypeId::kTimestamp:
      return "timestamp without time zone";
    case TypeId::kTimestampTz:
      return "timestamp with time zone";
    case TypeId::kJson:
      return "jsonb";
    case TypeId::kBinary:
      return "bytea";
    case TypeId::kUuid:
      return "uuid";
    case TypeId::kNull:
    case TypeId::kText:
      return "text";
  }
  return "text";
}

void ByteBuffer::Grow(size_t min_capacity) {
  const size_t capacity = std::max(min_capacity, std::max<size_t>(capacity_ * 2, 64 * 1024));
  std::unique_ptr<char[]> bigger(new char[capacity]);
  if (size_) std::memcpy(bigger.get(), data_.get(), size_);
  data_ = std::move(bigger);
  capacity_ = capacity;
}

CopyBinaryWriter::CopyBinaryWriter(std::vector<ColumnSchema> columns, bool sequence, Send send,
                                   size_t piece_bytes)
    : columns_(std::move(columns)),
      sequence_(sequence),
      send_(std::move(send)),
      piece_bytes_(piece_bytes) {}

void CopyBinaryWriter::Begin() {
  static const char kSignature[] = "PGCOPY\n\377\r\n";  // 11 bytes with its NUL
  buffer_.Append(kSignature, 11);
  char* p = buffer_.Reserve(8);
  p = PutU32(p, 0);  // flags: no OIDs
  PutU32(p, 0);      // header extension length
  buffer_.Advance(8);
}

void CopyBinaryWriter::Finish() {
  PutU16(buffer_.Reserve(2), 0xFFFF);
  buffer_.Advance(2);
  SendBuffered();
}

void CopyBinaryWriter::SendBuffered() {
  if (buffer_.size()) send_(buffer_.data(), buffer_.size());
  buffer_.clear();
}

void CopyBinaryWriter::Append(const Batch& batch, int64_t first_sequence) {
  const size_t nfields = columns_.size() + (sequence_ ? 1 : 0);
  sources_.assign(columns_.size(), nullptr);
  for (size_t i = 0; i < columns_.size(); i++) {
    const int b = batch.FindColumn(columns_[i].name);
    if (b < 0) continue;
    const Column& column = batch.columns[b];
    if (column.type().id == TypeId::kNull) continue;  // only NULLs
    if (column.type() != columns_[i].type) {
      throw Error(ErrorKind::kInternal, "batch column '" + columns_[i].name + "' of table '" +
                                            batch.table + "' is " + TypeName(column.type()) +
                                            ", the table holds " + TypeName(columns_[i].type));
    }
    sources_[i] = &column;
  }
  // Fixed part of a row: field count, every length word, the widest fixed-size value.
  const size_t fixed_bound = 2 + nfields * (4 + kMaxNumericBytes);
  for (size_t row = 0; row < batch.num_rows; row++) {
    char* p = buffer_.Reserve(fixed_bound);
    p = PutU16(p, uint16_t(nfields));
    for (size_t f = 0; f < columns_.size(); f++) {
      const Column* c = sources_[f];
      if (!c || !c->IsValid(row)) {
        p = PutU32(p, 0xFFFFFFFFu);
        continue;
      }
      switch (columns_[f].type.id) {
        case TypeId::kBoolean:
          p = PutU32(p, 1);
          *p++ = c->GetBoolean(row) ? 1 : 0;
          break;
        case TypeId::kInt64:
        case TypeId::kDouble:  // the slot holds the IEEE bits
          p = PutU32(p, 8);
          p = PutU64(p, c->slots()[row]);
          break;
        case TypeId::kDecimal:
          p = PutNumeric(p, c->GetInt64(row), columns_[f].type.scale);
          break;
        case TypeId::kDate:
          p = PutU32(p, 4);
          p = PutU32(p, uint32_t(c->GetDate(row) - kEpochDays));
          break;
        case TypeId::kTimestamp:
        case TypeId::kTimestampTz:
          p = PutU32(p, 8);
          p = PutU64(p, uint64_t(c->GetInt64(row) - kEpochMicros));
          break;
        case TypeId::kUuid: {
          const std::string_view v = c->GetString(row);
          if (v.size() != 16) {
            throw Error(ErrorKind::kInternal, "uuid value of " + std::to_string(v.size()) +
                                                  " bytes in column '" + columns_[f].name + "'");
          }
          p = PutU32(p, 16);
          std::memcpy(p, v.data(), 16);
          p += 16;
          break;
        }
        case TypeId::kJson:
        case TypeId::kText:
        case TypeId::kBinary:
        case TypeId::kNull: {
          const std::string_view v = c->GetString(row);
          const bool jsonb = columns_[f].type.id == TypeId::kJson;
          const size_t n = v.size() + (jsonb ? 1 : 0);
          if (n > 0x3FFFFFFF) {
            throw DestinationError("a value of " + std::to_string(v.size()) + " bytes in column '" +
                                   columns_[f].name + "' exceeds PostgreSQL's 1 GB field limit");
          }
          // The variable part may not fit what was reserved: make room for it and the rest.
          buffer_.Advance(size_t(p - (buffer_.data() + buffer_.size())));
          p = buffer_.Reserve(4 + n + fixed_bound);
          p = PutU32(p, uint32_t(n));
          if (jsonb) *p++ = 1;  // jsonb binary format version
          std::memcpy(p, v.data(), v.size());
          p += v.size();
          break;
        }
      }
    }
    if (sequence_) {
      p = PutU32(p, 8);
      p = PutU64(p, uint64_t(first_sequence + int64_t(row)));
    }
    buffer_.Advance(size_t(p - (buffer_.data() + buffer_.size())));
    if (buffer_.size() >= piece_bytes_) SendBuffered();
  }
}

}  // namespace sluice
