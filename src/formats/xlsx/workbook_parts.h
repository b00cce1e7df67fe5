#pragma once
// The small parts every sheet read needs, parsed once per file: the workbook (sheet names and
// where their XML lives, the date system), the styles (which cell formats are dates or times)
// and the shared string table.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "formats/xlsx/excel_dates.h"
#include "formats/xlsx/number_format.h"
#include "formats/xlsx/xlsx_archive.h"

namespace sluice {

struct SheetEntry {
  std::string name;
  std::string part;       // "xl/worksheets/sheet1.xml"; empty if the relationship is missing
  bool worksheet = true;  // false for chart and dialog sheets
};

struct WorkbookInfo {
  std::vector<SheetEntry> sheets;  // in tab order
  DateSystem date_system = DateSystem::k1900;
  std::string styles_part;          // empty if the workbook has none
  std::string shared_strings_part;  // empty if the workbook has none
};

// Reads _rels/.rels, the workbook part and its relationships.
WorkbookInfo ReadWorkbook(const XlsxArchive& archive);

// The sheet `selector` names: an exact sheet name, else a case-insensitive one, else a 1-based
// tab position if it is a number; empty = the first worksheet. Throws a usage error listing the
// sheets when nothing matches.
const SheetEntry& SelectSheet(const WorkbookInfo& workbook, const std::string& selector,
                              const std::string& file);

// Every shared string, in one arena (the whole table stays in memory: cells refer to strings by
// index, in any order).
class SharedStrings {
 public:
  size_t size() const { return ends_.size(); }
  std::string_view Get(size_t i) const {
    const uint64_t begin = i == 0 ? 0 : ends_[i - 1];
    return std::string_view(arena_.data() + begin, ends_[i] - begin);
  }
  size_t MemoryBytes() const { return arena_.capacity() + ends_.capacity() * sizeof(uint64_t); }

  void Append(std::string_view s) {
    arena_.append(s);
    ends_.push_back(arena_.size());
  }
  void Shrink() {
    arena_.shrink_to_fit();
    ends_.shrink_to_fit();
  }

 private:
  std::string arena_;
  std::vector<uint64_t> ends_;
};
SharedStrings ReadSharedStrings(const XlsxArchive& archive, const std::string& part);

// The kind of number format of every cell format (cellXfs index, the cells' s attribute).
std::vector<NumberFormatKind> ReadCellFormats(const XlsxArchive& archive, const std::string& part);

// OOXML escapes characters XML cannot carry as _xHHHH_ (e.g. _x000D_ for CR, _x005F_ for a
// literal underscore before such a sequence). Appends `s` with those decoded.
void AppendDecodedText(std::string_view s, std::string* out);
inline bool NeedsDecoding(std::string_view s) {
  return s.find("_x") != std::string_view::npos;
}

}  // namespace sluice
