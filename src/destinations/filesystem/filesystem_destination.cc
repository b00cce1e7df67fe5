#include "destinations/filesystem/filesystem_destination.h"

#include <algorithm>
#include <chrono>
#include <cstring>

#include "core/error.h"
#include "core/json_string.h"
#include "core/utf8.h"

namespace sluice {
namespace {

constexpr const char* kRejectsTable = "_sluice_rejects";

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Rows [begin, begin + count) of `batch`: for a file that fills up in the middle of a batch.
Batch Slice(const Batch& batch, size_t begin, size_t count) {
  Batch out;
  out.table = batch.table;
  out.names = batch.names;
  out.source = batch.source;
  for (const Column& c : batch.columns) {
    Column slice(c.type());
    slice.Reserve(count);
    for (size_t r = begin; r < begin + count; r++) slice.AppendFrom(c, r);
    out.columns.push_back(std::move(slice));
  }
  out.num_rows = count;
  return out;
}

// Whether `stem` has the shape of a load id, "20261126T080305Z-61e7e019" (pipeline/runner.cc).
bool IsLoadIdShaped(const std::string& stem) {
  static const char kShape[] = "ddddddddTddddddZ-hhhhhhhh";
  if (stem.size() != sizeof kShape - 1) return false;
  for (size_t i = 0; i < stem.size(); i++) {
    const char c = stem[i];
    const char want = kShape[i];
    const bool ok = want == 'd'   ? (c >= '0' && c <= '9')
                    : want == 'h' ? ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))
                                  : c == want;
    if (!ok) return false;
  }
  return true;
}

// Whether `name` is "<load id>.<digits>.<ext>" with a data file extension: the names this
// destination gives its data and reject files (other objects under the prefix, even ones like
// "sales.2024.csv", are left alone).
bool IsDataFileName(std::string name) {
  for (const char* suffix : {".gz", ".zst"}) {
    const size_t n = std::strlen(suffix);
    if (name.size() > n && name.compare(name.size() - n, n, suffix) == 0)
      name.resize(name.size() - n);
  }
  const size_t ext_dot = name.rfind('.');
  if (ext_dot == std::string::npos || ext_dot == 0) return false;
  const std::string ext = name.substr(ext_dot + 1);
  if (ext != "parquet" && ext != "csv" && ext != "jsonl") return false;
  const size_t n_dot = name.rfind('.', ext_dot - 1);
  if (n_dot == std::string::npos || n_dot + 1 == ext_dot || n_dot == 0) return false;
  for (size_t i = n_dot + 1; i < ext_dot; i++) {
    if (name[i] < '0' || name[i] > '9') return false;
  }
  return IsLoadIdShaped(name.substr(0, n_dot));
}

}  // namespace

std::string EncodePathSegment(const std::string& name) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : name) {
    const unsigned char u = static_cast<unsigned char>(c);
    if ((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || c == '_' ||
        c == '-' || u >= 0x80) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    }
  }
  return out;
}

std::unique_ptr<FilesystemDestination> FilesystemDestination::Open(const std::string& uri) {
  FilesystemUri parsed = ParseFilesystemUri(uri);
  Storage& storage = StorageFor(parsed.prefix);
  return std::make_unique<FilesystemDestination>(storage, std::move(parsed));
}

FilesystemDestination::FilesystemDestination(Storage& storage, FilesystemUri uri)
    : storage_(storage), uri_(std::move(uri)) {}

FilesystemDestination::~FilesystemDestination() {
  if (in_load_) Rollback();
}

std::string FilesystemDestination::Describe() const {
  return uri_.prefix + " (" + FileFormatName(uri_.options.format) + ")";
}

ManifestCatalog& FilesystemDestination::Catalog() {
  if (!catalog_) catalog_.emplace(ReadCatalog());
  return *catalog_;
}

std::vector<TableSchema> FilesystemDestination::ReadTables(const std::string& root_table) {
  return Catalog().Family(root_table);
}

bool FilesystemDestination::ColumnHasValues(const std::string& table, const std::string& column) {
  return Catalog().Stats(table, column).non_null > 0;
}

uint8_t FilesystemDestination::LoadedIntegerDigits(const std::string& table,
                                                   const std::string& column) {
  return Catalog().Stats(table, column).integer_digits;
}

std::vector<StateEntry> FilesystemDestination::ReadState(const std::string& pipeline) {
  catalog_.reset();  // state is read before a load: take what is committed now
  return Catalog().State(pipeline);
}

