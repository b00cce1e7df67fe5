// The `sluice` command line: `load`, `schema`, `state` and `run`. Exit codes (docs/configuration.md):
// 0 loaded, no rejected rows; 3 loaded, some rows rejected (see _sluice_rejects);
// 1 the load failed and was rolled back; 2 usage error.
#include <malloc.h>
#include <xxhash.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <future>
#include <iostream>
#include <map>
#include <random>
#include <thread>

#include "cli/run_command.h"
#include "cli/yaml_config.h"
#include "config/pipeline_config.h"
#include "config/secrets.h"
#include "core/error.h"
#include "core/identifiers.h"
#include "destinations/destination.h"
#include "destinations/dry_run_destination.h"
#include "io/glob.h"
#include "pipeline/incremental_cursor.h"
#include "pipeline/runner.h"
#include "pipeline/schema_collector.h"
#include "sources/file_fingerprint.h"
#include "storage/storage.h"
#include "sources/open_source.h"
#include "webhook/webhook_service.h"

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
  std::vector<std::string> columns;
  size_t threads = 0;
  std::string sheet, error_cells = "reject";
  int64_t header_row = 1;
};

void AddSourceFlags(CLI::App* cmd, SourceFlags* f) {
  // Required, but checked after a --config file had its say (ApplyConfigFile).
  cmd->add_option("SOURCE,--source", f->source, "File path or glob (quote it: 'data/*.csv')");
  cmd->add_option("--table", f->table, "Target table (default: the first file's name)");
  cmd->add_option("--format", f->format,
                  "auto | csv | jsonl | json | parquet | xlsx (default: by extension)");
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
  cmd->add_option(
      "--max-nesting", f->max_nesting,
      "JSON/Parquet levels flattened into columns / child tables before values stay json");
  cmd->add_option("--columns", f->columns,
                  "Parquet columns to read, comma-separated (default: all)")
      ->delimiter(',');
  cmd->add_option("--sheet", f->sheet,
                  "xlsx sheet: a name or a 1-based position (default: the first worksheet)");
  cmd->add_option("--header-row", f->header_row,
                  "xlsx row holding the column names, rows above skipped; 0 = none (default 1)");
  cmd->add_option("--error-cells", f->error_cells,
                  "xlsx cells holding #N/A, #DIV/0!, ...: reject (the row) | null");
  cmd->add_option("--threads", f->threads, "Parse workers (default: one per core)")
      ->check(CLI::Range(0, 256));
}

char SingleChar(const std::string& flag, const std::string& value) {
  if (value.empty()) return 0;
  if (value == "tab" || value == "\\t") return '\t';
  if (value.size() != 1) throw UsageError(flag + " takes one character, got '" + value + "'");
  return value[0];
}

SourceOptions OptionsFromFlags(const SourceFlags& f, const std::vector<std::string>& primary_key) {
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
  if (f.max_nesting >= 0) o.parquet.max_nesting = f.max_nesting;
  for (const std::string& c : f.columns) {
    for (std::string& name : ParseColumnList(c)) o.parquet.columns.push_back(std::move(name));
  }
  o.json.primary_key = primary_key;
  o.xlsx.sheet = f.sheet;
  o.xlsx.header_row = f.header_row;
  o.xlsx.error_cells = ParseErrorCellsPolicy(f.error_cells);
  return o;
}

std::unique_ptr<Source> OpenFromFlags(const SourceFlags& f,
                                      const std::vector<std::string>& primary_key) {
  return OpenSource(f.source, OptionsFromFlags(f, primary_key));
}

// Splits the files into those to load and those whose fingerprint matches the pipeline's
// state. Replace is all or nothing: it is skipped only if the last replace of this pipeline
// loaded exactly these files, unchanged, and nothing was appended or merged since
// (state key "replace:set"); otherwise every file loads.
struct FilePlan {
  std::vector<InputFile> load;
  std::vector<FileFingerprint> fingerprints;  // parallel to `load`
  size_t unchanged = 0;
};
constexpr const char* kReplaceSetKey = "replace:set";

