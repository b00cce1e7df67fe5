// libFuzzer target for the Excel reader: arbitrary sheet XML, shared strings and number formats
// inside a well-formed archive (fuzzing the zip bytes themselves would mostly exercise libzip's
// own checks). Whatever the content, the reader must load it or fail with sluice::Error.
#include <unistd.h>
#include <zip.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/error.h"
#include "formats/xlsx/xlsx_source.h"

namespace {

const char* kMainNs = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const char* kRelNs = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/";

bool WriteZip(const std::string& path, const std::vector<std::pair<std::string, std::string>>& parts) {
  int error = 0;
  zip_t* zip = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  if (!zip) return false;
  for (const auto& [name, content] : parts) {
    zip_source_t* src = zip_source_buffer(zip, content.data(), content.size(), 0);
    if (!src || zip_file_add(zip, name.c_str(), src, ZIP_FL_OVERWRITE) < 0) {
      if (src) zip_source_free(src);
      zip_discard(zip);
      return false;
    }
  }
  return zip_close(zip) == 0;
}

// Splits the input at 0xFF bytes into up to three fields.
std::vector<std::string> Fields(const uint8_t* data, size_t size) {
  std::vector<std::string> out(1);
  for (size_t i = 0; i < size; i++) {
    if (data[i] == 0xFF && out.size() < 3) {
      out.emplace_back();
    } else {
      out.back() += static_cast<char>(data[i]);
    }
  }
  out.resize(3);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t flags = data[0];
  const std::vector<std::string> f = Fields(data + 1, size - 1);
  const std::string& sheet_data = f[0];
  const std::string& shared = f[1];
  const std::string& format_code = f[2];

  std::vector<std::pair<std::string, std::string>> parts;
  parts.emplace_back("[Content_Types].xml",
                     "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/"
                     "package/2006/content-types\"/>");
  parts.emplace_back("_rels/.rels",
                     std::string("<Relationships xmlns=\"http://schemas.openxmlformats.org/"
                                 "package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"") +
                         kRelNs + "officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>");
  parts.emplace_back("xl/workbook.xml",
                     std::string("<workbook xmlns=\"") + kMainNs + "\" xmlns:r=\"" + kRelNs +
                         "\"><workbookPr" + ((flags & 1) ? " date1904=\"1\"" : "") +
                         "/><sheets><sheet name=\"S\" sheetId=\"1\" r:id=\"rId1\"/></sheets>"
                         "</workbook>");
  parts.emplace_back(
      "xl/_rels/workbook.xml.rels",
      std::string("<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/"
                  "relationships\"><Relationship Id=\"rId1\" Type=\"") +
          kRelNs + "worksheet\" Target=\"worksheets/sheet1.xml\"/><Relationship Id=\"rId2\" Type=\"" +
          kRelNs + "styles\" Target=\"styles.xml\"/><Relationship Id=\"rId3\" Type=\"" + kRelNs +
          "sharedStrings\" Target=\"sharedStrings.xml\"/></Relationships>");
  parts.emplace_back("xl/worksheets/sheet1.xml", std::string("<worksheet xmlns=\"") + kMainNs +
                                                     "\"><sheetData>" + sheet_data +
                                                     "</sheetData></worksheet>");
  parts.emplace_back("xl/sharedStrings.xml",
                     std::string("<sst xmlns=\"") + kMainNs + "\">" + shared + "</sst>");
  parts.emplace_back("xl/styles.xml",
                     std::string("<styleSheet xmlns=\"") + kMainNs +
                         "\"><numFmts><numFmt numFmtId=\"164\" formatCode=\"" + format_code +
                         "\"/></numFmts><cellXfs><xf numFmtId=\"0\"/><xf numFmtId=\"164\"/>"
                         "<xf numFmtId=\"14\"/></cellXfs></styleSheet>");

  static const std::string path = "/tmp/sluice-xlsx-fuzz-" + std::to_string(::getpid()) + ".xlsx";
  static const bool cleanup_registered = std::atexit([] { ::unlink(path.c_str()); }) == 0;
  (void)cleanup_registered;
  if (!WriteZip(path, parts)) return 0;
  try {
    sluice::XlsxOptions options;
    options.table = "fuzz";
    options.header_row = (flags >> 1) & 3;
    options.error_cells = (flags & 8) ? sluice::XlsxOptions::ErrorCells::kNull
                                      : sluice::XlsxOptions::ErrorCells::kReject;
    auto source = sluice::MakeXlsxSource({sluice::InputFile{path, -1, "", 0}}, options);
    sluice::RawChunk chunk;
    while (source->ReadChunk(&chunk)) {
      sluice::ParsedChunk parsed = source->ParseChunk(std::move(chunk));
      chunk = sluice::RawChunk();
    }
  } catch (const sluice::Error&) {
  }
  return 0;
}
