#pragma once
// Test fixtures for the xlsx reader, built at test time. Most are written with libxlsxwriter
// (tests include <xlsxwriter.h> themselves); the cases it cannot produce (inline strings with
// rich text, the 1904 date system, cells and rows without r attributes, error cells, damaged
// parts) are hand-written OOXML zipped with libzip.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace sluice::xlsx_fixture {

// A fresh path under the test temp dir ending in `name` (e.g. "dates.xlsx").
std::string TempPath(const std::string& name);

// Writes a zip archive holding exactly `parts` (name, content), deflated.
void WriteZip(const std::string& path,
              const std::vector<std::pair<std::string, std::string>>& parts);

// Rewrites one part of an existing archive, replacing every `from` with `to` (post-editing a
// libxlsxwriter file into what it cannot write, e.g. t="e" error cells). Throws if `from` does
// not occur.
void ReplaceInPart(const std::string& path, const std::string& part, const std::string& from,
                   const std::string& to);

struct RawSheet {
  std::string name;
  std::string sheet_data;  // the inner XML of <sheetData>
};

struct RawWorkbook {
  std::vector<RawSheet> sheets;
  bool date1904 = false;
  std::vector<std::string> shared_strings;  // each an <si> inner XML: "<t>a</t>" or runs
  // Cell formats by s index (cellXfs): a built-in id, or a custom format code (numFmtId 164+).
  struct Format {
    uint32_t builtin_id = 0;
    std::string code;  // non-empty: custom
  };
  std::vector<Format> formats;  // index 0 should be General ({0, ""})
};

// The parts of a minimal valid workbook.
std::vector<std::pair<std::string, std::string>> WorkbookParts(const RawWorkbook& workbook);
void WriteRawWorkbook(const std::string& path, const RawWorkbook& workbook);

// A sheet of `rows` data rows under a header (id, name, amount, price, flag), written with
// libxlsxwriter in constant-memory mode (inline strings, row by row).
void WriteLargeSheet(const std::string& path, uint32_t rows);

// Peak resident set size of this process in KiB (VmHWM), and a reset of that peak (so a test
// measures its own growth whatever ran before it).
int64_t PeakRssKib();
void ResetPeakRss();

}  // namespace sluice::xlsx_fixture
