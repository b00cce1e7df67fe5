#pragma once
// The format registry: picks the reader for a source from --format or the file extension
// (.csv .tsv .txt / .jsonl .ndjson / .json, each optionally .gz or .zst; .parquet .parq; .xlsx)
// and opens it.
#include <memory>
#include <string>

#include "formats/csv/csv_options.h"
#include "formats/json/json_options.h"
#include "formats/parquet/parquet_options.h"
#include "formats/xlsx/xlsx_options.h"
#include "sources/source.h"

namespace sluice {

enum class InputFormat { kAuto, kCsv, kJsonLines, kJson, kParquet, kXlsx };
InputFormat ParseInputFormat(const std::string& name);  // throws a usage error
// The format a path implies by its extension; kAuto if it implies none.
InputFormat FormatFromPath(const std::string& path);

struct SourceOptions {
  InputFormat format = InputFormat::kAuto;
  std::string table;  // empty: derived from the first file's name
  CsvOptions csv;
  JsonOptions json;
  ParquetOptions parquet;
  XlsxOptions xlsx;
};

// Expands `pattern`, binds the reader (sniffing, header, first schema) and returns it.
std::unique_ptr<Source> OpenSource(const std::string& pattern, SourceOptions options);
// The same for files already listed (non-empty).
std::unique_ptr<Source> OpenSource(std::vector<InputFile> files, SourceOptions options);
// The table the files load into: --table normalized, else the first file's name. Names starting
// with _sluice_ are refused (sluice's own tables).
std::string ResolveTableName(const std::vector<InputFile>& files, const std::string& table_option);

// "data/Orders 2024.csv.gz" -> "orders_2024".
std::string TableNameFromPath(const std::string& path);

}  // namespace sluice
