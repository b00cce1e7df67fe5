// Writes the xlsx benchmark workbook with libxlsxwriter: N rows x 10 columns of mixed types
// (integers, decimals as doubles, shared strings, a date, a date-time, a boolean).
//
//   sluice_xlsx_gen OUT.xlsx [ROWS=1000000] [--inline]
//
// Strings go to the shared string table as Excel writes them; --inline writes inline strings
// in libxlsxwriter's constant-memory mode instead (little memory while generating).
#include <xlsxwriter.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s OUT.xlsx [ROWS] [--inline]\n", argv[0]);
    return 2;
  }
  const long rows = argc > 2 && argv[2][0] != '-' ? std::atol(argv[2]) : 1000000;
  bool inline_strings = false;
  for (int i = 2; i < argc; i++) inline_strings |= std::strcmp(argv[i], "--inline") == 0;
  lxw_workbook_options options = {};
  options.constant_memory = inline_strings ? LXW_TRUE : LXW_FALSE;
  options.use_zip64 = LXW_TRUE;
  lxw_workbook* wb = workbook_new_opt(argv[1], &options);
  lxw_worksheet* ws = workbook_add_worksheet(wb, "Orders");
  lxw_format* date = workbook_add_format(wb);
  format_set_num_format(date, "yyyy-mm-dd");
  lxw_format* stamp = workbook_add_format(wb);
  format_set_num_format(stamp, "yyyy-mm-dd hh:mm:ss");
  const char* header[] = {"id",   "qty", "price", "score", "name",
                          "city", "day", "ts",    "flag",  "note"};
  for (int c = 0; c < 10; c++) worksheet_write_string(ws, 0, lxw_col_t(c), header[c], nullptr);
  static const char* kCities[] = {"Berlin", "Lisbon", "Osaka", "Quito", "Nairobi"};
  unsigned long long state = 42;
  auto next = [&] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return state >> 33;
  };
  char name[32], note[48];
  for (long r = 1; r <= rows; r++) {
    const lxw_row_t row = lxw_row_t(r);
    worksheet_write_number(ws, row, 0, double(r), nullptr);
    worksheet_write_number(ws, row, 1, double(next() % 1000), nullptr);
    worksheet_write_number(ws, row, 2, double(next() % 100000) / 100.0, nullptr);
    worksheet_write_number(ws, row, 3, double(next() % 1000000) / 7.0, nullptr);
    std::snprintf(name, sizeof name, "customer %llu", next() % 5000);
    worksheet_write_string(ws, row, 4, name, nullptr);
    worksheet_write_string(ws, row, 5, kCities[next() % 5], nullptr);
    worksheet_write_number(ws, row, 6, double(40000 + next() % 7000), date);
    worksheet_write_number(ws, row, 7, 40000 + double(next() % 700000000) / 100000.0, stamp);
    worksheet_write_boolean(ws, row, 8, int(next() % 2), nullptr);
    std::snprintf(note, sizeof note, "order %ld note %llu", r, next() % 100);
    worksheet_write_string(ws, row, 9, note, nullptr);
  }
  const lxw_error err = workbook_close(wb);
  if (err != LXW_NO_ERROR) {
    std::fprintf(stderr, "libxlsxwriter: %s\n", lxw_strerror(err));
    return 1;
  }
  return 0;
}
