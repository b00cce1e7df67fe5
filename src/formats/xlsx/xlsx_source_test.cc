#include "formats/xlsx/xlsx_source.h"

#include <gtest/gtest.h>
#include <xlsxwriter.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/identifiers.h"
#include "formats/xlsx/xlsx_fixture_test_util.h"
#include "sources/open_source.h"
#include "storage/http/fault_proxy_test_util.h"

namespace sluice {
namespace {

using xlsx_fixture::RawWorkbook;
using xlsx_fixture::TempPath;
using Rows = std::vector<std::vector<std::string>>;
const std::string kNull = "<null>";

struct Loaded {
  std::vector<std::vector<std::string>> names;  // per batch
  std::vector<std::vector<DataType>> types;     // per batch
  Rows rows;                                    // values as text, NULL as "<null>"
  std::vector<uint64_t> lines;                  // absolute origin line (sheet row) per row
  std::vector<RejectedRecord> rejects;          // lines made absolute as the runner does
};

Loaded LoadAll(Source& source) {
  Loaded out;
  RawChunk chunk;
  uint64_t base = 0;
  while (source.ReadChunk(&chunk)) {
    EXPECT_GE(chunk.data.capacity(), chunk.data.size() + kChunkPadding);
    ParsedChunk parsed = source.ParseChunk(std::move(chunk));
    chunk = RawChunk();
    if (parsed.first_in_file) base = 0;
    for (RejectedRecord& r : parsed.rejects) {
      r.line += base;
      out.rejects.push_back(r);
    }
    for (const Batch& b : parsed.batches) {
      out.names.push_back(b.names);
      std::vector<DataType> types;
      for (const Column& c : b.columns) types.push_back(c.type());
      out.types.push_back(types);
      for (size_t r = 0; r < b.num_rows; r++) {
        std::vector<std::string> row;
        for (const Column& c : b.columns) {
          std::string v;
          if (c.IsValid(r)) {
            c.AppendValueAsText(r, &v);
          } else {
            v = kNull;
          }
          row.push_back(v);
        }
        out.rows.push_back(row);
        out.lines.push_back(b.origins.at(r).line + base);
      }
    }
    base += parsed.lines;
  }
  return out;
}

XlsxOptions Options() {
  XlsxOptions o;
  o.table = "t";
  return o;
}

Loaded Load(const std::string& path, XlsxOptions o = Options()) {
  const int64_t size =
      std::filesystem::exists(path) ? int64_t(std::filesystem::file_size(path)) : -1;
  auto source = MakeXlsxSource({{path, size}}, o);
  return LoadAll(*source);
}

// The message of the sluice::Error that loading `path` throws ("" if none).
std::string LoadError(const std::string& path, XlsxOptions o = Options(),
                      ErrorKind want = ErrorKind::kInput) {
  try {
    Load(path, o);
  } catch (const Error& e) {
    EXPECT_EQ(int(e.kind()), int(want)) << e.what();
    return e.what();
  }
  return "";
}

std::string InlineCell(const std::string& ref, const std::string& text) {
  return "<c r=\"" + ref + "\" t=\"inlineStr\"><is><t>" + text + "</t></is></c>";
}

TEST(XlsxSource, SharedStringsNumbersAndBooleansLoadTyped) {
  const std::string path = TempPath("typed.xlsx");
  lxw_workbook* wb = workbook_new(path.c_str());
  lxw_worksheet* ws = workbook_add_worksheet(wb, "Fruit");
  worksheet_write_string(ws, 0, 0, "Name", nullptr);
  worksheet_write_string(ws, 0, 1, "Qty", nullptr);
  worksheet_write_string(ws, 0, 2, "Unit Price", nullptr);
  worksheet_write_string(ws, 0, 3, "Active", nullptr);
  worksheet_write_string(ws, 1, 0, "apple", nullptr);
  worksheet_write_number(ws, 1, 1, 3, nullptr);
  worksheet_write_number(ws, 1, 2, 1.25, nullptr);
  worksheet_write_boolean(ws, 1, 3, 1, nullptr);
  worksheet_write_string(ws, 2, 0, "pear \xC3\xA9", nullptr);
  worksheet_write_number(ws, 2, 1, -10, nullptr);
  worksheet_write_number(ws, 2, 2, 0.1, nullptr);
  worksheet_write_boolean(ws, 2, 3, 0, nullptr);
  worksheet_write_number(ws, 3, 1, 1e20, nullptr);  // no int64 holds it: a double
  ASSERT_EQ(workbook_close(wb), LXW_NO_ERROR);

  XlsxOptions o = Options();
  const Loaded l = Load(path, o);
  ASSERT_EQ(l.names.size(), 1u);
  EXPECT_EQ(l.names[0], (std::vector<std::string>{"name", "qty", "unit_price", "active"}));
  EXPECT_EQ(l.types[0],
            (std::vector<DataType>{DataType::Of(TypeId::kText), DataType::Of(TypeId::kDouble),
                                   DataType::Of(TypeId::kDouble), DataType::Of(TypeId::kBoolean)}));
  EXPECT_EQ(l.rows, (Rows{{"apple", "3", "1.25", "true"},
                          {"pear \xC3\xA9", "-10", "0.1", "false"},
                          {kNull, "1e+20", kNull, kNull}}));
  EXPECT_EQ(l.lines, (std::vector<uint64_t>{2, 3, 4}));
}

TEST(XlsxSource, IntegersStayInt64AndFractionsAreDoubles) {
  RawWorkbook wb;
  wb.sheets.push_back({"S", "<row r=\"1\">" + InlineCell("A1", "i") + InlineCell("B1", "f") +
                                "</row><row r=\"2\"><c r=\"A2\"><v>42</v></c><c r=\"B2\"><v>"
                                "1.5E-3</v></c></row><row r=\"3\"><c r=\"A3\"><v>1E+3</v></c>"
                                "<c r=\"B3\" t=\"n\"><v>-7.25</v></c></row>"});
  const std::string path = TempPath("numbers.xlsx");
  xlsx_fixture::WriteRawWorkbook(path, wb);
  const Loaded l = Load(path);
  EXPECT_EQ(l.types[0],
            (std::vector<DataType>{DataType::Of(TypeId::kInt64), DataType::Of(TypeId::kDouble)}));
  EXPECT_EQ(l.rows, (Rows{{"42", "0.0015"}, {"1000", "-7.25"}}));
}

TEST(XlsxSource, DatesTimesAndDateTimesFollowTheNumberFormats) {
  const std::string path = TempPath("dates.xlsx");
  lxw_workbook* wb = workbook_new(path.c_str());
  lxw_worksheet* ws = workbook_add_worksheet(wb, nullptr);
  auto custom = [&](const char* code) {
    lxw_format* f = workbook_add_format(wb);
    format_set_num_format(f, code);
    return f;
  };
  auto builtin = [&](uint8_t id) {
    lxw_format* f = workbook_add_format(wb);
    format_set_num_format_index(f, id);
    return f;
  };
  const char* header[] = {"iso", "dmy",     "b14",  "time", "datetime",
                          "b22", "elapsed", "days", "mmss", "date_with_time"};
  for (int c = 0; c < 10; c++) worksheet_write_string(ws, 0, lxw_col_t(c), header[c], nullptr);
  lxw_datetime day = {2024, 3, 1, 0, 0, 0};
  lxw_datetime time = {0, 0, 0, 13, 45, 30.25};
  lxw_datetime moment = {2024, 3, 1, 13, 45, 0};
  worksheet_write_datetime(ws, 1, 0, &day, custom("yyyy-mm-dd"));
  worksheet_write_datetime(ws, 1, 1, &day, custom("[$-409]dd/mm/yyyy;@"));
  worksheet_write_number(ws, 1, 2, 45352, builtin(14));
  worksheet_write_datetime(ws, 1, 3, &time, custom("hh:mm:ss.000"));
  worksheet_write_datetime(ws, 1, 4, &moment, custom("yyyy-mm-dd hh:mm"));
  worksheet_write_number(ws, 1, 5, 45352.5, builtin(22));
  worksheet_write_number(ws, 1, 6, 1.5, custom("[h]:mm:ss"));
  worksheet_write_number(ws, 1, 7, 2.5, custom("0.0\" days\""));
  worksheet_write_number(ws, 1, 8, 0.0125, custom("mm:ss"));
  worksheet_write_number(ws, 1, 9, 45352.75, custom("d mmm yyyy"));
  ASSERT_EQ(workbook_close(wb), LXW_NO_ERROR);

  const Loaded l = Load(path);
  const DataType date = DataType::Of(TypeId::kDate), ts = DataType::Of(TypeId::kTimestamp),
                 text = DataType::Of(TypeId::kText);
  EXPECT_EQ(l.types[0], (std::vector<DataType>{date, date, date, text, ts, ts, text,
                                               DataType::Of(TypeId::kDouble), text, ts}));
  EXPECT_EQ(l.rows,
            (Rows{{"2024-03-01", "2024-03-01", "2024-03-01", "13:45:30.250", "2024-03-01 13:45:00",
                   "2024-03-01 12:00:00", "36:00:00", "2.5", "00:18:00", "2024-03-01 18:00:00"}}));
}

TEST(XlsxSource, The1900SystemSkipsLotusPhantomLeapDayAndRejectsIt) {
  RawWorkbook wb;
  wb.formats = {{0, ""}, {14, ""}};
  wb.sheets.push_back({"Dates", "<row r=\"1\">" + InlineCell("A1", "d") +
                                    "</row>"
                                    "<row r=\"2\"><c r=\"A2\" s=\"1\"><v>1</v></c></row>"
                                    "<row r=\"3\"><c r=\"A3\" s=\"1\"><v>59</v></c></row>"
                                    "<row r=\"4\"><c r=\"A4\" s=\"1\"><v>60</v></c></row>"
                                    "<row r=\"5\"><c r=\"A5\" s=\"1\"><v>61</v></c></row>"
                                    "<row r=\"6\"><c r=\"A6\" s=\"1\"><v>45352</v></c></row>"});
  const std::string path = TempPath("d1900.xlsx");
  xlsx_fixture::WriteRawWorkbook(path, wb);
  const Loaded l = Load(path);
  EXPECT_EQ(l.rows, (Rows{{"1900-01-01"}, {"1900-02-28"}, {"1900-03-01"}, {"2024-03-01"}}));
  ASSERT_EQ(l.rejects.size(), 1u);
  EXPECT_EQ(l.rejects[0].line, 4u);
  EXPECT_EQ(l.rejects[0].column, "d");
  EXPECT_NE(l.rejects[0].reason.find("sheet 'Dates' cell A4"), std::string::npos);
  EXPECT_NE(l.rejects[0].reason.find("1900-02-29"), std::string::npos);
}

TEST(XlsxSource, The1904SystemCountsFrom1904) {
  RawWorkbook wb;
  wb.date1904 = true;
  wb.formats = {{0, ""}, {14, ""}, {22, ""}};
  wb.sheets.push_back({"S", "<row r=\"1\">" + InlineCell("A1", "d") +
                                "</row><row r=\"2\"><c r=\"A2\" s=\"1\"><v>0</v></c></row>"
                                "<row r=\"3\"><c r=\"A3\" s=\"1\"><v>43890</v></c></row>"
                                "<row r=\"4\"><c r=\"A4\" s=\"2\"><v>43890.25</v></c></row>"});
  const std::string path = TempPath("d1904.xlsx");
  xlsx_fixture::WriteRawWorkbook(path, wb);
  const Loaded l = Load(path);
  EXPECT_EQ(l.rows,
            (Rows{{"1904-01-01 00:00:00"}, {"2024-03-01 00:00:00"}, {"2024-03-01 06:00:00"}}));
}

TEST(XlsxSource, InlineAndRichTextStringsAndMissingReferences) {
  RawWorkbook wb;
  wb.shared_strings = {"<t>plain</t>",
                       "<r><t>bo</t></r><r><rPr><b/></rPr><t>ld</t></r><rPh><t>PHON</t></rPh>",
                       "<t xml:space=\"preserve\">tab_x0009_here &amp; there</t>"};
  // Cells of row 1 and row 2 itself have no r attribute: positions follow the previous ones.
  wb.sheets.push_back(
      {"S",
       "<row r=\"1\"><c t=\"inlineStr\"><is><t>First</t></is></c><c t=\"inlineStr\"><is><t>"
       "Second</t></is></c><c t=\"inlineStr\"><is><t>Third</t></is></c></row>"
       "<row><c t=\"s\"><v>0</v></c><c t=\"s\"><v>1</v></c><c t=\"s\"><v>2</v></c></row>"
       "<row r=\"4\"><c><v>7</v></c><c r=\"C4\" t=\"inlineStr\"><is><r><t>x</t></r><r><rPr/>"
       "<t>y</t></r></is></c></row>"
       "<row r=\"5\"><c r=\"B5\" t=\"str\"><f>A1&amp;\"!\"</f><v>First!</v></c></row>"});
  const std::string path = TempPath("inline.xlsx");
  xlsx_fixture::WriteRawWorkbook(path, wb);
  const Loaded l = Load(path);
  EXPECT_EQ(l.names[0], (std::vector<std::string>{"first", "second", "third"}));
  EXPECT_EQ(
      l.rows,
      (Rows{{"plain", "bold", "tab\there & there"}, {"7", kNull, "xy"}, {kNull, "First!", kNull}}));
  EXPECT_EQ(l.lines, (std::vector<uint64_t>{2, 4, 5}));
}

TEST(XlsxSource, IsoDateCellsEscapedUnderscoresAndTimeFormatsPastOneDay) {
  RawWorkbook wb;
  wb.formats = {{0, ""}, {21, ""}};  // 21: h:mm:ss
  wb.sheets.push_back({"S", "<row r=\"1\">" + InlineCell("A1", "iso") + InlineCell("B1", "text") +
                                InlineCell("C1", "clock") +
                                "</row><row r=\"2\"><c r=\"A2\" t=\"d\"><v>2024-03-01</v></c>" +
                                InlineCell("B2", "a_x005F_x0041_b_x0041_") +
                                "<c r=\"C2\" s=\"1\"><v>0.75</v></c></row>"
                                "<row r=\"3\"><c r=\"A3\" t=\"d\"><v>2024-03-01T08:00:00</v></c>" +
                                InlineCell("B3", "_x00e9_") +
                                "<c r=\"C3\" s=\"1\"><v>45352.25</v></c></row>"
                                "<row r=\"4\"><c r=\"A4\" t=\"d\"><v>soon</v></c></row>"});
  const std::string path = TempPath("iso.xlsx");
  xlsx_fixture::WriteRawWorkbook(path, wb);
  const Loaded l = Load(path);
  // _x005F_ escapes the underscore itself, so "_x0041_" after it stays literal.
  EXPECT_EQ(l.rows, (Rows{{"2024-03-01 00:00:00", "a_x0041_bA", "18:00:00"},
                          {"2024-03-01 08:00:00", "\xC3\xA9", "2024-03-01 06:00:00"}}));
  ASSERT_EQ(l.rejects.size(), 1u);
  EXPECT_NE(l.rejects[0].reason.find("not an ISO 8601 date"), std::string::npos);
}

std::string ErrorSheet() {
  RawWorkbook wb;
  wb.sheets.push_back({"Calc", "<row r=\"1\">" + InlineCell("A1", "a") + InlineCell("B1", "b") +
                                   "</row><row r=\"2\"><c r=\"A2\"><v>1</v></c><c r=\"B2\" "
                                   "t=\"e\"><f>1/0</f><v>#DIV/0!</v></c></row>"
                                   "<row r=\"3\"><c r=\"A3\"><v>2</v></c><c r=\"B3\"><v>3</v>"
                                   "</c></row><row r=\"4\"><c r=\"A4\" t=\"e\"><v>#N/A</v></c>"
                                   "</row>"});
  const std::string path = TempPath("errors.xlsx");
  xlsx_fixture::WriteRawWorkbook(path, wb);
  return path;
}

TEST(XlsxSource, ErrorCellsRejectTheirRowWithSheetCellAndReason) {
  const Loaded l = Load(ErrorSheet());
  EXPECT_EQ(l.rows, (Rows{{"2", "3"}}));
  ASSERT_EQ(l.rejects.size(), 2u);
  EXPECT_EQ(l.rejects[0].line, 2u);
  EXPECT_EQ(l.rejects[0].column, "b");
  EXPECT_NE(l.rejects[0].source.find("errors.xlsx"), std::string::npos);
  EXPECT_EQ(l.rejects[0].reason, "sheet 'Calc' cell B2: Excel error #DIV/0!");
  EXPECT_EQ(l.rejects[0].raw, "A2=1\tB2=#DIV/0!");
  EXPECT_EQ(l.rejects[1].line, 4u);
  EXPECT_EQ(l.rejects[1].column, "a");
}

TEST(XlsxSource, ErrorCellsLoadAsNullWhenAsked) {
  XlsxOptions o = Options();
  o.error_cells = XlsxOptions::ErrorCells::kNull;
  const Loaded l = Load(ErrorSheet(), o);
  EXPECT_TRUE(l.rejects.empty());
  EXPECT_EQ(l.rows, (Rows{{"1", kNull}, {"2", "3"}, {kNull, kNull}}));
}

TEST(XlsxSource, EmptyCellsAreNullAndEmptyRowsAreSkipped) {
  const std::string path = TempPath("gaps.xlsx");
  lxw_workbook* wb = workbook_new(path.c_str());
  lxw_worksheet* ws = workbook_add_worksheet(wb, nullptr);
  lxw_format* bold = workbook_add_format(wb);
  format_set_bold(bold);
  worksheet_write_string(ws, 0, 0, "a", nullptr);
  worksheet_write_string(ws, 0, 1, "b", nullptr);
  worksheet_write_string(ws, 0, 2, "c", nullptr);
  worksheet_write_number(ws, 1, 0, 1, nullptr);
  worksheet_write_string(ws, 1, 2, "x", nullptr);
  worksheet_write_blank(ws, 2, 0, bold);  // styled but empty: no value
  worksheet_write_blank(ws, 2, 1, bold);
  worksheet_write_number(ws, 5, 1, 2, nullptr);
  ASSERT_EQ(workbook_close(wb), LXW_NO_ERROR);
  const Loaded l = Load(path);
  EXPECT_EQ(l.names[0], (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(l.rows, (Rows{{"1", kNull, "x"}, {kNull, "2", kNull}}));
  EXPECT_EQ(l.lines, (std::vector<uint64_t>{2, 6}));
}

std::string ThreeSheets() {
  const std::string path = TempPath("sheets.xlsx");
  lxw_workbook* wb = workbook_new(path.c_str());
  const char* names[] = {"First", "Second", "Third", "1"};
  for (int i = 0; i < 4; i++) {
    lxw_worksheet* ws = workbook_add_worksheet(wb, names[i]);
    worksheet_write_string(ws, 0, 0, "v", nullptr);
    worksheet_write_number(ws, 1, 0, i + 1, nullptr);
  }
  EXPECT_EQ(workbook_close(wb), LXW_NO_ERROR);
  return path;
}

TEST(XlsxSource, SheetsAreChosenByNameCaseInsensitiveNameOrOneBasedPosition) {
  const std::string path = ThreeSheets();
  auto value_of = [&](const std::string& sheet) {
    XlsxOptions o = Options();
    o.sheet = sheet;
    return Load(path, o).rows.at(0).at(0);
  };
  EXPECT_EQ(value_of(""), "1");
  EXPECT_EQ(value_of("Second"), "2");
  EXPECT_EQ(value_of("third"), "3");
  EXPECT_EQ(value_of("2"), "2");
  EXPECT_EQ(value_of("3"), "3");
  EXPECT_EQ(value_of("1"), "4");  // a sheet named "1" wins over position 1
  XlsxOptions o = Options();
  o.sheet = "Nope";
  const std::string error = LoadError(path, o, ErrorKind::kUsage);
  EXPECT_NE(error.find("no sheet 'Nope'"), std::string::npos) << error;
  EXPECT_NE(error.find("2 'Second'"), std::string::npos) << error;
  o.sheet = "9";
  EXPECT_NE(LoadError(path, o, ErrorKind::kUsage).find("no sheet '9'"), std::string::npos);
}

std::string TitledSheet() {
  const std::string path = TempPath("titled.xlsx");
  lxw_workbook* wb = workbook_new(path.c_str());
  lxw_worksheet* ws = workbook_add_worksheet(wb, nullptr);
  worksheet_write_string(ws, 0, 0, "Quarterly report", nullptr);
  const char* header[] = {"Name", "name", nullptr, "Total %"};
  for (int c = 0; c < 4; c++) {
    if (header[c]) worksheet_write_string(ws, 2, lxw_col_t(c), header[c], nullptr);
  }
  worksheet_write_string(ws, 3, 0, "a", nullptr);
  worksheet_write_string(ws, 3, 1, "b", nullptr);
  worksheet_write_string(ws, 3, 2, "c", nullptr);
  worksheet_write_number(ws, 3, 3, 5, nullptr);
  EXPECT_EQ(workbook_close(wb), LXW_NO_ERROR);
  return path;
}

TEST(XlsxSource, HeaderRowIsChosenRowsAboveAreSkippedNamesNormalizedLikeCsv) {
  XlsxOptions o = Options();
  o.header_row = 3;
  const Loaded l = Load(TitledSheet(), o);
  std::vector<std::string> want = NormalizeColumnNames({"Name", "name", "", "Total %"});
  want[2] = "col_3";  // no header cell: named by its sheet column
  EXPECT_EQ(l.names[0], want);
  EXPECT_EQ(l.rows, (Rows{{"a", "b", "c", "5"}}));
  EXPECT_EQ(l.lines, (std::vector<uint64_t>{4}));
}

TEST(XlsxSource, HeaderRowZeroNamesColumnsByPositionAndLoadsEveryRow) {
  XlsxOptions o = Options();
  o.header_row = 0;
  const Loaded l = Load(TitledSheet(), o);
  ASSERT_EQ(l.names.size(), 1u);
  EXPECT_EQ(l.names[0], (std::vector<std::string>{"col_1", "col_2", "col_3", "col_4"}));
  EXPECT_EQ(l.rows.size(), 3u);
  EXPECT_EQ(l.rows[0], (std::vector<std::string>{"Quarterly report", kNull, kNull, kNull}));
  EXPECT_EQ(l.lines, (std::vector<uint64_t>{1, 3, 4}));
}

TEST(XlsxSource, CellsOutsideTheHeaderGetPositionalNamesNeverLost) {
  RawWorkbook wb;
  wb.sheets.push_back({"S", "<row r=\"1\">" + InlineCell("A1", "a") + InlineCell("B1", "col_3") +
                                "</row><row r=\"2\"><c r=\"A2\"><v>1</v></c><c r=\"C2\"><v>2</v>"
                                "</c></row>"});
  const std::string path = TempPath("extra.xlsx");
  xlsx_fixture::WriteRawWorkbook(path, wb);
  const Loaded l = Load(path);
  EXPECT_EQ(l.names[0], (std::vector<std::string>{"a", "col_3", "col_3_2"}));
  EXPECT_EQ(l.rows, (Rows{{"1", kNull, "2"}}));
}

TEST(XlsxSource, MixedCellTypesInAColumnWidenToText) {
  RawWorkbook wb;
  wb.formats = {{0, ""}, {14, ""}};
  wb.sheets.push_back({"S", "<row r=\"1\">" + InlineCell("A1", "v") +
                                "</row><row r=\"2\"><c r=\"A2\"><v>1.5</v></c></row>"
                                "<row r=\"3\"><c r=\"A3\" t=\"b\"><v>1</v></c></row>"
                                "<row r=\"4\"><c r=\"A4\" s=\"1\"><v>45352</v></c></row>"
                                "<row r=\"5\">" +
                                InlineCell("A5", "n/a") + "</row>"});
  const std::string path = TempPath("mixed.xlsx");
  xlsx_fixture::WriteRawWorkbook(path, wb);
  const Loaded l = Load(path);
  EXPECT_EQ(l.types[0][0].id, TypeId::kText);
  EXPECT_EQ(l.rows, (Rows{{"1.5"}, {"true"}, {"2024-03-01"}, {"n/a"}}));
}

TEST(XlsxSource, LargeSheetStreamsInBoundedMemoryAcrossManyChunks) {
  const std::string path = TempPath("large.xlsx");
  constexpr uint32_t kRows = 200'000;
  xlsx_fixture::WriteLargeSheet(path, kRows);
  XlsxOptions o = Options();
  o.chunk_bytes = 256 << 10;
  xlsx_fixture::ResetPeakRss();
  const int64_t before = xlsx_fixture::PeakRssKib();
  auto source = MakeXlsxSource({{path, int64_t(std::filesystem::file_size(path))}}, o);
  RawChunk chunk;
  uint64_t rows = 0, chunks = 0, lines = 0;
  int64_t id_sum = 0;
  while (source->ReadChunk(&chunk)) {
    ParsedChunk parsed = source->ParseChunk(std::move(chunk));
    chunk = RawChunk();
    chunks++;
    lines += parsed.lines;
    ASSERT_TRUE(parsed.rejects.empty());
    for (const Batch& b : parsed.batches) {
      ASSERT_EQ(b.names, (std::vector<std::string>{"id", "name", "amount", "price", "flag"}));
      ASSERT_EQ(b.columns[0].type().id, TypeId::kInt64);
      rows += b.num_rows;
      for (size_t r = 0; r < b.num_rows; r++) id_sum += b.columns[0].GetInt64(r);
    }
  }
  const int64_t growth_kib = xlsx_fixture::PeakRssKib() - before;
  EXPECT_EQ(rows, kRows);
  EXPECT_EQ(lines, kRows + 1);
  EXPECT_EQ(id_sum, int64_t(kRows) * (kRows + 1) / 2);
  EXPECT_GT(chunks, 10u);
  // The sheet XML is ~41 MB uncompressed; reading it must not hold it (nor the rows).
#if defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer keeps freed memory in quarantine (256 MB by default): RSS says nothing.
  std::cout << "[ info ] AddressSanitizer build: peak RSS bound not checked\n";
#else
  EXPECT_LT(growth_kib, 16 * 1024) << "peak RSS grew by " << growth_kib << " KiB";
#endif
  std::cout << "[ info ] 200k rows: peak RSS growth " << growth_kib << " KiB over " << chunks
            << " chunks\n";

  // The instrument itself: holding 32 MB shows up in the peak.
  xlsx_fixture::ResetPeakRss();
  const int64_t base = xlsx_fixture::PeakRssKib();
  {
    std::string held(32 << 20, 'x');
    for (size_t i = 0; i < held.size(); i += 4096) held[i] = char(i);
    EXPECT_GT(xlsx_fixture::PeakRssKib() - base, 30 * 1024);
  }
}

TEST(XlsxSource, NotAZipIsAnInputErrorNamingTheFile) {
  const std::string path = TempPath("text.xlsx");
  std::ofstream(path) << "just some text, not a zip archive";
  const std::string error = LoadError(path);
  EXPECT_NE(error.find(path), std::string::npos) << error;
  EXPECT_NE(error.find("not an .xlsx file"), std::string::npos) << error;
}

TEST(XlsxSource, MissingFileIsAnInputError) {
  EXPECT_NE(LoadError("/nonexistent/dir/none.xlsx").find("no such file"), std::string::npos);
}

TEST(XlsxSource, ZipWithoutWorkbookIsAnInputErrorNamingThePart) {
  const std::string path = TempPath("noworkbook.xlsx");
  xlsx_fixture::WriteZip(path, {{"hello.txt", "hi"}});
  const std::string error = LoadError(path);
  EXPECT_NE(error.find("xl/workbook.xml"), std::string::npos) << error;
}

TEST(XlsxSource, MalformedSheetXmlNamesFilePartAndLine) {
  RawWorkbook wb;
  wb.sheets.push_back({"S", "<row r=\"1\"><c r=\"A1\"><v>1</v></row>"});
  const std::string path = TempPath("badxml.xlsx");
  xlsx_fixture::WriteRawWorkbook(path, wb);
  const std::string error = LoadError(path);
  EXPECT_NE(error.find(path + ": xl/worksheets/sheet1.xml: malformed XML at line"),
            std::string::npos)
      << error;
}

TEST(XlsxSource, MalformedCellReferenceAndMissingSheetPartAreInputErrors) {
  RawWorkbook wb;
  wb.sheets.push_back({"S", "<row r=\"1\"><c r=\"1A\"><v>1</v></c></row>"});
  const std::string path = TempPath("badref.xlsx");
  xlsx_fixture::WriteRawWorkbook(path, wb);
  EXPECT_NE(LoadError(path).find("cell reference '1A' is invalid"), std::string::npos);

  auto parts = xlsx_fixture::WorkbookParts(wb);
  std::erase_if(parts, [](const auto& p) { return p.first == "xl/worksheets/sheet1.xml"; });
  const std::string missing = TempPath("nosheet.xlsx");
  xlsx_fixture::WriteZip(missing, parts);
  EXPECT_NE(LoadError(missing).find("xl/worksheets/sheet1.xml: part missing"), std::string::npos);
}

TEST(XlsxSource, MalformedSharedStringsFailTheLoadNamingThePart) {
  RawWorkbook wb;
  wb.shared_strings = {"<t>a</x>"};
  wb.sheets.push_back({"S", "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c></row>"});
  const std::string path = TempPath("badsst.xlsx");
  xlsx_fixture::WriteRawWorkbook(path, wb);
  const std::string error = LoadError(path);
  EXPECT_NE(error.find(path + ": xl/sharedStrings.xml: malformed XML"), std::string::npos) << error;
}

TEST(XlsxSource, TruncatedAndCorruptedArchivesFailCleanly) {
  const std::string good = TempPath("good.xlsx");
  xlsx_fixture::WriteLargeSheet(good, 2000);
  std::string bytes;
  {
    std::ifstream in(good, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  const std::string truncated = TempPath("truncated.xlsx");
  std::ofstream(truncated, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  EXPECT_NE(LoadError(truncated).find("not an .xlsx file"), std::string::npos);

  // Damage the compressed sheet data in the middle of the file: inflate or the CRC check
  // fails, and the error names the part.
  std::string damaged = bytes;
  for (size_t i = damaged.size() / 3; i < damaged.size() / 3 + 64; i++) damaged[i] ^= 0x5A;
  const std::string corrupt = TempPath("corrupt.xlsx");
  std::ofstream(corrupt, std::ios::binary) << damaged;
  const std::string error = LoadError(corrupt);
  EXPECT_NE(error.find(corrupt), std::string::npos) << error;
}

TEST(XlsxSource, EmptySheetYieldsNoRowsAndNoError) {
  RawWorkbook wb;
  wb.sheets.push_back({"Empty", ""});
  const std::string path = TempPath("empty.xlsx");
  xlsx_fixture::WriteRawWorkbook(path, wb);
  const Loaded l = Load(path);
  EXPECT_TRUE(l.rows.empty());
  EXPECT_TRUE(l.rejects.empty());
}

TEST(XlsxSource, SeveralFilesEachNumberTheirOwnRows) {
  const std::string a = ThreeSheets(), b = ThreeSheets();
  auto source = MakeXlsxSource({{a, -1}, {b, -1}}, Options());
  const Loaded l = LoadAll(*source);
  EXPECT_EQ(l.rows, (Rows{{"1"}, {"1"}}));
  EXPECT_EQ(l.lines, (std::vector<uint64_t>{2, 2}));
}

TEST(XlsxSource, TheRegistryPicksXlsxByExtensionOrFormatFlag) {
  EXPECT_EQ(FormatFromPath("data/Book 1.XLSX"), InputFormat::kXlsx);
  EXPECT_EQ(ParseInputFormat("xlsx"), InputFormat::kXlsx);
  const std::string book = ThreeSheets();
  const std::string renamed = TempPath("export.dat");
  std::filesystem::copy_file(book, renamed);
  SourceOptions options;
  options.format = InputFormat::kXlsx;
  options.xlsx.sheet = "Second";
  auto source = OpenSource(renamed, options);
  EXPECT_EQ(source->table(), "export");
  EXPECT_EQ(LoadAll(*source).rows, (Rows{{"2"}}));
  EXPECT_EQ(OpenSource(book, SourceOptions{})->table(), "sheets");
}

TEST(XlsxSource, RemoteObjectsAreSpooledAndReadLikeLocalFiles) {
  const std::string local = ThreeSheets();
  std::string bytes;
  {
    std::ifstream in(local, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  testing::ObjectHttpServer server;
  server.Put("/books/sheets.xlsx", bytes);
  XlsxOptions o = Options();
  o.sheet = "Third";
  auto source = MakeXlsxSource({{server.endpoint() + "/books/sheets.xlsx?sig=secret", -1}}, o);
  const Loaded l = LoadAll(*source);
  EXPECT_EQ(l.rows, (Rows{{"3"}}));

  server.Put("/books/broken.xlsx", bytes.substr(0, bytes.size() / 2));
  try {
    MakeXlsxSource({{server.endpoint() + "/books/broken.xlsx?sig=secret", -1}}, Options());
    ADD_FAILURE() << "a truncated remote workbook loaded";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("/books/broken.xlsx: not an .xlsx file"), std::string::npos) << message;
    EXPECT_EQ(message.find("secret"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace sluice
