#include "formats/xlsx/workbook_parts.h"

#include <cstring>
#include <map>

#include "core/error.h"
#include "formats/xlsx/xml_stream.h"

namespace sluice {
namespace {

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string Lower(std::string s) {
  for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// A relationship target resolved against the directory of the part that owns it.
std::string ResolveTarget(const std::string& base_dir, const std::string& target) {
  std::string path = !target.empty() && target[0] == '/' ? target.substr(1) : base_dir + target;
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    const std::string seg = path.substr(start, slash - start);
    if (seg == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!seg.empty() && seg != ".") {
      parts.push_back(seg);
    }
    start = slash + 1;
  }
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : "/") + p;
  return out;
}

struct Relationship {
  std::string type, target;
};

class RelsHandler final : public XmlHandler {
 public:
  void Start(const char* name, const char** attrs) override {
    if (std::strcmp(LocalName(name), "Relationship") != 0) return;
    const char* id = FindAttribute(attrs, "Id");
    const char* type = FindAttribute(attrs, "Type");
    const char* target = FindAttribute(attrs, "Target");
    const char* mode = FindAttribute(attrs, "TargetMode");
    if (!id || !target || (mode && std::strcmp(mode, "External") == 0)) return;
    rels[id] = {type ? type : "", target};
  }
  void End(const char*) override {}
  std::map<std::string, Relationship> rels;
};

std::map<std::string, Relationship> ReadRels(const XlsxArchive& archive, const std::string& part) {
  RelsHandler handler;
  if (archive.Has(part)) ParseXmlPart(archive, part, &handler);
  return std::move(handler.rels);
}

class WorkbookHandler final : public XmlHandler {
 public:
  void Start(const char* name, const char** attrs) override {
    const char* local = LocalName(name);
    if (std::strcmp(local, "workbookPr") == 0) {
      const char* v = FindAttribute(attrs, "date1904");
      date1904 = v && (std::strcmp(v, "1") == 0 || std::strcmp(v, "true") == 0);
    } else if (std::strcmp(local, "sheet") == 0) {
      const char* sheet_name = FindAttribute(attrs, "name");
      // r:id; the prefix varies (strict OOXML binds another namespace URI to it).
      const char* rid = nullptr;
      for (const char** a = attrs; *a; a += 2) {
        if (std::strchr(a[0], ':') && std::strcmp(LocalName(a[0]), "id") == 0) rid = a[1];
      }
      sheets.push_back({sheet_name ? sheet_name : "", rid ? rid : ""});
    }
  }
  void End(const char*) override {}
  bool date1904 = false;
  std::vector<std::pair<std::string, std::string>> sheets;  // name, relationship id
};

}  // namespace

WorkbookInfo ReadWorkbook(const XlsxArchive& archive) {
  std::string workbook_part = "xl/workbook.xml";
  for (const auto& [id, rel] : ReadRels(archive, "_rels/.rels")) {
    if (EndsWith(rel.type, "/officeDocument")) workbook_part = ResolveTarget("", rel.target);
  }
  if (!archive.Has(workbook_part)) {
    throw InputError(archive.display() + ": not an .xlsx workbook (no " + workbook_part +
                     " in the archive)");
  }
  const size_t slash = workbook_part.rfind('/');
  const std::string dir = slash == std::string::npos ? "" : workbook_part.substr(0, slash + 1);
  const std::string file = workbook_part.substr(dir.size());
  const auto rels = ReadRels(archive, dir + "_rels/" + file + ".rels");

  WorkbookHandler handler;
  ParseXmlPart(archive, workbook_part, &handler);
  WorkbookInfo info;
  info.date_system = handler.date1904 ? DateSystem::k1904 : DateSystem::k1900;
  for (const auto& [id, rel] : rels) {
    if (EndsWith(rel.type, "/styles")) info.styles_part = ResolveTarget(dir, rel.target);
    if (EndsWith(rel.type, "/sharedStrings")) {
      info.shared_strings_part = ResolveTarget(dir, rel.target);
    }
  }
  // Writers that skip the relationship still use the conventional names.
  if (info.styles_part.empty() && archive.Has(dir + "styles.xml")) {
    info.styles_part = dir + "styles.xml";
  }
  if (info.shared_strings_part.empty() && archive.Has(dir + "sharedStrings.xml")) {
    info.shared_strings_part = dir + "sharedStrings.xml";
  }
  for (const auto& [name, rid] : handler.sheets) {
    SheetEntry entry;
    entry.name = name;
    auto it = rels.find(rid);
    if (it != rels.end()) {
      entry.part = ResolveTarget(dir, it->second.target);
      entry.worksheet = EndsWith(it->second.type, "/worksheet");
    }
    info.sheets.push_back(std::move(entry));
  }
  return info;
}

