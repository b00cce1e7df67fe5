#include "sources/open_source.h"

#include "core/error.h"
#include "core/identifiers.h"
#include "formats/csv/csv_source.h"
#include "formats/json/json_source.h"
#include "formats/parquet/parquet_source.h"
#include "formats/xlsx/xlsx_source.h"
#include "io/glob.h"

namespace sluice {
namespace {
bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
std::string Lower(std::string s) {
  for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}
// URLs may carry a query string (a signed download link): names come from the path before it.
std::string WithoutQuery(const std::string& path) {
  if (path.rfind("http://", 0) != 0 && path.rfind("https://", 0) != 0) return path;
  return path.substr(0, path.find_first_of("?#"));
}
}  // namespace

InputFormat ParseInputFormat(const std::string& name) {
  if (name == "auto") return InputFormat::kAuto;
  if (name == "csv" || name == "tsv") return InputFormat::kCsv;
  if (name == "jsonl" || name == "ndjson") return InputFormat::kJsonLines;
  if (name == "json") return InputFormat::kJson;
  if (name == "parquet") return InputFormat::kParquet;
  if (name == "xlsx") return InputFormat::kXlsx;
  throw UsageError("unknown --format '" + name + "': use csv, jsonl, json, parquet or xlsx");
}

InputFormat FormatFromPath(const std::string& path) {
  const std::string p = Lower(StripCompressionSuffix(WithoutQuery(path)));
  if (EndsWith(p, ".csv") || EndsWith(p, ".tsv") || EndsWith(p, ".txt") || EndsWith(p, ".psv")) {
    return InputFormat::kCsv;
  }
  if (EndsWith(p, ".jsonl") || EndsWith(p, ".ndjson")) return InputFormat::kJsonLines;
  if (EndsWith(p, ".json")) return InputFormat::kJson;
  if (EndsWith(p, ".parquet") || EndsWith(p, ".parq")) return InputFormat::kParquet;
  if (EndsWith(p, ".xlsx")) return InputFormat::kXlsx;
  return InputFormat::kAuto;
}

std::string TableNameFromPath(const std::string& path) {
  std::string name = StripCompressionSuffix(WithoutQuery(path));
  const size_t slash = name.find_last_of('/');
  if (slash != std::string::npos) name = name.substr(slash + 1);
  const size_t dot = name.find('.');
  if (dot != std::string::npos && dot > 0) name = name.substr(0, dot);
  name = NormalizeIdentifier(name);
  return name.empty() ? "data" : name;
}

std::string ResolveTableName(const std::vector<InputFile>& files, const std::string& table_option) {
  std::string table =
      table_option.empty() ? TableNameFromPath(files[0].path) : NormalizeIdentifier(table_option);
  if (table.empty()) throw UsageError("--table '" + table_option + "' has no usable characters");
  if (table.rfind("_sluice_", 0) == 0) {
    throw UsageError("table names starting with _sluice_ are reserved for sluice's own tables: '" +
                     table + "'; pass another --table");
  }
  return table;
}

std::unique_ptr<Source> OpenSource(const std::string& pattern, SourceOptions options) {
  return OpenSource(ExpandSourcePattern(pattern), std::move(options));
}

std::unique_ptr<Source> OpenSource(std::vector<InputFile> files, SourceOptions options) {
  InputFormat format = options.format;
  if (format == InputFormat::kAuto) format = FormatFromPath(files[0].path);
  if (format == InputFormat::kAuto) {
    throw UsageError("cannot tell the format of '" + files[0].path +
                     "' from its name: pass --format csv, jsonl, json, parquet or xlsx");
  }
  if (format != InputFormat::kParquet && !options.parquet.columns.empty()) {
    throw UsageError("--columns selects Parquet columns; '" + files[0].path +
                     "' is not read as Parquet");
  }
  const std::string table = ResolveTableName(files, options.table);
  if (format == InputFormat::kParquet) {
    options.parquet.table = table;
    return MakeParquetSource(std::move(files), std::move(options.parquet));
  }
  if (format == InputFormat::kCsv) {
    options.csv.table = table;
    return MakeCsvSource(std::move(files), std::move(options.csv));
  }
  if (format == InputFormat::kXlsx) {
    options.xlsx.table = table;
    return MakeXlsxSource(std::move(files), std::move(options.xlsx));
  }
  options.json.table = table;
  options.json.layout =
      format == InputFormat::kJsonLines ? JsonOptions::Layout::kLines : JsonOptions::Layout::kAuto;
  return MakeJsonSource(std::move(files), std::move(options.json));
}

}  // namespace sluice
