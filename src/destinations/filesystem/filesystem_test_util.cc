#include "destinations/filesystem/filesystem_test_util.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include "core/identifiers.h"
#include "destinations/duckdb/duckdb_connection.h"
#include "destinations/filesystem/manifest_catalog.h"
#include "destinations/filesystem/parquet_workspace.h"
#include "storage/local/local_storage.h"

namespace sluice::testing_util {
namespace {

std::string ListLiteral(const std::vector<std::string>& paths) {
  std::string out = "[";
  for (size_t i = 0; i < paths.size(); i++) out += (i ? ", " : "") + SqlStringLiteral(paths[i]);
  return out + "]";
}

// A table-valued expression over the files with the columns as they are in the files.
std::string ReadFiles(const std::string& format, const std::vector<std::string>& paths) {
  if (format == "csv") {
    // Text first, cast to the manifest's types after: the files' own types come from the
    // manifest, not from sniffing. An empty quoted field is the empty string, not NULL.
    return "read_csv(" + ListLiteral(paths) +
           ", header = true, all_varchar = true, union_by_name = true, "
           "allow_quoted_nulls = false, delim = ',', quote = '\"', escape = '\"')";
  }
  if (format == "jsonl") {
    return "read_ndjson_objects(" + ListLiteral(paths) + ")";
  }
  return "read_parquet(" + ListLiteral(paths) + ", union_by_name = true)";
}

std::string ColumnExpression(const std::string& format, const ColumnSchema& column, bool in_files) {
  const std::string type = SqlTypeName(column.type);
  const std::string name = QuoteIdentifier(column.name);
  if (!in_files) return "CAST(NULL AS " + type + ") AS " + name;
  if (format == "jsonl") {
    // The member by name, as JSON (json_extract with a list of one key: no path syntax).
    const std::string member = "json_extract(json, [" + SqlStringLiteral(column.name) + "])[1]";
    const std::string text = "(CASE WHEN json_type(" + member + ") = 'NULL' THEN NULL ELSE " +
                             "json_extract_string(json, [" + SqlStringLiteral(column.name) +
                             "])[1] END)";
    if (column.type.id == TypeId::kJson) {
      return "(CASE WHEN json_type(" + member + ") = 'NULL' THEN NULL ELSE " + member +
             " END) AS " + name;
    }
    if (column.type.id == TypeId::kBinary) return "from_base64(" + text + ") AS " + name;
    return "CAST(" + text + " AS " + type + ") AS " + name;
  }
  return "CAST(" + name + " AS " + type + ") AS " + name;
}

std::vector<std::string> Lines(const std::vector<DuckDbConnection::Row>& rows) {
  std::vector<std::string> out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.values.size(); i++) {
      line += (i ? "|" : "") + (row.nulls[i] ? std::string("NULL") : row.values[i]);
    }
    out.push_back(line);
  }
  return out;
}