const SheetEntry& SelectSheet(const WorkbookInfo& workbook, const std::string& selector,
                              const std::string& file) {
  auto list = [&] {
    std::string names;
    for (size_t i = 0; i < workbook.sheets.size(); i++) {
      names += (i ? ", " : "") + std::to_string(i + 1) + " '" + workbook.sheets[i].name + "'";
    }
    return names.empty() ? std::string("none") : names;
  };
  const SheetEntry* chosen = nullptr;
  if (selector.empty()) {
    for (const auto& s : workbook.sheets) {
      if (s.worksheet) {
        chosen = &s;
        break;
      }
    }
    if (!chosen)
      throw InputError(file + ": the workbook has no worksheet (sheets: " + list() + ")");
  } else {
    for (const auto& s : workbook.sheets) {
      if (s.name == selector) chosen = &s;
    }
    for (size_t i = 0; !chosen && i < workbook.sheets.size(); i++) {
      if (Lower(workbook.sheets[i].name) == Lower(selector)) chosen = &workbook.sheets[i];
    }
    if (!chosen && selector.find_first_not_of("0123456789") == std::string::npos &&
        selector.size() < 6) {
      const size_t index = std::stoul(selector);
      if (index >= 1 && index <= workbook.sheets.size()) chosen = &workbook.sheets[index - 1];
    }
    if (!chosen) {
      throw UsageError(file + ": no sheet '" + selector + "' (--sheet takes a name or a 1-based " +
                       "position; sheets: " + list() + ")");
    }
    if (!chosen->worksheet) {
      throw UsageError(file + ": sheet '" + chosen->name +
                       "' is a chart or dialog sheet, not a worksheet with cells");
    }
  }
  if (chosen->part.empty()) {
    throw InputError(file + ": sheet '" + chosen->name +
                     "' has no part in the workbook's relationships (damaged workbook)");
  }
  return *chosen;
}