uint64_t FilesystemDestination::ResetState(const std::string& pipeline) {
  catalog_.reset();
  const std::vector<StateEntry> state = Catalog().State(pipeline);
  if (state.empty()) return 0;
  // Manifests are immutable: a reset is a manifest of its own that deletes every entry.
  LoadManifest m;
  m.sequence = Catalog().NextSequence();
  m.kind = "state_reset";
  const int64_t now = NowMicros();
  m.load_id = "reset-" + std::to_string(now);
  m.pipeline = pipeline;
  m.mode = "append";
  m.format = FileFormatName(uri_.options.format);
  m.compression = uri_.options.compression;
  m.started_at = m.finished_at = m.committed_at = IsoTimestamp(now);
  for (StateEntry e : state) {
    e.value.clear();
    m.state.push_back(std::move(e));
  }
  const std::string json = ManifestToJson(m);
  std::unique_ptr<ObjectWriter> writer =
      storage_.OpenWrite(uri_.prefix + ManifestPath(m.sequence, EncodePathSegment(m.load_id)));
  writer->Write(json.data(), json.size());
  writer->Commit();
  catalog_.reset();
  return state.size();
}

void FilesystemDestination::Remove(const std::vector<std::string>& relative_paths) noexcept {
  for (const std::string& path : relative_paths) {
    try {
      storage_.Remove(uri_.prefix + path);
    } catch (...) {
      // Best effort: the next Begin removes whatever no manifest lists.
    }
  }
}

void FilesystemDestination::RemoveOrphans() {
  // Files of loads that died before their manifest, and files a replace superseded whose
  // removal after the commit did not finish. Only names this destination gives are touched.
  const std::set<std::string> live = Catalog().LiveFiles();
  std::vector<std::string> orphans;
  for (const ObjectInfo& object : storage_.List(uri_.prefix)) {
    if (object.uri.size() <= uri_.prefix.size()) continue;
    const std::string rel = object.uri.substr(uri_.prefix.size());
    const size_t slash = rel.find('/');
    if (slash == std::string::npos || rel.find('/', slash + 1) != std::string::npos) continue;
    if (rel.rfind("_sluice/", 0) == 0) continue;
    const std::string name = rel.substr(slash + 1);
    // The local backend writes "<name>.tmp-<random>" and renames it at commit; a killed
    // writer leaves it behind.
    const size_t tmp = name.find(".tmp-");
    if (tmp != std::string::npos && IsDataFileName(name.substr(0, tmp))) {
      orphans.push_back(rel);
      continue;
    }
    if (!IsDataFileName(name) || live.count(rel)) continue;
    orphans.push_back(rel);
  }
  // Best effort: an orphan that survives is still invisible and goes next time.
  Remove(orphans);
}

void FilesystemDestination::Begin(const LoadPlan& plan) {
  if (plan.mode == WriteMode::kMerge) {
    throw UsageError(
        "the filesystem destination does not support --mode merge (files are written once and "
        "never updated in place): use --mode append or --mode replace, or a database "
        "destination");
  }
  if (in_load_) Rollback();
  plan_ = plan;
  tables_.clear();
  table_order_.clear();
  rejects_.reset();
  rows_rejected_ = 0;
  written_.clear();
  catalog_.reset();
  RemoveOrphans();
  in_load_ = true;
}

FilesystemDestination::FileSeries& FilesystemDestination::Series(const std::string& table) {
  auto it = tables_.find(table);
  if (it != tables_.end()) return it->second;
  FileSeries& s = tables_[table];
  s.name = table;
  s.directory = EncodePathSegment(table) + "/";
  for (const TableSchema& t : Catalog().Family(table)) {
    if (t.name == table) s.columns = t.columns;
  }
  table_order_.push_back(table);
  return s;
}

void FilesystemDestination::CreateTable(const TableSchema& table) {
  FileSeries& s = Series(table.name);
  s.columns = table.columns;
}

void FilesystemDestination::AddColumn(const std::string& table, const ColumnSchema& column) {
  FileSeries& s = Series(table);
  // A file has one schema: the next rows start a new file with the column.
  if (s.writer) FinishFile(s);
  s.columns.push_back(column);
}

void FilesystemDestination::WidenColumn(const std::string& table, const ColumnSchema& column) {
  FileSeries& s = Series(table);
  if (s.writer) FinishFile(s);
  for (ColumnSchema& c : s.columns) {
    if (c.name == column.name) c.type = column.type;
  }
}