std::string FileSetDigest(const std::vector<FileFingerprint>& prints) {
  std::vector<std::string> parts;
  for (const auto& fp : prints) parts.push_back(fp.StateKey() + "=" + fp.ToJson());
  std::sort(parts.begin(), parts.end());
  std::string all;
  for (const auto& p : parts) all += p + "\n";
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx",
                static_cast<unsigned long long>(XXH3_64bits(all.data(), all.size())));
  return std::string("\"") + hex + "\"";
}

FilePlan PlanFiles(const std::vector<InputFile>& files, Destination& destination,
                   const std::string& pipeline, const std::string& table, WriteMode mode,
                   bool force) {
  std::map<std::string, std::string> stored;
  if (!force) {
    for (const auto& e : destination.ReadState(pipeline)) {
      if (e.resource == table) stored[e.key] = e.value;
    }
  }
  FilePlan plan;
  std::vector<FileFingerprint> all;
  std::vector<bool> same(files.size(), false);
  for (size_t i = 0; i < files.size(); i++) {
    FileFingerprint fp = FileFingerprint::Of(files[i]);
    auto it = stored.find(fp.StateKey());
    same[i] = it != stored.end() && SameContent(fp, it->second);
    plan.unchanged += same[i];
    all.push_back(std::move(fp));
  }
  if (mode == WriteMode::kReplace) {
    auto it = stored.find(kReplaceSetKey);
    if (plan.unchanged == files.size() && it != stored.end() && it->second == FileSetDigest(all)) {
      return plan;  // nothing to load
    }
    plan.unchanged = 0;
    plan.load = files;
    plan.fingerprints = std::move(all);
    return plan;
  }
  for (size_t i = 0; i < files.size(); i++) {
    if (same[i]) continue;
    plan.load.push_back(files[i]);
    plan.fingerprints.push_back(std::move(all[i]));
  }
  return plan;
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

// The options of `sluice load` beyond the source's.
struct LoadFlags {
  std::string destination = "duckdb:///sluice.duckdb";
  std::string mode = "append";
  std::string primary_key;
  std::string merge_strategy = "delete-insert";
  std::string dedup_sort;  // COL, COL:desc or COL:asc
  std::string delete_column;
  std::string schema_contract = "evolve";
  std::string incremental;  // cursor column
  std::string lag;
  std::string initial_value;
  std::string on_null_cursor = "reject";
  std::string report = "text";
  std::string pipeline;
  uint64_t max_bad_rows = 1000;
  unsigned retries = 3;
  bool quiet = false;
  bool force = false;
};

LoadPlan PlanFromFlags(const LoadFlags& flags) {
  LoadPlan plan;
  plan.mode = ParseWriteMode(flags.mode);
  plan.primary_key = SplitKeys(flags.primary_key);
  plan.merge_strategy = ParseMergeStrategy(flags.merge_strategy);
  const bool merge = plan.mode == WriteMode::kMerge;
  if (merge && plan.primary_key.empty()) {
    throw UsageError("--mode merge needs --primary-key COL[,COL...]");
  }
  if (!merge && (!flags.dedup_sort.empty() || !flags.delete_column.empty())) {
    throw UsageError("--dedup-sort and --delete-column apply to --mode merge only");
  }
  if (!flags.dedup_sort.empty()) {
    std::string column = flags.dedup_sort;
    if (const size_t colon = column.rfind(':'); colon != std::string::npos) {
      const std::string order = column.substr(colon + 1);
      if (order != "asc" && order != "desc") {
        throw UsageError("--dedup-sort '" + flags.dedup_sort + "': the order is asc or desc");
      }
      plan.dedup_sort_descending = order == "desc";
      column.resize(colon);
    }
    plan.dedup_sort = NormalizeIdentifier(column);
  }
  if (!flags.delete_column.empty()) plan.delete_column = NormalizeIdentifier(flags.delete_column);
  if (flags.incremental.empty() &&
      (!flags.lag.empty() || !flags.initial_value.empty() || flags.on_null_cursor != "reject")) {
    throw UsageError("--lag, --initial-value and --on-null-cursor need --incremental COL");
  }
  if (!flags.incremental.empty() && plan.mode == WriteMode::kReplace) {
    throw UsageError(
        "--incremental loads only new rows; with --mode replace they would be all "
        "the table keeps. Use append or merge");
  }
  if (!flags.lag.empty() && !merge) {
    throw UsageError(
        "--lag loads the rows of the lag window again: use it with --mode merge, "
        "which replaces them by key instead of duplicating them");
  }
  if (flags.on_null_cursor != "reject" && flags.on_null_cursor != "load") {
    throw UsageError("--on-null-cursor takes reject or load");
  }
  return plan;
}

// Returned by an attempt that failed with a transient error and may be retried.
constexpr int kRetryLoad = -1;

// One attempt at a load. On a retriable failure when `may_retry`, prints nothing, puts the error
// in *transient and returns kRetryLoad (the attempt was rolled back; state is untouched).
int RunLoadAttempt(const SourceFlags& f, const LoadFlags& flags, bool may_retry,
                   std::string* transient) {
  const std::string& destination_uri = flags.destination;
  const std::string& report_format = flags.report;
  const std::string& pipeline_name = flags.pipeline;
  const bool quiet = flags.quiet, force = flags.force;
  if (report_format != "text" && report_format != "json") {
    throw UsageError("--report takes text or json");
  }
  LoadPlan plan = PlanFromFlags(flags);
  const SchemaContract contract = SchemaContract::Parse(flags.schema_contract);
  SourceOptions source_options = OptionsFromFlags(f, plan.primary_key);
  const std::vector<InputFile> files = ExpandSourcePattern(f.source);
  const std::string table = ResolveTableName(files, f.table);
  std::unique_ptr<Destination> destination = OpenDestination(destination_uri);
  plan.load_id = NewLoadId();
  if (const size_t max = destination->MaxIdentifierBytes(); max && table.size() > max) {
    plan.root_table = ShortenIdentifier(table, max);
  } else {
    plan.root_table = table;
  }
  plan.pipeline = pipeline_name.empty() ? table : pipeline_name;
  LoadReport report;
  report.source = RedactedUri(f.source);
  report.pipeline = plan.pipeline;
  report.destination = destination->Describe();
  report.mode = WriteModeName(plan.mode);

  FilePlan file_plan = PlanFiles(files, *destination, plan.pipeline, table, plan.mode, force);
  if (file_plan.load.empty()) {
    // Nothing changed since the files were loaded: an idempotent rerun does nothing.
    report.status = "unchanged";
    report.files = files.size();
    report.started_at_micros = report.finished_at_micros = NowMicros();
    if (report_format == "json") {
      std::cout << RenderJsonReport(report) << std::endl;
    } else if (!quiet) {
      std::cerr << "nothing to load: " << files.size() << " file(s) unchanged since pipeline '"
                << plan.pipeline << "' loaded them (--force loads them again)\n";
    }
    return kExitOk;
  }
  source_options.table = table;
  std::unique_ptr<Source> source = OpenSource(file_plan.load, std::move(source_options));

  RunOptions options;
  options.workers = f.threads;
  options.max_bad_rows = flags.max_bad_rows;
  options.progress = !quiet;
  options.contract = contract;
  std::unique_ptr<IncrementalCursor> cursor;
  if (!flags.incremental.empty()) {
    IncrementalOptions incremental;
    incremental.column = NormalizeIdentifier(flags.incremental);
    incremental.lag = flags.lag;
    incremental.initial_value = flags.initial_value;
    incremental.load_null_cursors = flags.on_null_cursor == "load";
    incremental.primary_key = plan.primary_key;
    std::string stored;
    for (const auto& e : destination->ReadState(plan.pipeline)) {
      if (e.resource == table && e.key == "cursor:" + incremental.column) stored = e.value;
    }
    cursor = std::make_unique<IncrementalCursor>(std::move(incremental), stored);
    options.root_filter = cursor.get();
  }
  // Hash the files while they load (the hash is only needed at commit).
  std::future<void> hashing = std::async(std::launch::async, [&file_plan] {
    for (auto& fp : file_plan.fingerprints) {
      if (fp.content_hash.empty() && !fp.remote) fp.ComputeHash();
    }
  });
  options.final_state = [&] {
    hashing.get();
    std::vector<StateEntry> state;
    for (const auto& fp : file_plan.fingerprints) {
      state.push_back({plan.pipeline, table, fp.StateKey(), fp.ToJson(), "", ""});
    }
    // A replace records the exact file set it made the table from; any other load changes
    // the table, so it forgets that record (empty value = delete).
    const bool replace = plan.mode == WriteMode::kReplace;
    state.push_back({plan.pipeline, table, kReplaceSetKey,
                     replace ? FileSetDigest(file_plan.fingerprints) : "", "", ""});
    if (cursor) {
      const std::string value = cursor->StateJson();
      if (!value.empty())
        state.push_back({plan.pipeline, table, cursor->StateKey(), value, "", ""});
    }
    return state;
  };
  int code = kExitOk;
  try {
    RunLoad(*source, *destination, plan, options, &report);
    if (cursor) report.rows_skipped = cursor->rows_skipped();
    if (report.rows_rejected) code = kExitRejected;
  } catch (const Error& e) {
    if (e.retriable() && may_retry) {
      *transient = e.what();
      return kRetryLoad;
    }
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

// A load, retried from the start after transient failures (lost connection, server restart,
// serialization failure, ...): a failed attempt rolled back completely, so rerunning it is safe.
// Exponential backoff with full jitter, 1 s doubling to at most 30 s.
int RunLoadCommand(const SourceFlags& f, const LoadFlags& flags) {
  std::mt19937_64 rng(std::random_device{}());
  for (unsigned attempt = 0;; attempt++) {
    const bool may_retry = attempt < flags.retries;
    std::string transient;
    try {
      const int code = RunLoadAttempt(f, flags, may_retry, &transient);
      if (code != kRetryLoad) return code;
    } catch (const Error& e) {
      if (!e.retriable() || !may_retry) throw;
      transient = e.what();
    }
    const double cap = std::min(30.0, double(1u << std::min(attempt, 5u)));
    const double delay = std::uniform_real_distribution<double>(0.0, cap)(rng);
    std::fprintf(stderr,
                 "sluice: attempt %u failed with a transient error: %s; retrying in %.1f s\n",
                 attempt + 1, transient.c_str(), delay);
    std::this_thread::sleep_for(std::chrono::duration<double>(delay));
  }
}

// Without a destination: the schema inferred from a sample. With one: what a load of the sample
// would change there (the schema evolver runs against a dry-run view of the destination).
int RunSchemaCommand(const SourceFlags& f, uint64_t sample_bytes,
                     const std::string& destination_uri, const std::string& contract_spec) {
  std::unique_ptr<Source> source = OpenFromFlags(f, {});
  RunOptions options;
  options.workers = f.threads;
  options.max_decoded_bytes = sample_bytes;
  options.max_bad_rows = UINT64_MAX;
  options.progress = false;
  LoadReport report;
  if (!destination_uri.empty()) {
    DryRunDestination destination(OpenDestination(destination_uri));
    LoadPlan plan;
    plan.load_id = "dry-run";
    plan.root_table = source->table();
    plan.pipeline = plan.root_table;
    SchemaEvolver evolver(destination, plan, SchemaContract::Parse(contract_spec));
    evolver.Start();
    for (const auto& t : evolver.Tables()) {
      for (const auto& c : t.columns) {
        if (c.type.id == TypeId::kText && !destination.ColumnHasValues(t.name, c.name)) continue;
        source->HintColumnType(t.name, c.name, {c.type, 0});
      }
    }
    Pump(*source, destination, options, &report, &evolver);
    const auto& changes = evolver.stats().changes;
    std::printf("a load into %s would make %zu schema change(s)%s\n",
                destination.Describe().c_str(), changes.size(), changes.empty() ? "" : ":");
    for (const auto& change : changes) std::printf("  %s\n", change.c_str());
    if (evolver.stats().variant_values) {
      std::printf("%llu sampled values would go to variant columns\n",
                  static_cast<unsigned long long>(evolver.stats().variant_values));
    }
    if (report.rows_rejected) {
      std::printf("%llu sampled records would be rejected\n",
                  static_cast<unsigned long long>(report.rows_rejected));
    }
    for (const auto& t : evolver.Tables()) {
      std::printf("table %s\n", t.name.c_str());
      for (const auto& c : t.columns) {
        std::printf("  %-32s %s\n", c.name.c_str(), TypeName(c.type).c_str());
      }
    }
    return kExitOk;
  }
  SchemaCollector collector;
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

int RunStateCommand(const std::string& action, const std::string& pipeline,
                    const std::string& destination_uri) {
  std::unique_ptr<Destination> destination = OpenDestination(destination_uri);
  if (action == "reset") {
    const uint64_t n = destination->ResetState(pipeline);
    std::printf("pipeline '%s': %llu state entries removed; the next run loads everything\n",
                pipeline.c_str(), static_cast<unsigned long long>(n));
    return kExitOk;
  }
  const auto entries = destination->ReadState(pipeline);
  if (entries.empty()) std::printf("pipeline '%s' has no state\n", pipeline.c_str());
  for (const auto& e : entries) {
    std::printf("%s\t%s\t%s\t%s\tload %s at %s\n", e.pipeline.c_str(), e.resource.c_str(),
                e.key.c_str(), e.value.c_str(), e.load_id.c_str(), e.updated_at.c_str());
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
  LoadFlags flags;
  CLI::App* load = app.add_subcommand("load", "Load files into a destination");
  AddSourceFlags(load, &load_flags);
  load->add_option("DESTINATION,--destination", flags.destination,
                   "duckdb:///file.duckdb (relative) or duckdb:////abs/file.duckdb, "
                   "postgresql://user@host:port/db?schema=s, sqlite:///file.db")
      ->capture_default_str();
  load->add_option("--mode", flags.mode, "append | replace | merge")->capture_default_str();
  load->add_option("--primary-key", flags.primary_key, "Merge key columns, comma-separated");
  load->add_option("--merge-strategy", flags.merge_strategy,
                   "delete-insert | upsert (how a merge applies its rows)")
      ->capture_default_str();
  load->add_option("--dedup-sort", flags.dedup_sort,
                   "COL[:desc|:asc]: of several rows with one key in a load, the one with the "
                   "highest (desc, default) or lowest COL wins; default: the last one");
  load->add_option("--delete-column", flags.delete_column,
                   "Boolean column: rows with TRUE delete their key (merge only)");
  load->add_option("--schema-contract", flags.schema_contract,
                   "evolve | freeze | discard_row | discard_value, or per entity: "
                   "tables=MODE,columns=MODE,data_type=MODE")
      ->capture_default_str();
  load->add_option("--incremental", flags.incremental,
                   "Cursor column: load only rows beyond the last value a load committed");
  load->add_option("--lag", flags.lag,
                   "With --incremental (merge only): also reload this much before the last "
                   "value (a number; days for dates; 90s, 15m, 2h, 3d for timestamps)");
  load->add_option("--initial-value", flags.initial_value,
                   "With --incremental: on a first run, skip rows below this value");
  load->add_option("--on-null-cursor", flags.on_null_cursor,
                   "reject (to _sluice_rejects) | load: rows whose cursor is NULL")
      ->capture_default_str();
  load->add_option("--report", flags.report, "text (stderr) | json (stdout)")
      ->capture_default_str();
  load->add_option("--pipeline", flags.pipeline, "Pipeline name (default: the table name)");
  load->add_option("--max-bad-rows", flags.max_bad_rows,
                   "Fail (and roll back) when more rows than this are rejected")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  load->add_option("--retries", flags.retries,
                   "Retry a load this often after transient failures (lost connection, server "
                   "restart), with backoff; each failed attempt is rolled back first")
      ->check(CLI::Range(0, 100))
      ->capture_default_str();
  load->add_flag("--quiet,-q", flags.quiet, "No progress bar and no summary unless it failed");
  load->add_flag("--force", flags.force,
                 "Load files even if the pipeline state says they were loaded unchanged");
  std::string config_file;
  load->add_option("--config", config_file,
                   "Pipeline config file (YAML): keys are this command's long options; the "
                   "command line wins; ${ENV_VAR} is replaced by its value");

  SourceFlags schema_flags;
  uint64_t sample_bytes = 16 << 20;
  CLI::App* schema = app.add_subcommand("schema", "Print the schema sluice infers for a source");
  AddSourceFlags(schema, &schema_flags);
  schema->add_option("--sample-bytes", sample_bytes, "Decoded bytes to read (0 = all)")
      ->capture_default_str();
  std::string schema_destination, schema_contract = "evolve";
  schema->add_option("--destination", schema_destination,
                     "Show what a load into this destination would change (nothing is written)");
  schema->add_option("--schema-contract", schema_contract, "As for load")->capture_default_str();

  std::string state_action, state_pipeline, state_destination = "duckdb:///sluice.duckdb";
  CLI::App* state = app.add_subcommand("state", "Show or reset a pipeline's state");
  state->add_option("ACTION", state_action, "show | reset")
      ->required()
      ->check(CLI::IsMember({"show", "reset"}));
  state->add_option("PIPELINE", state_pipeline, "Pipeline name (default of load: the table)")
      ->required();
  state->add_option("DESTINATION", state_destination, "Where the pipeline loads to")
      ->capture_default_str();

  RunFlags run_flags;
  CLI::App* run = app.add_subcommand(
      "run", "Run a pipeline file: REST and GraphQL API sources into a destination");
  AddRunFlags(run, &run_flags);

  // `sluice serve`: a durable, signed webhook receiver (docs/webhooks.md). Exit 0 after SIGTERM
  // or SIGINT once every spooled event is loaded; 1 if some stay spooled for the next start.
  std::string serve_config, serve_secrets;
  CLI::App* serve =
      app.add_subcommand("serve", "Receive signed webhooks, spool them durably, load them");
  serve->add_option("CONFIG", serve_config, "Webhook receiver config (YAML)")->required();
  serve->add_option("--secrets", serve_secrets, "YAML file with values for ${NAME} in CONFIG");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kExitUsage;
  }
  try {
    if (*load) {
      if (!config_file.empty()) ApplyConfigFile(config_file, load);
      if (load_flags.source.empty()) throw UsageError("load needs a SOURCE (argument or config)");
      return RunLoadCommand(load_flags, flags);
    }
    if (*run) return RunPipelineCommand(run_flags);
    if (*serve) return RunWebhookService(LoadWebhookConfig(serve_config, serve_secrets));
    if (*state) return RunStateCommand(state_action, state_pipeline, state_destination);
    if (schema_flags.source.empty()) throw UsageError("schema needs a SOURCE");
    return RunSchemaCommand(schema_flags, sample_bytes, schema_destination, schema_contract);
  } catch (const Error& e) {
    // Secrets from pipeline files never reach the terminal, whatever the error quotes.
    std::fprintf(stderr, "sluice: %s\n", RedactSecrets(e.what()).c_str());
    return e.kind() == ErrorKind::kUsage ? kExitUsage : kExitFailed;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sluice: internal error: %s\n", RedactSecrets(e.what()).c_str());
    return kExitFailed;
  }
}
