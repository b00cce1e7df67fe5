#include "formats/xlsx/xlsx_fixture_test_util.h"

#include <unistd.h>
#include <xlsxwriter.h>
#include <zip.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace sluice::xlsx_fixture {

namespace {
// One directory per test process, removed when it exits.
struct TempRoot {
  std::filesystem::path dir;
  TempRoot()
      : dir(std::filesystem::temp_directory_path() /
            ("sluice_xlsx_test_" + std::to_string(::getpid()))) {
    std::filesystem::create_directories(dir);
  }
  ~TempRoot() {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
};
}  // namespace

std::string TempPath(const std::string& name) {
  static TempRoot root;
  static std::atomic<int> counter{0};
  const auto dir = root.dir / std::to_string(counter++);
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

void WriteZip(const std::string& path,
              const std::vector<std::pair<std::string, std::string>>& parts) {
  int code = 0;
  zip_t* zip = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &code);
  if (!zip) throw std::runtime_error("zip_open failed for " + path);
  for (const auto& [name, content] : parts) {
    // libzip reads the buffer at zip_close; keep a copy alive until then.
    char* copy = static_cast<char*>(std::malloc(content.size() + 1));
    std::memcpy(copy, content.data(), content.size());
    zip_source_t* src = zip_source_buffer(zip, copy, content.size(), 1);
    if (!src || zip_file_add(zip, name.c_str(), src, ZIP_FL_OVERWRITE) < 0) {
      throw std::runtime_error("zip_file_add failed for " + name);
    }
  }
  if (zip_close(zip) != 0) throw std::runtime_error("zip_close failed for " + path);
}

void ReplaceInPart(const std::string& path, const std::string& part, const std::string& from,
                   const std::string& to) {
  int code = 0;
  zip_t* zip = zip_open(path.c_str(), 0, &code);
  if (!zip) throw std::runtime_error("zip_open failed for " + path);
  zip_stat_t st;
  zip_file_t* file =
      zip_stat(zip, part.c_str(), 0, &st) == 0 ? zip_fopen(zip, part.c_str(), 0) : nullptr;
  if (!file) throw std::runtime_error("no part " + part + " in " + path);
  std::string content(st.size, '\0');
  zip_fread(file, content.data(), st.size);
  zip_fclose(file);
  size_t at = content.find(from);
  if (at == std::string::npos) throw std::runtime_error("'" + from + "' not in " + part);
  for (; at != std::string::npos; at = content.find(from, at + to.size())) {
    content.replace(at, from.size(), to);
  }
  char* copy = static_cast<char*>(std::malloc(content.size()));
  std::memcpy(copy, content.data(), content.size());
  zip_source_t* src = zip_source_buffer(zip, copy, content.size(), 1);
  if (!src || zip_file_add(zip, part.c_str(), src, ZIP_FL_OVERWRITE) < 0 || zip_close(zip) != 0) {
    throw std::runtime_error("rewriting " + part + " in " + path + " failed");
  }
}

std::vector<std::pair<std::string, std::string>> WorkbookParts(const RawWorkbook& wb) {
  std::vector<std::pair<std::string, std::string>> parts;
  std::string types =
      "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
      "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
      "<Default Extension=\"rels\" "
      "ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
      "<Default Extension=\"xml\" ContentType=\"application/xml\"/></Types>";
  parts.emplace_back("[Content_Types].xml", types);
  parts.emplace_back(
      "_rels/.rels",
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
      "<Relationship Id=\"rId1\" "
      "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" "
      "Target=\"xl/workbook.xml\"/></Relationships>");
  const std::string rel_ns = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/";
  std::string rels =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">";
  std::string workbook =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
      "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">";
  workbook += wb.date1904 ? "<workbookPr date1904=\"1\"/>" : "<workbookPr/>";
  workbook += "<sheets>";
  for (size_t i = 0; i < wb.sheets.size(); i++) {
    const std::string n = std::to_string(i + 1);
    workbook +=
        "<sheet name=\"" + wb.sheets[i].name + "\" sheetId=\"" + n + "\" r:id=\"rId" + n + "\"/>";
    rels += "<Relationship Id=\"rId" + n + "\" Type=\"" + rel_ns +
            "worksheet\" Target=\"worksheets/sheet" + n + ".xml\"/>";
    parts.emplace_back("xl/worksheets/sheet" + n + ".xml",
                       "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                       "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/"
                       "main\"><sheetData>" +
                           wb.sheets[i].sheet_data + "</sheetData></worksheet>");
  }
  workbook += "</sheets></workbook>";
  rels += "<Relationship Id=\"rIdS\" Type=\"" + rel_ns + "styles\" Target=\"styles.xml\"/>";
  if (!wb.shared_strings.empty()) {
    rels += "<Relationship Id=\"rIdT\" Type=\"" + rel_ns +
            "sharedStrings\" Target=\"sharedStrings.xml\"/>";
    std::string sst =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">";
    for (const auto& si : wb.shared_strings) sst += "<si>" + si + "</si>";
    sst += "</sst>";
    parts.emplace_back("xl/sharedStrings.xml", sst);
  }
  rels += "</Relationships>";
  std::string num_fmts, xfs;
  std::vector<RawWorkbook::Format> formats = wb.formats;
  if (formats.empty()) formats.push_back({});
  uint32_t next_custom = 164;
  for (const auto& f : formats) {
    uint32_t id = f.builtin_id;
    if (!f.code.empty()) {
      id = next_custom++;
      std::string escaped;
      for (char c : f.code) escaped += c == '"' ? "&quot;" : c == '&' ? "&amp;" : std::string(1, c);
      num_fmts +=
          "<numFmt numFmtId=\"" + std::to_string(id) + "\" formatCode=\"" + escaped + "\"/>";
    }
    xfs += "<xf numFmtId=\"" + std::to_string(id) + "\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/>";
  }
  parts.emplace_back(
      "xl/styles.xml",
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
      "<numFmts>" +
          num_fmts +
          "</numFmts>"
          "<cellStyleXfs count=\"1\"><xf numFmtId=\"0\"/></cellStyleXfs>"
          "<cellXfs>" +
          xfs + "</cellXfs></styleSheet>");
  parts.emplace_back("xl/workbook.xml", workbook);
  parts.emplace_back("xl/_rels/workbook.xml.rels", rels);
  return parts;
}

void WriteRawWorkbook(const std::string& path, const RawWorkbook& workbook) {
  WriteZip(path, WorkbookParts(workbook));
}

void WriteLargeSheet(const std::string& path, uint32_t rows) {
  lxw_workbook_options options = {};
  options.constant_memory = LXW_TRUE;
  lxw_workbook* wb = workbook_new_opt(path.c_str(), &options);
  lxw_worksheet* ws = workbook_add_worksheet(wb, "Data");
  const char* header[] = {"id", "name", "amount", "price", "flag"};
  for (int c = 0; c < 5; c++) worksheet_write_string(ws, 0, lxw_col_t(c), header[c], nullptr);
  char name[32];
  for (uint32_t r = 1; r <= rows; r++) {
    std::snprintf(name, sizeof name, "customer %u", r % 997);
    worksheet_write_number(ws, r, 0, double(r), nullptr);
    worksheet_write_string(ws, r, 1, name, nullptr);
    worksheet_write_number(ws, r, 2, double(r % 1000), nullptr);
    worksheet_write_number(ws, r, 3, double(r) / 8.0, nullptr);
    worksheet_write_boolean(ws, r, 4, int(r % 2), nullptr);
  }
  if (workbook_close(wb) != LXW_NO_ERROR) throw std::runtime_error("libxlsxwriter failed");
}

int64_t PeakRssKib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6));
  }
  return -1;
}

void ResetPeakRss() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
}

}  // namespace sluice::xlsx_fixture
