#pragma once
// A typed column of one batch: values plus validity, in flat buffers (no per-value allocation).
// Fixed-width types share one 8-byte slot layout; text, json and binary live in one byte heap.
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "core/types.h"

namespace sluice {

class Column {
 public:
  explicit Column(DataType type = {}) : type_(type) {}

  DataType type() const { return type_; }
  size_t size() const { return valid_.size(); }
  bool IsVariableWidth() const { return IsVariableWidth(type_.id); }
  static bool IsVariableWidth(TypeId id) {
    return id == TypeId::kText || id == TypeId::kJson || id == TypeId::kBinary ||
           id == TypeId::kNull || id == TypeId::kUuid;
  }

  // Drops all values but keeps the buffers, and sets a new type.
  void Reset(DataType type) {
    type_ = type;
    valid_.clear();
    slots_.clear();
    ends_.clear();
    heap_.clear();
  }
  void Reserve(size_t rows) {
    valid_.reserve(rows);
    if (IsVariableWidth()) {
      ends_.reserve(rows);
    } else {
      slots_.reserve(rows);
    }
  }

  void AppendNull() {
    valid_.push_back(0);
    if (IsVariableWidth()) {
      ends_.push_back(static_cast<uint32_t>(heap_.size()));
    } else {
      slots_.push_back(0);
    }
  }
  void AppendBoolean(bool v) { AppendSlot(v ? 1 : 0); }
  void AppendInt64(int64_t v) { AppendSlot(static_cast<uint64_t>(v)); }
  void AppendDecimal(int64_t unscaled) { AppendSlot(static_cast<uint64_t>(unscaled)); }
  void AppendDouble(double v) {
    uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    AppendSlot(bits);
  }
  void AppendDate(int32_t days) { AppendSlot(static_cast<uint64_t>(int64_t{days})); }
  void AppendTimestamp(int64_t micros) { AppendSlot(static_cast<uint64_t>(micros)); }
  void AppendString(std::string_view v) {
    heap_.append(v.data(), v.size());
    valid_.push_back(1);
    ends_.push_back(static_cast<uint32_t>(heap_.size()));
  }
  // Appends a string assembled in pieces: call AppendToHeap() any number of times, then
  // FinishString().
  void AppendToHeap(std::string_view piece) { heap_.append(piece.data(), piece.size()); }
  void FinishString() {
    valid_.push_back(1);
    ends_.push_back(static_cast<uint32_t>(heap_.size()));
  }

  // Appends row `row` of `src`, which has this column's type (or is all NULL there).
  void AppendFrom(const Column& src, size_t row) {
    if (!src.IsValid(row)) {
      AppendNull();
    } else if (IsVariableWidth()) {
      AppendString(src.GetString(row));
    } else {
      AppendSlot(src.slots_[row]);
    }
  }

  bool IsValid(size_t row) const { return valid_[row] != 0; }
  const uint8_t* validity() const { return valid_.data(); }
  size_t NullCount() const;

  bool GetBoolean(size_t row) const { return slots_[row] != 0; }
  int64_t GetInt64(size_t row) const { return static_cast<int64_t>(slots_[row]); }
  double GetDouble(size_t row) const {
    double v;
    std::memcpy(&v, &slots_[row], sizeof v);
    return v;
  }
  int32_t GetDate(size_t row) const { return static_cast<int32_t>(slots_[row]); }
  std::string_view GetString(size_t row) const {
    const uint32_t begin = row == 0 ? 0 : ends_[row - 1];
    return std::string_view(heap_.data() + begin, ends_[row] - begin);
  }
  const uint64_t* slots() const { return slots_.data(); }

  // Widest integer part among the values (int64 and decimal), for decimal widening decisions.
  uint8_t IntegerDigits() const;
  // Renders one value as text the way a cast to text would (canonical form).
  void AppendValueAsText(size_t row, std::string* out) const;
  // A copy of this column converted to `to`; WidensTo(type(), to) must hold.
  Column CastTo(DataType to) const;

 private:
  void AppendSlot(uint64_t bits) {
    valid_.push_back(1);
    slots_.push_back(bits);
  }

  DataType type_;
  std::vector<uint8_t> valid_;   // one byte per row: 1 = value, 0 = NULL
  std::vector<uint64_t> slots_;  // fixed-width values
  std::vector<uint32_t> ends_;   // variable-width values: end offset of each value in heap_
  std::string heap_;
};

}  // namespace sluice