void AppendDecodedText(std::string_view s, std::string* out) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  size_t i = 0;
  while (i < s.size()) {
    const size_t at = s.find("_x", i);
    if (at == std::string_view::npos || at + 7 > s.size()) break;
    uint32_t cp = 0;
    bool ok = s[at + 6] == '_';
    for (size_t k = 0; ok && k < 4; k++) {
      const int h = hex(s[at + 2 + k]);
      ok = h >= 0;
      cp = cp * 16 + uint32_t(h);
    }
    if (!ok || (cp >= 0xD800 && cp <= 0xDFFF)) {
      out->append(s.substr(i, at + 2 - i));
      i = at + 2;
      continue;
    }
    out->append(s.substr(i, at - i));
    if (cp < 0x80) {
      out->push_back(char(cp));
    } else if (cp < 0x800) {
      out->push_back(char(0xC0 | (cp >> 6)));
      out->push_back(char(0x80 | (cp & 0x3F)));
    } else {
      out->push_back(char(0xE0 | (cp >> 12)));
      out->push_back(char(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(char(0x80 | (cp & 0x3F)));
    }
    i = at + 7;
  }
  out->append(s.substr(i));
}

namespace {

// <si> holds either <t> or rich-text runs <r><t>; <rPh> phonetic hints are not part of the
// text.
class SharedStringsHandler final : public XmlHandler {
 public:
  explicit SharedStringsHandler(SharedStrings* out) : out_(out) {}
  void Start(const char* name, const char**) override {
    const char* local = LocalName(name);
    if (std::strcmp(local, "si") == 0) {
      text_.clear();
      in_si_ = true;
    } else if (std::strcmp(local, "rPh") == 0) {
      in_phonetic_ = true;
    } else if (std::strcmp(local, "t") == 0) {
      in_t_ = in_si_ && !in_phonetic_;
    }
  }
  void End(const char* name) override {
    const char* local = LocalName(name);
    if (std::strcmp(local, "si") == 0) {
      if (NeedsDecoding(text_)) {
        decoded_.clear();
        AppendDecodedText(text_, &decoded_);
        out_->Append(decoded_);
      } else {
        out_->Append(text_);
      }
      in_si_ = false;
    } else if (std::strcmp(local, "rPh") == 0) {
      in_phonetic_ = false;
    } else if (std::strcmp(local, "t") == 0) {
      in_t_ = false;
    }
  }
  void Text(const char* s, int len) override {
    if (in_t_) text_.append(s, size_t(len));
  }

 private:
  SharedStrings* out_;
  std::string text_, decoded_;
  bool in_si_ = false, in_phonetic_ = false, in_t_ = false;
};

class StylesHandler final : public XmlHandler {
 public:
  void Start(const char* name, const char** attrs) override {
    const char* local = LocalName(name);
    if (std::strcmp(local, "numFmts") == 0) {
      in_num_fmts_ = true;
    } else if (std::strcmp(local, "cellXfs") == 0) {
      in_cell_xfs_ = true;
    } else if (in_num_fmts_ && std::strcmp(local, "numFmt") == 0) {
      const char* id = FindAttribute(attrs, "numFmtId");
      const char* code = FindAttribute(attrs, "formatCode");
      if (id && code) custom[uint32_t(std::strtoul(id, nullptr, 10))] = code;
    } else if (in_cell_xfs_ && std::strcmp(local, "xf") == 0) {
      const char* id = FindAttribute(attrs, "numFmtId");
      xf_formats.push_back(id ? uint32_t(std::strtoul(id, nullptr, 10)) : 0);
    }
  }
  void End(const char* name) override {
    const char* local = LocalName(name);
    if (std::strcmp(local, "numFmts") == 0) in_num_fmts_ = false;
    if (std::strcmp(local, "cellXfs") == 0) in_cell_xfs_ = false;
  }
  std::map<uint32_t, std::string> custom;
  std::vector<uint32_t> xf_formats;

 private:
  bool in_num_fmts_ = false, in_cell_xfs_ = false;
};

}  // namespace

SharedStrings ReadSharedStrings(const XlsxArchive& archive, const std::string& part) {
  SharedStrings strings;
  if (part.empty()) return strings;
  SharedStringsHandler handler(&strings);
  ParseXmlPart(archive, part, &handler);
  strings.Shrink();
  return strings;
}

std::vector<NumberFormatKind> ReadCellFormats(const XlsxArchive& archive, const std::string& part) {
  std::vector<NumberFormatKind> kinds;
  if (part.empty()) return kinds;
  StylesHandler handler;
  ParseXmlPart(archive, part, &handler);
  kinds.reserve(handler.xf_formats.size());
  for (uint32_t id : handler.xf_formats) {
    auto it = handler.custom.find(id);
    // A custom format may reuse a built-in id; its code then wins.
    kinds.push_back(it != handler.custom.end() ? ClassifyNumberFormat(it->second)
                                               : BuiltinNumberFormatKind(id));
  }
  return kinds;
}

}  // namespace sluice