class Mirror {
 public:
  Mirror(Storage& storage, const std::string& prefix) : storage_(storage), prefix_(prefix) {
    local_ = prefix.rfind("file://", 0) == 0;
    if (!local_) {
      dir_ = std::filesystem::temp_directory_path() /
             ("sluice_fs_mirror_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++));
      std::filesystem::create_directories(dir_);
    }
  }
  ~Mirror() {
    if (!local_) std::filesystem::remove_all(dir_);
  }
  // A local path holding the object prefix + relative.
  std::string Path(const std::string& relative) {
    if (local_) return LocalPath(prefix_ + relative);
    std::string flat = relative;
    for (char& c : flat) c = c == '/' ? '#' : c;
    const std::string path = (dir_ / flat).string();
    auto in = storage_.OpenRead(prefix_ + relative);
    std::ofstream out(path, std::ios::binary);
    char buf[1 << 16];
    size_t n;
    while ((n = in->Read(buf, sizeof buf)) > 0) out.write(buf, std::streamsize(n));
    return path;
  }

 private:
  static inline int counter_ = 0;
  Storage& storage_;
  std::string prefix_;
  bool local_;
  std::filesystem::path dir_;
};

void CreateView(DuckDbConnection& con, Mirror& mirror, const std::string& format,
                const std::string& name, const std::vector<ColumnSchema>& columns,
                const std::vector<ManifestFile>& files) {
  std::vector<std::string> paths;
  for (const ManifestFile& f : files) paths.push_back(mirror.Path(f.path));
  std::string select;
  if (paths.empty()) {
    for (const auto& c : columns) {
      select += (select.empty() ? "" : ", ") + ColumnExpression(format, c, false);
    }
    con.Execute("CREATE VIEW " + QuoteIdentifier(name) + " AS SELECT " + select + " WHERE false");
    return;
  }
  const std::string source = ReadFiles(format, paths);
  std::vector<std::string> present;
  if (format != "jsonl") {
    for (const auto& row :
         con.Query("SELECT column_name FROM (DESCRIBE SELECT * FROM " + source + ")")) {
      present.push_back(row.values[0]);
    }
  }
  for (const auto& c : columns) {
    const bool in_files =
        format == "jsonl" || std::find(present.begin(), present.end(), c.name) != present.end();
    select += (select.empty() ? "" : ", ") + ColumnExpression(format, c, in_files);
  }
  con.Execute("CREATE VIEW " + QuoteIdentifier(name) + " AS SELECT " + select + " FROM " + source);
}

}  // namespace

std::vector<std::string> QueryFilesystemDestination(Storage& storage, const std::string& prefix,
                                                    const std::string& sql) {
  const ManifestCatalog catalog = ManifestCatalog::Read(storage, prefix);
  DuckDbConnection con(":memory:");
  Mirror mirror(storage, prefix);
  std::string format = "parquet";
  if (!catalog.manifests().empty()) format = catalog.manifests().back().format;
  for (const TableSchema& t : catalog.AllTables()) {
    CreateView(con, mirror, format, t.name, t.columns, catalog.CurrentFiles(t.name));
  }
  con.Execute(
      "CREATE TABLE _sluice_loads (load_id VARCHAR, pipeline VARCHAR, mode VARCHAR, "
      "status VARCHAR, kind VARCHAR)");
  con.Execute(
      "CREATE TABLE _sluice_schemas (pipeline VARCHAR, table_name VARCHAR, version_hash VARCHAR, "
      "load_id VARCHAR)");
  con.Execute(
      "CREATE TABLE _sluice_state (pipeline VARCHAR, resource VARCHAR, key VARCHAR, value "
      "VARCHAR, load_id VARCHAR)");
  std::vector<ManifestFile> rejects;
  std::set<std::string> pipelines;
  for (const LoadManifest& m : catalog.manifests()) {
    if (m.kind == "load") {
      con.ExecuteWithParams("INSERT INTO _sluice_loads VALUES (?, ?, ?, 'committed', ?)",
                            {m.load_id, m.pipeline, m.mode, m.kind});
    }
    for (const SchemaVersion& v : m.schemas) {
      con.ExecuteWithParams("INSERT INTO _sluice_schemas VALUES (?, ?, ?, ?)",
                            {m.pipeline, v.table, v.version_hash, m.load_id});
    }
    rejects.insert(rejects.end(), m.reject_files.begin(), m.reject_files.end());
    pipelines.insert(m.pipeline);
  }
  for (const std::string& p : pipelines) {
    for (const StateEntry& e : catalog.State(p)) {
      con.ExecuteWithParams("INSERT INTO _sluice_state VALUES (?, ?, ?, ?, ?)",
                            {p, e.resource, e.key, e.value, e.load_id});
    }
  }
  const DataType text = DataType::Of(TypeId::kText), i64 = DataType::Of(TypeId::kInt64);
  CreateView(con, mirror, format, "_sluice_rejects",
             {{"load_id", text},
              {"table_name", text},
              {"source", text},
              {"line", i64},
              {"byte_offset", i64},
              {"column_name", text},
              {"raw", text},
              {"reason", text}},
             rejects);
  return Lines(con.Query(sql));
}

}  // namespace sluice::testing_util