void FilesystemDestination::FinishFile(FileSeries& s) {
  std::unique_ptr<DataFileWriter> writer = std::move(s.writer);
  const uint64_t rows = writer->rows();
  const uint64_t bytes = writer->Finish();
  written_.push_back(s.writer_path);
  s.files.push_back({s.writer_path, rows, bytes});
}

void FilesystemDestination::WriteRows(FileSeries& s, const Batch& batch) {
  const FilesystemOptions& options = uri_.options;
  size_t begin = 0;
  while (begin < batch.num_rows) {
    if (!s.writer) {
      // Deterministic names: a rerun of the same load id writes the same objects.
      s.writer_path = s.directory + EncodePathSegment(plan_.load_id) + "." +
                      std::to_string(s.files.size()) + "." + DataFileExtension(options);
      if (options.format == FileFormat::kParquet && !parquet_) {
        parquet_ = std::make_unique<ParquetWorkspace>(options.compression);
      }
      s.writer = MakeDataFileWriter(options, storage_, uri_.prefix + s.writer_path, s.columns,
                                    parquet_.get());
    }
    const size_t room = size_t(options.file_rows - s.writer->rows());
    const size_t count = std::min(room, batch.num_rows - begin);
    if (begin == 0 && count == batch.num_rows) {
      s.writer->Append(batch);
    } else {
      s.writer->Append(Slice(batch, begin, count));
    }
    begin += count;
    if (s.writer->rows() >= options.file_rows || s.writer->buffered_bytes() >= options.file_bytes) {
      FinishFile(s);
    }
  }
  s.rows += batch.num_rows;
}

void FilesystemDestination::Write(Batch& batch) {
  FileSeries& s = Series(batch.table);
  if (batch.num_rows == 0) return;
  for (size_t c = 0; c < batch.columns.size(); c++) {
    const Column& column = batch.columns[c];
    ColumnStats& stats = s.stats[batch.names[c]];
    stats.non_null += column.size() - column.NullCount();
    const TypeId id = column.type().id;
    if (id == TypeId::kInt64 || id == TypeId::kDecimal) {
      stats.integer_digits = std::max(stats.integer_digits, column.IntegerDigits());
    }
  }
  WriteRows(s, batch);
}

Batch FilesystemDestination::RejectsBatch(const std::vector<RejectedRecord>& rejects) const {
  Batch b;
  b.table = kRejectsTable;
  b.names = {"load_id",     "table_name",  "source", "line",
             "byte_offset", "column_name", "raw",    "reason"};
  const DataType text = DataType::Of(TypeId::kText), i64 = DataType::Of(TypeId::kInt64);
  b.columns = {Column(text), Column(text), Column(text), Column(i64),
               Column(i64),  Column(text), Column(text), Column(text)};
  for (const RejectedRecord& r : rejects) {
    b.columns[0].AppendString(plan_.load_id);
    b.columns[1].AppendString(r.table);
    b.columns[2].AppendString(EscapeInvalidUtf8(r.source));
    if (r.line) {
      b.columns[3].AppendInt64(int64_t(r.line));
    } else {
      b.columns[3].AppendNull();
    }
    b.columns[4].AppendInt64(int64_t(r.byte_offset));
    if (r.column.empty()) {
      b.columns[5].AppendNull();
    } else {
      b.columns[5].AppendString(EscapeInvalidUtf8(r.column));
    }
    // The raw text of a rejected record is often the very bytes that were not UTF-8.
    b.columns[6].AppendString(EscapeInvalidUtf8(r.raw));
    b.columns[7].AppendString(EscapeInvalidUtf8(r.reason));
  }
  b.num_rows = rejects.size();
  return b;
}

void FilesystemDestination::WriteRejects(const std::vector<RejectedRecord>& rejects) {
  if (rejects.empty()) return;
  Batch b = RejectsBatch(rejects);
  if (!rejects_) {
    rejects_ = std::make_unique<FileSeries>();
    rejects_->name = kRejectsTable;
    rejects_->directory = std::string(kRejectsTable) + "/";
    for (size_t c = 0; c < b.names.size(); c++) {
      rejects_->columns.push_back({b.names[c], b.columns[c].type()});
    }
  }
  rows_rejected_ += rejects.size();
  WriteRows(*rejects_, b);
}

