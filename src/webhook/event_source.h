#pragma once
// Spooled webhook events as a Source for RunLoad: each body is flattened into the route table
// (and its child tables) exactly as the JSON reader flattens a document, plus two columns:
// `_event_id` (when the route has an id_path) and `_received_at` (UTC timestamp).
#include <memory>
#include <string>
#include <vector>

#include "sources/source.h"
#include "webhook/event_spool.h"

namespace sluice {

struct EventSourceOptions {
  std::string table;  // normalized root table name
  int max_nesting = 5;
  bool keyed = false;  // root `_sluice_id` from `_event_id` (merge by event id)
  // Without an event id, the root `_sluice_id` comes from spool id, route and spool position:
  // unique across spools and stable when a batch is read again.
  std::string spool_id;
  size_t events_per_chunk = 512;
};

std::unique_ptr<Source> MakeEventSource(EventSourceOptions options,
                                        std::vector<SpoolRecord> events);

// The body with `_event_id` / `_received_at` added as its first members (body members that
// already use those names become `_event_id_2` / `_received_at_2`). The body must be a JSON
// object; on a body that is not, returns it unchanged (the flattener rejects it).
std::string DocumentWithEventColumns(const SpoolRecord& event);

// Microseconds since the epoch as "2026-11-26T09:52:16.123456Z".
std::string IsoTimestampMicros(int64_t micros);

}  // namespace sluice
