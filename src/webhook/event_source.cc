#include "webhook/event_source.h"

#include <simdjson.h>

#include <ctime>

#include "core/json_string.h"
#include "normalize/json_flattener.h"

namespace sluice {

namespace {

constexpr const char* kEventIdColumn = "_event_id";
constexpr const char* kReceivedAtColumn = "_received_at";

class EventSource final : public Source {
 public:
  EventSource(EventSourceOptions options, std::vector<SpoolRecord> events)
      : options_(std::move(options)),
        events_(std::move(events)),
        files_{InputFile{"webhook:" + options_.table, -1, "", 0}},
        flattener_(JsonFlattenOptions{options_.table, options_.max_nesting,
                                      options_.keyed ? std::vector<std::string>{kEventIdColumn}
                                                     : std::vector<std::string>{}}) {}

  const std::vector<InputFile>& files() const override { return files_; }
  const std::string& table() const override { return options_.table; }

  bool ReadChunk(RawChunk* chunk) override {
    if (next_ >= events_.size()) return false;
    chunk->sequence = sequence_++;
    chunk->file_index = 0;
    chunk->first_in_file = next_ == 0;
    chunk->byte_offset = next_;  // event index: the events live in the source, not the chunk
    const size_t end = std::min(events_.size(), next_ + options_.events_per_chunk);
    chunk->stored_bytes = 0;
    for (size_t i = next_; i < end; i++) chunk->stored_bytes += events_[i].body.size();
    chunk->data.clear();
    next_ = end;
    return true;
  }

  ParsedChunk ParseChunk(RawChunk chunk) override {
    ParsedChunk out;
    out.sequence = chunk.sequence;
    out.file_index = chunk.file_index;
    out.first_in_file = chunk.first_in_file;
    out.stored_bytes = chunk.stored_bytes;
    const size_t begin = chunk.byte_offset;
    const size_t end = std::min(events_.size(), begin + options_.events_per_chunk);
    JsonBatchBuilder builder(&flattener_);
    std::string error;
    for (size_t i = begin; i < end; i++) {
      const SpoolRecord& e = events_[i];
      const std::string doc = DocumentWithEventColumns(e);
      // The spool position identifies the event for its root id when it has no event id.
      const std::string where = options_.spool_id + "/" + e.route + "@" +
                                std::to_string(e.position.segment) + ":" +
                                std::to_string(e.position.offset);
      if (builder.AddUnpadded(doc, where, e.position.offset, 0, &error)) continue;
      RejectedRecord r;
      r.table = options_.table;
      r.source = where;
      r.byte_offset = e.position.offset;
      r.raw = e.body.substr(0, RejectedRecord::kMaxRawBytes);
      r.reason = error;
      out.rejects.push_back(std::move(r));
    }
    out.batches = builder.Finish();
    return out;
  }

  void HintColumnType(const std::string& table, const std::string& column,
                      InferredType type) override {
    flattener_.tracker().Observe(table, column, type);
  }

 private:
  EventSourceOptions options_;
  std::vector<SpoolRecord> events_;
  std::vector<InputFile> files_;
  JsonFlattener flattener_;
  size_t next_ = 0;
  uint64_t sequence_ = 0;
};

// Members of the body's top-level object, re-serialized, with our column names renamed.
bool RenamedMembers(const std::string& body, std::string* members) {
  simdjson::dom::parser parser;
  simdjson::dom::object object;
  if (parser.parse(body).get_object().get(object)) return false;
  for (auto field : object) {
    std::string key(field.key);
    if (key == kEventIdColumn || key == kReceivedAtColumn) key += "_2";
    if (!members->empty()) *members += ',';
    AppendJsonString(key, members);
    *members += ':';
    *members += simdjson::minify(field.value);
  }
  return true;
}

}  // namespace

std::string IsoTimestampMicros(int64_t micros) {
  const std::time_t seconds = static_cast<std::time_t>(micros / 1000000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(micros % 1000000));
  return buf;
}

std::string DocumentWithEventColumns(const SpoolRecord& event) {
  // Receivers strip a UTF-8 byte order mark before spooling; spools written before did not.
  constexpr std::string_view kBom = "\xEF\xBB\xBF";
  std::string_view body = event.body;
  if (body.starts_with(kBom)) body.remove_prefix(kBom.size());
  const size_t open = body.find_first_not_of(" \t\r\n");
  if (open == std::string::npos || body[open] != '{') return std::string(body);
  std::string doc = "{";
  if (event.has_id) {
    AppendJsonString(kEventIdColumn, &doc);
    doc += ':';
    AppendJsonString(event.event_id, &doc);
    doc += ',';
  }
  AppendJsonString(kReceivedAtColumn, &doc);
  doc += ":\"" + IsoTimestampMicros(event.received_at_micros) + "\"";
  std::string members;
  if (body.find("\"_event_id\"") != std::string::npos ||
      body.find("\"_received_at\"") != std::string::npos) {
    if (!RenamedMembers(std::string(body), &members)) return std::string(body);
  } else {
    const size_t first = body.find_first_not_of(" \t\r\n", open + 1);
    if (first == std::string::npos) return std::string(body);
    if (body[first] == '}') return doc + "}";
    doc += ',';
    doc += body.substr(first);
    return doc;
  }
  return members.empty() ? doc + "}" : doc + "," + members + "}";
}

std::unique_ptr<Source> MakeEventSource(EventSourceOptions options,
                                        std::vector<SpoolRecord> events) {
  return std::make_unique<EventSource>(std::move(options), std::move(events));
}

}  // namespace sluice