void FilesystemDestination::Commit(const LoadRecord& record) {
  for (const std::string& name : table_order_) {
    FileSeries& s = tables_[name];
    if (s.writer) FinishFile(s);
  }
  if (rejects_ && rejects_->writer) FinishFile(*rejects_);
  ManifestCatalog& catalog = Catalog();
  LoadManifest m;
  m.sequence = catalog.NextSequence();
  m.load_id = plan_.load_id;
  m.pipeline = plan_.pipeline;
  m.mode = WriteModeName(plan_.mode);
  m.format = FileFormatName(uri_.options.format);
  m.compression = uri_.options.compression;
  m.source = record.source;
  m.started_at = IsoTimestamp(record.started_at_micros);
  m.finished_at = IsoTimestamp(record.finished_at_micros);
  m.committed_at = IsoTimestamp(NowMicros());
  const bool replace = plan_.mode == WriteMode::kReplace;
  std::vector<std::string> superseded;
  for (const std::string& name : table_order_) {
    FileSeries& s = tables_[name];
    m.tables.push_back({name, replace, s.rows, s.columns, s.stats, s.files});
  }
  if (replace) {
    // The whole family is replaced: tables this load wrote nothing to become empty (and keep
    // their columns), as on the database destinations.
    for (const TableSchema& t : catalog.Family(plan_.root_table)) {
      if (!tables_.count(t.name)) m.tables.push_back({t.name, true, 0, t.columns, {}, {}});
      for (const ManifestFile& f : catalog.CurrentFiles(t.name)) superseded.push_back(f.path);
    }
  }
  if (rejects_) m.reject_files = rejects_->files;
  m.rows_rejected = std::max<uint64_t>(record.rows_rejected, rows_rejected_);
  for (StateEntry e : record.state) {
    e.pipeline = plan_.pipeline;
    m.state.push_back(std::move(e));
  }
  for (const SchemaVersion& v : record.schemas) {
    if (!catalog.HasSchema(plan_.pipeline, v.table, v.version_hash)) m.schemas.push_back(v);
  }
  const std::string json = ManifestToJson(m);
  // The commit point: the load exists from the moment this object does.
  const std::string manifest_uri =
      uri_.prefix + ManifestPath(m.sequence, EncodePathSegment(m.load_id));
  try {
    std::unique_ptr<ObjectWriter> writer = storage_.OpenWrite(manifest_uri);
    writer->Write(json.data(), json.size());
    writer->Commit();
  } catch (const Error&) {
    // An object store may complete the object and the response still be lost (a dropped
    // connection): then the load did commit, and rolling back would delete files its manifest
    // lists. The name is this load's alone, so its existence settles it.
    bool committed = false;
    try {
      storage_.Stat(manifest_uri);
      committed = true;
    } catch (...) {
    }
    if (!committed) throw;
  }
  in_load_ = false;
  catalog_.reset();
  tables_.clear();
  table_order_.clear();
  rejects_.reset();
  written_.clear();
  // Replaced files are no longer current: remove them now (readers that follow the manifests
  // never open them); what a crash leaves here, the next Begin removes.
  Remove(superseded);
}

void FilesystemDestination::Rollback() noexcept {
  // Unfinished writers abort their objects; finished ones are removed (best effort: the next
  // Begin removes any that remain, since no manifest lists them).
  for (auto& [name, s] : tables_) s.writer.reset();
  if (rejects_) rejects_->writer.reset();
  Remove(written_);
  written_.clear();
  tables_.clear();
  table_order_.clear();
  rejects_.reset();
  in_load_ = false;
  catalog_.reset();
}

void FilesystemDestination::RecordFailure(const LoadRecord& record,
                                          const std::string& error) noexcept {
  // Not a manifest: readers and state never see it. It tells operators what failed.
  try {
    std::string json = "{\"load_id\":";
    AppendJsonString(plan_.load_id, &json);
    json += ",\"pipeline\":";
    AppendJsonString(plan_.pipeline, &json);
    json += ",\"mode\":";
    AppendJsonString(WriteModeName(plan_.mode), &json);
    json += ",\"source\":";
    AppendJsonString(EscapeInvalidUtf8(record.source), &json);
    json += ",\"status\":\"failed\",\"started_at\":\"" + IsoTimestamp(record.started_at_micros) +
            "\",\"finished_at\":\"" + IsoTimestamp(record.finished_at_micros) +
            "\",\"rows_rejected\":" + std::to_string(record.rows_rejected) + ",\"error\":";
    AppendJsonString(EscapeInvalidUtf8(error), &json);
    json += "}\n";
    std::unique_ptr<ObjectWriter> writer = storage_.OpenWrite(
        uri_.prefix + "_sluice/failed/" + EncodePathSegment(plan_.load_id) + ".json");
    writer->Write(json.data(), json.size());
    writer->Commit();
  } catch (...) {
  }
}

}  // namespace sluice
