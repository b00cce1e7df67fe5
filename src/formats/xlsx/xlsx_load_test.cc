// End to end: `sluice load book.xlsx` into DuckDB through the real binary.
#include <gtest/gtest.h>
#include <xlsxwriter.h>

#include "cli/cli_test_util.h"
#include "formats/xlsx/xlsx_fixture_test_util.h"
#include "storage/http/fault_proxy_test_util.h"

namespace sluice {
namespace {

using testing_util::ColumnTypes;
using testing_util::QueryRows;
using testing_util::RunSluice;
using testing_util::TempDir;
using Rows = std::vector<std::string>;

// Sheet 1 "Notes" (not data), sheet 2 "Orders": a title, the header on row 3, four orders, one
// of them with an #N/A cell.
std::string WriteOrders(const TempDir& dir) {
  const std::string path = dir.File("book.xlsx");
  lxw_workbook* wb = workbook_new(path.c_str());
  lxw_worksheet* notes = workbook_add_worksheet(wb, "Notes");
  worksheet_write_string(notes, 0, 0, "see the Orders sheet", nullptr);
  lxw_worksheet* ws = workbook_add_worksheet(wb, "Orders");
  lxw_format* date = workbook_add_format(wb);
  format_set_num_format(date, "yyyy-mm-dd");
  lxw_format* stamp = workbook_add_format(wb);
  format_set_num_format(stamp, "yyyy-mm-dd hh:mm");
  worksheet_write_string(ws, 0, 0, "Orders export", nullptr);
  const char* header[] = {"Order ID", "Customer", "Amount", "Ordered On", "Shipped At", "Paid"};
  for (int c = 0; c < 6; c++) worksheet_write_string(ws, 2, lxw_col_t(c), header[c], nullptr);
  for (int r = 0; r < 4; r++) {
    const lxw_row_t row = lxw_row_t(3 + r);
    worksheet_write_number(ws, row, 0, 100 + r, nullptr);
    worksheet_write_string(ws, row, 1, r % 2 ? "Bo" : "Ann", nullptr);
    worksheet_write_number(ws, row, 2, 10.5 * (r + 1), nullptr);
    lxw_datetime day = {2024, 1, 10 + r, 0, 0, 0};
    worksheet_write_datetime(ws, row, 3, &day, date);
    lxw_datetime at = {2024, 1, 11 + r, 9, 30, 0};
    worksheet_write_datetime(ws, row, 4, &at, stamp);
    worksheet_write_boolean(ws, row, 5, r % 2, nullptr);
  }
  // Row 6 (Excel numbering) gets a formula whose cached result is an error.
  worksheet_write_formula_str(ws, 5, 2, "=NA()", nullptr, "#N/A");
  EXPECT_EQ(workbook_close(wb), LXW_NO_ERROR);
  // libxlsxwriter writes a formula's cached text as t="str"; Excel marks an error result t="e".
  xlsx_fixture::ReplaceInPart(path, "xl/worksheets/sheet2.xml", "t=\"str\"", "t=\"e\"");
  return path;
}

TEST(XlsxLoad, LoadsTheChosenSheetUnderItsHeaderRowIntoTypedDuckDbColumns) {
  TempDir dir;
  const std::string db = dir.File("o.duckdb");
  const std::string book = WriteOrders(dir);
  auto r = RunSluice("load " + book + " duckdb:///" + db +
                     " --sheet Orders --header-row 3 --table orders -q");
  EXPECT_EQ(r.exit_code, 3) << r.err;  // loaded, one row rejected
  EXPECT_EQ(ColumnTypes(db, "orders"),
            (Rows{"order_id BIGINT", "customer VARCHAR", "amount DOUBLE", "ordered_on DATE",
                  "shipped_at TIMESTAMP", "paid BOOLEAN", "_sluice_load_id VARCHAR"}));
  EXPECT_EQ(QueryRows(db,
                      "SELECT order_id, customer, amount, ordered_on, shipped_at, paid FROM "
                      "orders ORDER BY order_id"),
            (Rows{"100|Ann|10.5|2024-01-10|2024-01-11 09:30:00|false",
                  "101|Bo|21.0|2024-01-11|2024-01-12 09:30:00|true",
                  "103|Bo|42.0|2024-01-13|2024-01-14 09:30:00|true"}));
  const Rows rejects = QueryRows(db, "SELECT line, column_name, reason FROM _sluice_rejects");
  ASSERT_EQ(rejects.size(), 1u);
  EXPECT_EQ(rejects[0], "6|amount|sheet 'Orders' cell C6: Excel error #N/A");
}

TEST(XlsxLoad, ConfigFileKeysChooseSheetHeaderRowAndErrorCellPolicy) {
  TempDir dir;
  const std::string db = dir.File("o.duckdb");
  const std::string book = WriteOrders(dir);
  const std::string config = dir.Write("pipeline.yaml", "destination: duckdb:///" + db +
                                                            "\n"
                                                            "table: orders\n"
                                                            "sheet: 2\n"
                                                            "header_row: 3\n"
                                                            "error_cells: 'null'\n");
  auto r = RunSluice("load " + book + " --config " + config + " -q");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(QueryRows(db, "SELECT order_id, amount IS NULL FROM orders ORDER BY order_id"),
            (Rows{"100|false", "101|false", "102|true", "103|false"}));
}

TEST(XlsxLoad, AWorkbookServedOverHttpLoadsLikeALocalOne) {
  TempDir dir;
  const std::string db = dir.File("o.duckdb");
  std::string bytes;
  {
    std::ifstream in(WriteOrders(dir), std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  sluice::testing::ObjectHttpServer server;
  server.Put("/exports/book.xlsx", bytes);
  auto r = RunSluice("load '" + server.endpoint() + "/exports/book.xlsx' duckdb:///" + db +
                     " --sheet Orders --header-row 3 --error-cells null -q");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(QueryRows(db, "SELECT count(*), sum(order_id) FROM book"), Rows{"4|406"});
}

TEST(XlsxLoad, UnknownSheetIsAUsageErrorListingTheSheets) {
  TempDir dir;
  const std::string book = WriteOrders(dir);
  auto r = RunSluice("load " + book + " duckdb:///" + dir.File("o.duckdb") + " --sheet Nope -q");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("1 'Notes', 2 'Orders'"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace sluice
