#pragma once
// Streams one worksheet's XML (SAX, block by block from the zip entry) and writes its cells as
// compact records into chunk buffers, cutting only at row ends. Nothing is typed here: the
// reader thread does the inherently sequential work (inflate + XML) and leaves shared string
// lookups, number parsing and dates to the parallel parse phase (xlsx_chunk_parser.h).
//
// Record layout (native byte order, no alignment):
//   row:  u32 row number (1-based) | u32 cell count | cells...
//   cell: u16 column (0-based) | u8 CellKind | u32 style (cellXfs index) | u32 length | bytes
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "formats/xlsx/xml_stream.h"

namespace sluice {

enum class CellKind : uint8_t {
  kNumber,         // t="n" or no t: <v> holds a number (or a date serial, by its style)
  kSharedString,   // t="s": <v> holds an index into the shared strings
  kInlineString,   // t="inlineStr": <is><t>, already concatenated over rich-text runs
  kFormulaString,  // t="str": a formula's text result
  kBoolean,        // t="b": 0 or 1
  kError,          // t="e": #N/A, #DIV/0!, ...
  kIsoDate,        // t="d": an ISO 8601 date/time as text
};

constexpr uint32_t kMaxSheetColumns = 16384;  // XFD

class SheetReader final : public XmlHandler {
 public:
  // Rows before `header_row` are skipped, the header row (if > 0) goes to header(), the rest
  // to chunks.
  SheetReader(std::unique_ptr<XlsxPartReader> part, uint32_t header_row);

  // Appends whole rows to `out` until it holds at least `target_bytes` or the sheet ends.
  // Returns false once the sheet is exhausted and nothing was appended.
  bool Next(std::string* out, size_t target_bytes);
  bool done() const { return stream_.done(); }
  // The last row number the reader has passed (including empty and skipped rows).
  uint32_t last_row() const { return last_row_; }
  // The header row's record (empty if the sheet has no such row or it holds no values); final
  // once the first Next() has returned.
  const std::string& header() const { return header_; }
  const XlsxPartReader& part() const { return stream_.part(); }

  void Start(const char* name, const char** attrs) override;
  void End(const char* name) override;
  void Text(const char* s, int len) override;

 private:
  [[noreturn]] void Malformed(const std::string& what);
  void BeginRow(const char** attrs);
  void EndRow();
  void BeginCell(const char** attrs);
  void EndCell();

  XmlStream stream_;
  uint32_t header_row_;
  std::string header_;
  std::string* out_ = nullptr;  // where the current row goes (a chunk, header_ or nullptr)
  std::string* chunk_ = nullptr;
  size_t target_bytes_ = 0;

  bool in_sheet_data_ = false;
  bool in_row_ = false;
  uint32_t row_ = 0, last_row_ = 0;
  size_t row_start_ = 0;
  uint32_t row_cells_ = 0;
  uint32_t next_column_ = 0;

  bool in_cell_ = false;
  uint32_t column_ = 0, style_ = 0;
  CellKind kind_ = CellKind::kNumber;
  bool has_value_ = false;
  bool capturing_ = false;
  bool in_inline_ = false, in_phonetic_ = false;
  std::string value_;
};

// Reads the records back (the parse phase).
class CellRecordReader {
 public:
  explicit CellRecordReader(std::string_view data) : p_(data.data()), end_(p_ + data.size()) {}
  bool NextRow(uint32_t* row, uint32_t* cells) {
    if (p_ == end_) return false;
    std::memcpy(row, p_, 4);
    std::memcpy(cells, p_ + 4, 4);
    p_ += 8;
    return true;
  }
  void NextCell(uint32_t* column, CellKind* kind, uint32_t* style, std::string_view* value) {
    uint16_t c;
    uint32_t len;
    std::memcpy(&c, p_, 2);
    *kind = CellKind(uint8_t(p_[2]));
    std::memcpy(style, p_ + 3, 4);
    std::memcpy(&len, p_ + 7, 4);
    *column = c;
    *value = std::string_view(p_ + 11, len);
    p_ += 11 + len;
  }

 private:
  const char* p_;
  const char* end_;
};

}  // namespace sluice
