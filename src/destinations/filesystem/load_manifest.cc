#include "destinations/filesystem/load_manifest.h"

#include <simdjson.h>

#include <cstdio>

#include "core/error.h"
#include "core/json_string.h"
#include "core/value_parse.h"

namespace sluice {
namespace {

void Key(const char* key, std::string* out) {
  out->push_back('"');
  out->append(key);
  out->append("\":");
}

void StringField(const char* key, const std::string& value, std::string* out) {
  Key(key, out);
  AppendJsonString(value, out);
  out->push_back(',');
}

void NumberField(const char* key, uint64_t value, std::string* out) {
  Key(key, out);
  out->append(std::to_string(value));
  out->push_back(',');
}

void Files(const std::vector<ManifestFile>& files, std::string* out) {
  out->push_back('[');
  for (size_t i = 0; i < files.size(); i++) {
    if (i) out->push_back(',');
    out->append("\n      {");
    StringField("path", files[i].path, out);
    NumberField("rows", files[i].rows, out);
    Key("bytes", out);
    out->append(std::to_string(files[i].bytes) + "}");
  }
  out->push_back(']');
}

// JSON stored verbatim (state values, schemas) must be JSON; anything else is quoted.
void RawJson(const std::string& json, std::string* out) {
  simdjson::dom::parser parser;
  simdjson::dom::element element;
  if (parser.parse(json).get(element)) {
    AppendJsonString(json, out);
  } else {
    out->append(simdjson::minify(element));
  }
}

[[noreturn]] void Bad(const std::string& where, const std::string& what) {
  throw DestinationError("manifest " + where + " is not a sluice load manifest: " + what);
}

std::string Str(simdjson::dom::element e, const char* key, const std::string& where) {
  std::string_view v;
  if (e[key].get(v)) Bad(where, std::string("no string '") + key + "'");
  return std::string(v);
}

uint64_t Num(simdjson::dom::element e, const char* key, const std::string& where) {
  uint64_t v;
  if (e[key].get(v)) Bad(where, std::string("no number '") + key + "'");
  return v;
}

std::vector<ManifestFile> ParseFiles(simdjson::dom::element e, const char* key,
                                     const std::string& where) {
  std::vector<ManifestFile> out;
  simdjson::dom::array files;
  if (e[key].get(files)) Bad(where, std::string("no array '") + key + "'");
  for (auto f : files)
    out.push_back({Str(f, "path", where), Num(f, "rows", where), Num(f, "bytes", where)});
  return out;
}

}  // namespace

std::string IsoTimestamp(int64_t micros) {
  char buf[48];
  size_t n = FormatTimestamp(micros, false, buf);
  std::string out(buf, n);
  if (const size_t space = out.find(' '); space != std::string::npos) out[space] = 'T';
  return out + "Z";
}

std::string ManifestPath(uint64_t sequence, const std::string& load_id) {
  char digits[24];
  std::snprintf(digits, sizeof digits, "%020llu", static_cast<unsigned long long>(sequence));
  return std::string(kManifestDirectory) + digits + "-" + load_id + ".json";
}

DataType DataTypeFromSqlName(const std::string& name) {
  if (name == "BIGINT") return DataType::Of(TypeId::kInt64);
  if (name == "BOOLEAN") return DataType::Of(TypeId::kBoolean);
  if (name == "DOUBLE") return DataType::Of(TypeId::kDouble);
  if (name == "DATE") return DataType::Of(TypeId::kDate);
  if (name == "TIMESTAMP") return DataType::Of(TypeId::kTimestamp);
  if (name == "TIMESTAMPTZ") return DataType::Of(TypeId::kTimestampTz);
  if (name == "JSON") return DataType::Of(TypeId::kJson);
  if (name == "BLOB") return DataType::Of(TypeId::kBinary);
  if (name == "UUID") return DataType::Of(TypeId::kUuid);
  if (name.rfind("DECIMAL(18,", 0) == 0 && name.size() > 12) {
    return DataType::Decimal(uint8_t(std::stoi(name.substr(11))));
  }
  return DataType::Of(TypeId::kText);
}

std::string ManifestToJson(const LoadManifest& m) {
  std::string out = "{\n  ";
  NumberField("format_version", kManifestFormatVersion, &out);
  out += "\n  ";
  NumberField("sequence", m.sequence, &out);
  out += "\n  ";
  StringField("kind", m.kind, &out);
  out += "\n  ";
  StringField("load_id", m.load_id, &out);
  out += "\n  ";
  StringField("pipeline", m.pipeline, &out);
  out += "\n  ";
  StringField("mode", m.mode, &out);
  out += "\n  ";
  StringField("format", m.format, &out);
  StringField("compression", m.compression, &out);
  out += "\n  ";
  StringField("source", m.source, &out);
  out += "\n  ";
  StringField("started_at", m.started_at, &out);
  out += "\n  ";
  StringField("finished_at", m.finished_at, &out);
  out += "\n  ";
  StringField("committed_at", m.committed_at, &out);
  out += "\n  \"tables\":[";
  for (size_t t = 0; t < m.tables.size(); t++) {
    const ManifestTable& table = m.tables[t];
    out += t ? ",\n    {" : "\n    {";
    StringField("name", table.name, &out);
    Key("replace", &out);
    out += table.replace ? "true," : "false,";
    NumberField("rows", table.rows, &out);
    out += "\n     \"columns\":[";
    for (size_t c = 0; c < table.columns.size(); c++) {
      const ColumnSchema& column = table.columns[c];
      out += c ? ",{" : "{";
      StringField("name", column.name, &out);
      Key("type", &out);
      AppendJsonString(SqlTypeName(column.type), &out);
      auto stats = table.stats.find(column.name);
      if (stats != table.stats.end()) {
        out += ",\"non_null\":" + std::to_string(stats->second.non_null);
        out += ",\"integer_digits\":" + std::to_string(stats->second.integer_digits);
      }
      out += "}";
    }
    out += "],\n     \"files\":";
    Files(table.files, &out);
    out += "}";
  }
  out += "],\n  ";
  NumberField("rows_rejected", m.rows_rejected, &out);
  out += "\n  \"reject_files\":";
  Files(m.reject_files, &out);
  out += ",\n  \"state\":[";
  for (size_t i = 0; i < m.state.size(); i++) {
    out += i ? ",\n    {" : "\n    {";
    StringField("resource", m.state[i].resource, &out);
    StringField("key", m.state[i].key, &out);
    Key("value", &out);
    if (m.state[i].value.empty()) {
      out += "null";
    } else {
      RawJson(m.state[i].value, &out);
    }
    out += "}";
  }
  out += "],\n  \"schemas\":[";
  for (size_t i = 0; i < m.schemas.size(); i++) {
    out += i ? ",\n    {" : "\n    {";
    StringField("table", m.schemas[i].table, &out);
    StringField("version_hash", m.schemas[i].version_hash, &out);
    Key("schema", &out);
    RawJson(m.schemas[i].schema_json, &out);
    out += "}";
  }
  out += "]\n}\n";
  return out;
}

LoadManifest ParseManifest(const std::string& json, const std::string& where) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(json).get(doc)) Bad(where, "not JSON");
  uint64_t version = 0;
  if (doc["format_version"].get(version) || version != kManifestFormatVersion) {
    Bad(where, "format_version is not " + std::to_string(kManifestFormatVersion) +
                   " (written by a newer sluice?)");
  }
  LoadManifest m;
  m.sequence = Num(doc, "sequence", where);
  m.kind = Str(doc, "kind", where);
  m.load_id = Str(doc, "load_id", where);
  m.pipeline = Str(doc, "pipeline", where);
  m.mode = Str(doc, "mode", where);
  m.format = Str(doc, "format", where);
  m.compression = Str(doc, "compression", where);
  m.source = Str(doc, "source", where);
  m.started_at = Str(doc, "started_at", where);
  m.finished_at = Str(doc, "finished_at", where);
  m.committed_at = Str(doc, "committed_at", where);
  simdjson::dom::array tables;
  if (doc["tables"].get(tables)) Bad(where, "no array 'tables'");
  for (auto t : tables) {
    ManifestTable table;
    table.name = Str(t, "name", where);
    if (t["replace"].get(table.replace)) Bad(where, "no boolean 'replace'");
    table.rows = Num(t, "rows", where);
    simdjson::dom::array columns;
    if (t["columns"].get(columns)) Bad(where, "no array 'columns'");
    for (auto c : columns) {
      ColumnSchema column{Str(c, "name", where), DataTypeFromSqlName(Str(c, "type", where))};
      uint64_t non_null = 0, digits = 0;
      if (!c["non_null"].get(non_null)) {
        if (c["integer_digits"].get(digits)) digits = 0;
        table.stats[column.name] = {non_null, uint8_t(digits)};
      }
      table.columns.push_back(std::move(column));
    }
    table.files = ParseFiles(t, "files", where);
    m.tables.push_back(std::move(table));
  }
  m.rows_rejected = Num(doc, "rows_rejected", where);
  m.reject_files = ParseFiles(doc, "reject_files", where);
  simdjson::dom::array state;
  if (doc["state"].get(state)) Bad(where, "no array 'state'");
  for (auto s : state) {
    StateEntry e;
    e.pipeline = m.pipeline;
    e.resource = Str(s, "resource", where);
    e.key = Str(s, "key", where);
    simdjson::dom::element value;
    if (s["value"].get(value)) Bad(where, "a state entry without 'value'");
    if (!value.is_null()) e.value = simdjson::minify(value);
    e.load_id = m.load_id;
    e.updated_at = m.committed_at;
    m.state.push_back(std::move(e));
  }
  simdjson::dom::array schemas;
  if (doc["schemas"].get(schemas)) Bad(where, "no array 'schemas'");
  for (auto s : schemas) {
    simdjson::dom::element schema;
    if (s["schema"].get(schema)) Bad(where, "a schema without 'schema'");
    m.schemas.push_back(
        {Str(s, "table", where), Str(s, "version_hash", where), simdjson::minify(schema)});
  }
  return m;
}

}  // namespace sluice
