#pragma once
// One resource of a REST or GraphQL source as a sluice::Source (docs/api-sources.md): fetcher
// threads walk the endpoint's pages (one series per parent record for a child resource, up to
// the client's max_concurrency at once), select the records, apply filters and the incremental
// cursor, and hand each page to the runner as a chunk of NDJSON; parse workers flatten the
// records with the JSON reader's flattener, so nested records become the same child tables.
// A page that still fails after the client's retries, or is not JSON, fails the resource (its
// load rolls back, its state does not move).
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "api/api_client.h"
#include "config/pipeline_config.h"
#include "sources/api/record_cursor.h"
#include "sources/api/record_shaper.h"
#include "sources/source.h"

namespace sluice {

struct ApiResourceContext {
  const ApiSourceConfig* source = nullptr;
  const ResourceConfig* resource = nullptr;
  ApiClient* client = nullptr;
  std::string table;                     // normalized root table
  std::vector<std::string> key_columns;  // normalized primary key (stable _sluice_id)
  RecordCursor* cursor = nullptr;        // incremental; may be null
  // Child resource: one series of requests per parent record (their fields fill the path,
  // params or GraphQL variables, and carried fields go into every record).
  const std::vector<ParentRecord>* parents = nullptr;
  // Parent resource: per child, the fields it needs are extracted from every loaded record.
  std::vector<const ParentFieldExtractor*> child_fields;
  std::vector<std::string> child_tables;  // per child: the table its rejects are recorded for
  // Mixed into the row ids of records without a primary key, so two runs' rows never share
  // ids (the load id).
  std::string id_salt;
  bool emit_rows = true;  // false: the resource only feeds its children
};

struct ApiResourceStats {
  std::atomic<uint64_t> pages{0};
  std::atomic<uint64_t> records{0};  // selected from responses, before filters
  std::atomic<uint64_t> filtered{0};
};

class ApiResourceSource final : public Source {
 public:
  explicit ApiResourceSource(ApiResourceContext context);
  ~ApiResourceSource() override;

  const std::vector<InputFile>& files() const override;
  const std::string& table() const override;
  bool ReadChunk(RawChunk* chunk) override;
  ParsedChunk ParseChunk(RawChunk chunk) override;
  void HintColumnType(const std::string& table, const std::string& column,
                      InferredType type) override;

  const ApiResourceStats& stats() const;
  // Parent records captured for child `i` of context.child_fields (valid after the source is
  // exhausted).
  std::vector<ParentRecord> TakeCaptured(size_t i);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice
