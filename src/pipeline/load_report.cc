#include "pipeline/load_report.h"

#include <cstdio>

#include "core/json_string.h"
#include "core/value_parse.h"

namespace sluice {

uint64_t LoadReport::rows_loaded() const {
  uint64_t n = 0;
  for (const auto& [name, t] : tables) n += t.rows_loaded;
  return n;
}

namespace {
std::string Iso(int64_t micros) {
  char buf[40];
  size_t n = FormatTimestamp(micros, false, buf);
  buf[10] = 'T';
  return std::string(buf, n) + "Z";
}
void Field(std::string* out, const char* name) {
  if (out->back() != '{') out->push_back(',');
  AppendJsonString(name, out);
  out->push_back(':');
}
}  // namespace

std::string RenderJsonReport(const LoadReport& r) {
  std::string out = "{";
  Field(&out, "load_id"), AppendJsonString(r.load_id, &out);
  Field(&out, "pipeline"), AppendJsonString(r.pipeline, &out);
  Field(&out, "status"), AppendJsonString(r.status, &out);
  if (!r.error.empty()) Field(&out, "error"), AppendJsonString(r.error, &out);
  Field(&out, "source"), AppendJsonString(r.source, &out);
  Field(&out, "destination"), AppendJsonString(r.destination, &out);
  Field(&out, "mode"), AppendJsonString(r.mode, &out);
  Field(&out, "started_at"), AppendJsonString(Iso(r.started_at_micros), &out);
  Field(&out, "finished_at"), AppendJsonString(Iso(r.finished_at_micros), &out);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f", r.duration_seconds());
  Field(&out, "duration_seconds"), out += buf;
  Field(&out, "files"), out += std::to_string(r.files);
  Field(&out, "bytes_read"), out += std::to_string(r.bytes_read);
  Field(&out, "bytes_decoded"), out += std::to_string(r.bytes_decoded);
  Field(&out, "rows_loaded"), out += std::to_string(r.rows_loaded());
  Field(&out, "rows_rejected"), out += std::to_string(r.rows_rejected);
  Field(&out, "rows_skipped"), out += std::to_string(r.rows_skipped);
  Field(&out, "values_discarded"), out += std::to_string(r.values_discarded);
  Field(&out, "variant_values"), out += std::to_string(r.variant_values);
  Field(&out, "schema_changes"), out += "[";
  for (size_t i = 0; i < r.schema_changes.size(); i++) {
    if (i) out += ",";
    AppendJsonString(r.schema_changes[i], &out);
  }
  out += "]";
  Field(&out, "tables"), out += "[";
  bool first = true;
  for (const auto& [name, t] : r.tables) {
    if (!first) out += ",";
    first = false;
    out += "{";
    Field(&out, "name"), AppendJsonString(name, &out);
    Field(&out, "rows_loaded"), out += std::to_string(t.rows_loaded);
    Field(&out, "rows_rejected"), out += std::to_string(t.rows_rejected);
    out += "}";
  }
  out += "]}";
  return out;
}

std::string RenderHumanReport(const LoadReport& r) {
  char buf[256];
  std::string out;
  const double secs = r.duration_seconds();
  std::snprintf(buf, sizeof buf, "%s: %llu rows into %s in %.2f s (%.1f MB/s), load %s\n",
                r.status.c_str(), static_cast<unsigned long long>(r.rows_loaded()),
                r.destination.c_str(), secs, secs > 0 ? r.bytes_decoded / 1e6 / secs : 0.0,
                r.load_id.c_str());
  out += buf;
  for (const auto& [name, t] : r.tables) {
    std::snprintf(buf, sizeof buf, "  %-32s %12llu rows", name.c_str(),
                  static_cast<unsigned long long>(t.rows_loaded));
    out += buf;
    if (t.rows_rejected) {
      std::snprintf(buf, sizeof buf, "  %llu rejected",
                    static_cast<unsigned long long>(t.rows_rejected));
      out += buf;
    }
    out += "\n";
  }
  if (r.rows_rejected && r.status == "committed") {
    std::snprintf(buf, sizeof buf,
                  "%llu rejected rows are in table _sluice_rejects (load_id '%s'); first ones:\n",
                  static_cast<unsigned long long>(r.rows_rejected), r.load_id.c_str());
    out += buf;
    for (const auto& rej : r.first_rejects) {
      out += "  " + rej.source + ":" + std::to_string(rej.line) + ": " + rej.reason;
      if (!rej.column.empty()) out += " (column " + rej.column + ")";
      out += "\n";
    }
  }
  for (const auto& change : r.schema_changes) out += "  schema: " + change + "\n";
  if (r.rows_skipped) {
    out += "  " + std::to_string(r.rows_skipped) +
           " rows skipped: an earlier load has them (incremental cursor)\n";
  }
  if (r.variant_values) {
    out += "  " + std::to_string(r.variant_values) +
           " values did not fit their column's type and went to variant columns (*__v_<type>)\n";
  }
  if (r.values_discarded) {
    out += "  " + std::to_string(r.values_discarded) +
           " values were discarded by the schema contract (discard_value)\n";
  }
  if (!r.error.empty()) out += "error: " + r.error + "\n";
  return out;
}

}  // namespace sluice
