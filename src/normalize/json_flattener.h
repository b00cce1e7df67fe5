#pragma once
// Flattens JSON documents into rows of a root table plus child tables (rules: docs/json.md).
// Nested objects become `parent__child` columns; arrays become child tables linked by
// `_sluice_parent_id` and `_sluice_list_idx`; every row gets a deterministic `_sluice_id`.
// Value types are joined per column over a whole batch (with hints from earlier batches) before
// the typed columns are built. Knows nothing about files, so API sources can reuse it.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/batch.h"
#include "normalize/json_names.h"
#include "normalize/schema_tracker.h"

namespace sluice {

// Readable bytes JsonBatchBuilder::Add needs after a document (simdjson's padding).
inline constexpr size_t kJsonPadding = 64;

struct JsonFlattenOptions {
  // Name of the root table (already a valid identifier); child tables are `<table>__<path>`.
  std::string table;
  // Levels of nested objects/arrays below the root that are expanded; deeper values are stored
  // as compact JSON text in a json column. 0 stores every nested value as JSON.
  int max_nesting = 5;
  // Root column names (as sluice names them, e.g. "user__id") whose values make the root
  // `_sluice_id`, so re-loads of the same record get the same id. Empty: id from position.
  std::vector<std::string> primary_key;
};

// State shared by all batches of one source: options, names, type hints. Thread-safe.
class JsonFlattener {
 public:
  explicit JsonFlattener(JsonFlattenOptions options);
  const JsonFlattenOptions& options() const { return options_; }
  JsonNames& names() { return names_; }
  SchemaTracker& tracker() { return tracker_; }

 private:
  JsonFlattenOptions options_;
  JsonNames names_;
  SchemaTracker tracker_;
};

// Collects the rows of one batch. Used by one thread at a time; any number of builders may share
// one JsonFlattener.
class JsonBatchBuilder {
 public:
  explicit JsonBatchBuilder(JsonFlattener* flattener);
  ~JsonBatchBuilder();
  JsonBatchBuilder(const JsonBatchBuilder&) = delete;
  JsonBatchBuilder& operator=(const JsonBatchBuilder&) = delete;

  // Flattens one document, which must be a JSON object. At least kJsonPadding bytes after
  // json.size() must be readable. `source` and `position` (e.g. file path and byte offset)
  // identify the document for its root id when there is no primary key; `position` and `line`
  // (0 = unknown) become the origin of the document's rows. On failure returns false with the
  // reason in *error and keeps nothing of the document.
  bool Add(std::string_view json, std::string_view source, uint64_t position, uint64_t line,
           std::string* error);
  // Like Add() for text without padding (copies it).
  bool AddUnpadded(std::string_view json, std::string_view source, uint64_t position,
                   uint64_t line, std::string* error);

  // Documents added successfully since the last Finish().
  size_t documents() const;

  // Builds one batch per table that got rows: the root table first, then child tables in the
  // order they were first seen. Resets the builder for the next batch.
  std::vector<Batch> Finish();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice
