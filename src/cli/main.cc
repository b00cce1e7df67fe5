// The `sluice` command line: `load` and `schema`. Exit codes (docs/configuration.md):
// 0 loaded, no rejected rows; 3 loaded, some rows rejected (see _sluice_rejects);
// 1 the load failed and was rolled back; 2 usage error.
#include <malloc.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>

#include "core/error.h"
#include "core/identifiers.h"
#include "destinations/destination.h"
#include "pipeline/runner.h"
#include "pipeline/schema_collector.h"
#include "sources/open_source.h"

namespace sluice {
namespace {

constexpr int kExitOk = 0, kExitFailed = 1, kExitUsage = 2, kExitRejected = 3;

struct SourceFlags {
  std::string source;
  std::string table;
  std::string format = "auto";
  std::string delimiter, quote, escape, header = "auto", encoding = "utf-8";
  std::string compression = "auto", ragged = "reject";
  std::vector<std::string> nulls;
  bool nulls_set = false;
  int max_nesting = -1;
  size_t threads = 0;
};

void AddSourceFlags(CLI::App* cmd, SourceFlags* f) {
  cmd->add_option("SOURCE", f->source, "File path or glob (quote it: 'data/*.csv')")->required();
  cmd->add_option("--table", f->table, "Target table (default: the first file's name)");
  cmd->add_option("--format", f->format, "auto | csv | jsonl | json (default: by extension)");
  cmd->add_option("--delimiter", f->delimiter, "CSV field separator (default: sniffed; 'tab' ok)");
  cmd->add_option("--quote", f->quote, "CSV quote character (default: sniffed)");
  cmd->add_option("--escape", f->escape,
                  "CSV escape inside quotes: the quote char (doubled) or '\\' (default: sniffed)");
  cmd->add_option("--header", f->header, "CSV header row: auto | true | false");
  cmd->add_option("--null", f->nulls,
                  "Unquoted CSV value meaning NULL; repeatable; replaces the defaults "
                  "('', NULL, null, \\N)")
      ->each([f](const std::string&) { f->nulls_set = true; });
  cmd->add_option("--encoding", f->encoding, "utf-8 | latin1 | windows-1252");
  cmd->add_option("--compression", f->compression, "auto | none | gzip | zstd");
  cmd->add_option("--ragged", f->ragged,
                  "CSV rows with missing fields: error | pad (NULLs) | reject (dead-letter)");
  cmd->add_option("--max-nesting", f->max_nesting,
                  "JSON levels flattened into columns / child tables before values stay json");
  cmd->add_option("--threads", f->threads, "Parse workers (default: one per core)")
      ->check(CLI::Range(0, 256));
}

char SingleChar(const std::string& flag, const std::string& value) {
  if (value.empty()) return 0;
  if (value == "tab" || value == "\\t") return '\t';
  if (value.size() != 1) throw UsageError(flag + " takes one character, got '" + value + "'");
  return value[0];
}

std::unique_ptr<Source> OpenFromFlags(const SourceFlags& f,
                                      const std::vector<std::string>& primary_key) {
  SourceOptions o;
  o.format = ParseInputFormat(f.format);
  o.table = f.table;
  o.csv.delimiter = SingleChar("--delimiter", f.delimiter);
  o.csv.quote = SingleChar("--quote", f.quote);
  o.csv.escape = SingleChar("--escape", f.escape);
  if (f.header == "true" || f.header == "yes") {
    o.csv.header = CsvOptions::HeaderMode::kYes;
  } else if (f.header == "false" || f.header == "no") {
    o.csv.header = CsvOptions::HeaderMode::kNo;
  } else if (f.header != "auto") {
    throw UsageError("--header takes auto, true or false");
  }
  if (f.nulls_set) o.csv.null_tokens = f.nulls;
  o.csv.encoding = ParseTextEncoding(f.encoding);
  o.json.encoding = o.csv.encoding;
  Compression compression;
  if (f.compression == "auto") {
    compression = Compression::kAuto;
  } else if (f.compression == "none") {
    compression = Compression::kNone;
  } else if (f.compression == "gzip" || f.compression == "gz") {
    compression = Compression::kGzip;
  } else if (f.compression == "zstd" || f.compression == "zst") {
    compression = Compression::kZstd;
  } else {
    throw UsageError("--compression takes auto, none, gzip or zstd");
  }
  o.csv.compression = compression;
  o.json.compression = compression;
  if (f.ragged == "error") {
    o.csv.ragged = CsvOptions::RaggedPolicy::kError;
  } else if (f.ragged == "pad") {
    o.csv.ragged = CsvOptions::RaggedPolicy::kPad;
  } else if (f.ragged == "reject" || f.ragged == "dlq") {
    o.csv.ragged = CsvOptions::RaggedPolicy::kReject;
  } else {
    throw UsageError("--ragged takes error, pad or reject");
  }
  if (f.max_nesting >= 0) o.json.max_nesting = f.max_nesting;
  o.json.primary_key = primary_key;
  return OpenSource(f.source, std::move(o));
}

std::vector<std::string> SplitKeys(const std::string& keys) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= keys.size() && !keys.empty()) {
    size_t comma = keys.find(',', start);
    if (comma == std::string::npos) comma = keys.size();
    std::string k = NormalizeIdentifier(keys.substr(start, comma - start));
    if (k.empty()) throw UsageError("--primary-key '" + keys + "' has an empty column name");
    out.push_back(k);
    start = comma + 1;
  }
  return out;
}

int RunLoadCommand(const SourceFlags& f, const std::string& destination_uri,
                   const std::string& mode_name, const std::string& primary_key,
                   const std::string& report_format, const std::string& pipeline_name,
                   uint64_t max_bad_rows, bool quiet) {
  if (report_format != "text" && report_format != "json") {
    throw UsageError("--report takes text or json");
  }
  LoadPlan plan;
  plan.mode = ParseWriteMode(mode_name);
  plan.primary_key = SplitKeys(primary_key);
  if (plan.mode == WriteMode::kMerge && plan.primary_key.empty()) {
    throw UsageError("--mode merge needs --primary-key COL[,COL...]");
  }
  std::unique_ptr<Source> source = OpenFromFlags(f, plan.primary_key);
  std::unique_ptr<Destination> destination = OpenDestination(destination_uri);
  plan.load_id = NewLoadId();
  plan.root_table = source->table();
  plan.pipeline = pipeline_name.empty() ? source->table() : pipeline_name;
  RunOptions options;
  options.workers = f.threads;
  options.max_bad_rows = max_bad_rows;
  options.progress = !quiet;
  LoadReport report;
  report.source = f.source;
  int code = kExitOk;
  try {
    RunLoad(*source, *destination, plan, options, &report);
    if (report.rows_rejected) code = kExitRejected;
  } catch (const Error& e) {
    code = e.kind() == ErrorKind::kUsage ? kExitUsage : kExitFailed;
  } catch (const std::exception& e) {
    code = kExitFailed;
  }
  if (report_format == "json") {
    std::cout << RenderJsonReport(report) << std::endl;
  } else if (!quiet || code != kExitOk) {
    std::cerr << RenderHumanReport(report);
  }
  return code;
}

int RunSchemaCommand(const SourceFlags& f, uint64_t sample_bytes) {
  std::unique_ptr<Source> source = OpenFromFlags(f, {});
  SchemaCollector collector;
  RunOptions options;
  options.workers = f.threads;
  options.max_decoded_bytes = sample_bytes;
  options.max_bad_rows = UINT64_MAX;
  options.progress = false;
  LoadReport report;
  Pump(*source, collector, options, &report);
  for (const auto& t : collector.tables()) {
    std::printf("table %s (%llu rows sampled)\n", t.name.c_str(),
                static_cast<unsigned long long>(t.rows));
    for (const auto& c : t.columns) {
      const DataType type =
          c.type.type.id == TypeId::kNull ? DataType::Of(TypeId::kText) : c.type.type;
      std::printf("  %-32s %-16s %s\n", c.name.c_str(), TypeName(type).c_str(),
                  c.nullable ? "nullable" : "not null");
    }
  }
  if (collector.rejected()) {
    std::printf("%llu records in the sample would be rejected\n",
                static_cast<unsigned long long>(collector.rejected()));
  }
  return kExitOk;
}

}  // namespace
}  // namespace sluice

int main(int argc, char** argv) {
  using namespace sluice;
  // Every chunk allocates column buffers of a few MB. By default glibc serves those with mmap
  // or trims freed arena memory with madvise, so each new batch page-faults fresh zeroed pages
  // (~10% of load CPU). Keeping freed memory for reuse costs nothing here: the pipeline's
  // memory is bounded by its queues.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  mallopt(M_TOP_PAD, 64 << 20);
  CLI::App app{"sluice: load files into databases, typed, deduplicated and resumable"};
  app.set_version_flag("--version", "sluice 0.1.0");
  app.require_subcommand(1);

  SourceFlags load_flags;
  std::string destination = "duckdb:///sluice.duckdb", mode = "append", primary_key;
  std::string report = "text", pipeline;
  uint64_t max_bad_rows = 1000;
  bool quiet = false;
  CLI::App* load = app.add_subcommand("load", "Load files into a destination");
  AddSourceFlags(load, &load_flags);
  load->add_option("DESTINATION", destination,
                   "duckdb:///file.duckdb (relative) or duckdb:////abs/file.duckdb")
      ->capture_default_str();
  load->add_option("--mode", mode, "append | replace | merge")->capture_default_str();
  load->add_option("--primary-key", primary_key, "Merge key columns, comma-separated");
  load->add_option("--report", report, "text (stderr) | json (stdout)")->capture_default_str();
  load->add_option("--pipeline", pipeline, "Pipeline name (default: the table name)");
  load->add_option("--max-bad-rows", max_bad_rows,
                   "Fail (and roll back) when more rows than this are rejected")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  load->add_flag("--quiet,-q", quiet, "No progress bar and no summary unless it failed");

  SourceFlags schema_flags;
  uint64_t sample_bytes = 16 << 20;
  CLI::App* schema = app.add_subcommand("schema", "Print the schema sluice infers for a source");
  AddSourceFlags(schema, &schema_flags);
  schema->add_option("--sample-bytes", sample_bytes, "Decoded bytes to read (0 = all)")
      ->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kExitUsage;
  }
  try {
    if (*load) {
      return RunLoadCommand(load_flags, destination, mode, primary_key, report, pipeline,
                            max_bad_rows, quiet);
    }
    return RunSchemaCommand(schema_flags, sample_bytes);
  } catch (const Error& e) {
    std::fprintf(stderr, "sluice: %s\n", e.what());
    return e.kind() == ErrorKind::kUsage ? kExitUsage : kExitFailed;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sluice: internal error: %s\n", e.what());
    return kExitFailed;
  }
}
