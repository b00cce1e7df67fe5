#include "formats/xlsx/sheet_reader.h"

#include "core/error.h"

namespace sluice {
namespace {

void PutU32(std::string* out, uint32_t v) {
  char b[4];
  std::memcpy(b, &v, 4);
  out->append(b, 4);
}

// "AB12" -> column 27 (0-based); false if the reference has no letters or too many columns.
bool ParseColumn(const char* ref, uint32_t* column) {
  uint32_t c = 0;
  int letters = 0;
  for (; *ref >= 'A' && *ref <= 'Z'; ++ref, ++letters) c = c * 26 + uint32_t(*ref - 'A' + 1);
  if (letters == 0 || letters > 3 || c > kMaxSheetColumns) return false;
  *column = c - 1;
  return true;
}

bool ParseRowNumber(const char* s, uint32_t* row) {
  uint64_t v = 0;
  if (!*s) return false;
  for (; *s; ++s) {
    if (*s < '0' || *s > '9' || v > 100'000'000) return false;
    v = v * 10 + uint64_t(*s - '0');
  }
  if (v == 0) return false;
  *row = uint32_t(v);
  return true;
}

}  // namespace

SheetReader::SheetReader(std::unique_ptr<XlsxPartReader> part, uint32_t header_row)
    : stream_(std::move(part), this, /*prefetch=*/true), header_row_(header_row) {}

void SheetReader::Malformed(const std::string& what) {
  throw InputError(stream_.part().what() + ": " + what);
}

bool SheetReader::Next(std::string* out, size_t target_bytes) {
  if (stream_.done()) return false;
  chunk_ = out;
  target_bytes_ = target_bytes;
  const size_t before = out->size();
  stream_.Run();
  chunk_ = nullptr;
  return out->size() > before || !stream_.done();
}

void SheetReader::Start(const char* name, const char** attrs) {
  const char* local = LocalName(name);
  switch (local[0]) {
    case 'c':
      if (local[1] == 0 && in_row_) BeginCell(attrs);
      return;
    case 'v':
      if (local[1] == 0 && in_cell_) {
        capturing_ = true;
        has_value_ = true;
        value_.clear();
      }
      return;
    case 't':
      if (local[1] == 0 && in_inline_ && !in_phonetic_) capturing_ = true;
      return;
    case 'i':
      if (local[1] == 's' && local[2] == 0 && in_cell_) {
        in_inline_ = true;
        has_value_ = true;
        value_.clear();
      }
      return;
    case 'r':
      if (std::strcmp(local, "row") == 0 && in_sheet_data_) BeginRow(attrs);
      if (std::strcmp(local, "rPh") == 0) in_phonetic_ = true;
      return;
    case 's':
      if (std::strcmp(local, "sheetData") == 0) in_sheet_data_ = true;
      return;
    default:
      return;
  }
}

void SheetReader::End(const char* name) {
  const char* local = LocalName(name);
  switch (local[0]) {
    case 'c':
      if (local[1] == 0 && in_cell_) EndCell();
      return;
    case 'v':
      if (local[1] == 0) capturing_ = false;
      return;
    case 't':
      if (local[1] == 0 && in_inline_) capturing_ = false;
      return;
    case 'i':
      if (local[1] == 's' && local[2] == 0) in_inline_ = false;
      return;
    case 'r':
      if (std::strcmp(local, "row") == 0 && in_row_) EndRow();
      if (std::strcmp(local, "rPh") == 0) in_phonetic_ = false;
      return;
    case 's':
      if (std::strcmp(local, "sheetData") == 0) {
        in_sheet_data_ = false;
        stream_.Finish();  // the rest (merged cells, page setup, ...) holds no values
      }
      return;
    default:
      return;
  }
}

void SheetReader::Text(const char* s, int len) {
  if (capturing_) value_.append(s, size_t(len));
}

void SheetReader::BeginRow(const char** attrs) {
  uint32_t row = row_ + 1;
  if (const char* r = FindAttribute(attrs, "r")) {
    if (!ParseRowNumber(r, &row)) Malformed("row number '" + std::string(r) + "' is invalid");
  }
  row_ = row;
  if (row > last_row_) last_row_ = row;
  in_row_ = true;
  next_column_ = 0;
  row_cells_ = 0;
  if (row < header_row_) {
    out_ = nullptr;
  } else if (row == header_row_) {
    out_ = header_.empty() ? &header_ : nullptr;
  } else {
    out_ = chunk_;
  }
  if (out_) {
    row_start_ = out_->size();
    PutU32(out_, row);
    PutU32(out_, 0);
  }
}

void SheetReader::EndRow() {
  in_row_ = false;
  if (!out_) return;
  if (row_cells_ == 0) {
    out_->resize(row_start_);  // no values: an empty row is not loaded
  } else {
    std::memcpy(out_->data() + row_start_ + 4, &row_cells_, 4);
  }
  if (out_ == chunk_ && chunk_->size() >= target_bytes_) stream_.Suspend();
  out_ = nullptr;
}

void SheetReader::BeginCell(const char** attrs) {
  in_cell_ = true;
  has_value_ = false;
  capturing_ = false;
  column_ = next_column_;
  style_ = 0;
  kind_ = CellKind::kNumber;
  for (const char** a = attrs; *a; a += 2) {
    const char* key = LocalName(a[0]);
    if (key[1] != 0) continue;
    const char* v = a[1];
    if (key[0] == 'r') {
      if (!ParseColumn(v, &column_))
        Malformed("cell reference '" + std::string(v) + "' is invalid");
    } else if (key[0] == 's') {
      style_ = uint32_t(std::strtoul(v, nullptr, 10));
    } else if (key[0] == 't') {
      if (std::strcmp(v, "s") == 0) {
        kind_ = CellKind::kSharedString;
      } else if (std::strcmp(v, "n") == 0) {
        kind_ = CellKind::kNumber;
      } else if (std::strcmp(v, "str") == 0) {
        kind_ = CellKind::kFormulaString;
      } else if (std::strcmp(v, "inlineStr") == 0) {
        kind_ = CellKind::kInlineString;
      } else if (std::strcmp(v, "b") == 0) {
        kind_ = CellKind::kBoolean;
      } else if (std::strcmp(v, "e") == 0) {
        kind_ = CellKind::kError;
      } else if (std::strcmp(v, "d") == 0) {
        kind_ = CellKind::kIsoDate;
      } else {
        Malformed("cell type t=\"" + std::string(v) + "\" is unknown");
      }
    }
  }
  if (column_ >= kMaxSheetColumns) Malformed("more than 16384 columns in a row");
  next_column_ = column_ + 1;
}

void SheetReader::EndCell() {
  in_cell_ = false;
  capturing_ = false;
  in_inline_ = false;
  if (!out_ || !has_value_) return;
  const bool text = kind_ == CellKind::kInlineString || kind_ == CellKind::kFormulaString;
  if (value_.empty() && !text) return;  // <v/>: no value
  char head[11];
  const uint16_t c = uint16_t(column_);
  std::memcpy(head, &c, 2);
  head[2] = char(kind_);
  std::memcpy(head + 3, &style_, 4);
  const uint32_t len = uint32_t(value_.size());
  std::memcpy(head + 7, &len, 4);
  out_->append(head, 11);
  out_->append(value_);
  row_cells_++;
}

}  // namespace sluice
