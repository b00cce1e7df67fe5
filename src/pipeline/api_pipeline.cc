#include "pipeline/api_pipeline.h"

#include <map>
#include <memory>
#include <set>

#include "api/api_client.h"
#include "api/json_path.h"
#include "config/secrets.h"
#include "core/error.h"
#include "core/identifiers.h"
#include "core/json_string.h"
#include "destinations/destination.h"
#include "pipeline/runner.h"
#include "schema/schema_contract.h"
#include "sources/api/api_resource_source.h"
#include "sources/api/record_cursor.h"
#include "storage/storage.h"

namespace sluice {
namespace {

constexpr const char* kPendingParentsKey = "pending_parents";

std::string SourceName(const ApiSourceConfig& s, size_t index, size_t count) {
  std::string name = !s.name.empty()                             ? s.name
                     : s.type == ApiSourceConfig::Type::kGraphql ? "graphql"
                                                                 : "rest_api";
  if (s.name.empty() && count > 1) name += "_" + std::to_string(index + 1);
  return name;
}

// A record path as the flattener names its column: `user.id` -> "user__id".
std::string ColumnFor(const std::string& path) {
  const JsonPath parsed = JsonPath::Parse(path);
  std::string column = parsed.ColumnName();
  if (column.empty()) {
    throw UsageError("primary_key '" + path + "' must name a field, not an index or wildcard");
  }
  std::string out;
  size_t start = 0;
  while (start <= column.size()) {
    size_t sep = column.find("__", start);
    if (sep == std::string::npos) sep = column.size();
    if (!out.empty()) out += "__";
    out += NormalizeIdentifier(column.substr(start, sep - start));
    start = sep + 2;
  }
  return out;
}

// Parents before children; each resource once.
std::vector<const ResourceConfig*> InRunOrder(const ApiSourceConfig& source) {
  std::vector<const ResourceConfig*> order;
  std::set<std::string> placed;
  for (size_t round = 0; round <= source.resources.size(); round++) {
    for (const auto& r : source.resources) {
      if (placed.count(r.name)) continue;
      if (r.parent.empty() || placed.count(r.parent)) {
        order.push_back(&r);
        placed.insert(r.name);
      }
    }
  }
  if (order.size() != source.resources.size()) {
    throw UsageError("the resources' parents form a cycle or name an unknown resource");
  }
  return order;
}

LoadPlan PlanFor(const ResourceConfig& r, const std::string& pipeline) {
  LoadPlan plan;
  plan.pipeline = pipeline;
  plan.mode = ParseWriteMode(r.write_disposition);
  plan.merge_strategy = ParseMergeStrategy(r.merge_strategy);
  for (const auto& k : r.primary_key) plan.primary_key.push_back(ColumnFor(k));
  plan.root_table = NormalizeIdentifier(r.table.empty() ? r.name : r.table);
  if (plan.root_table.rfind("_sluice_", 0) == 0) {
    throw UsageError("resource '" + r.name + "': table names starting with _sluice_ are sluice's");
  }
  if (plan.mode == WriteMode::kMerge && plan.primary_key.empty()) {
    throw UsageError("resource '" + r.name + "': write_disposition merge needs a primary_key");
  }
  if (r.incremental) {
    if (plan.mode == WriteMode::kReplace) {
      throw UsageError("resource '" + r.name +
                       "': an incremental resource loads only new records; with replace they "
                       "would be all the table keeps. Use append or merge");
    }
    if (!r.incremental->lag.empty() && plan.mode != WriteMode::kMerge) {
      throw UsageError("resource '" + r.name +
                       "': an incremental lag loads the window's records again; use it with "
                       "write_disposition merge, which replaces them by key");
    }
  }
  return plan;
}

struct StoredState {
  std::map<std::string, std::map<std::string, std::string>>
      by_resource;  // resource -> key -> value
  const std::string* Find(const std::string& resource, const std::string& key) const {
    auto r = by_resource.find(resource);
    if (r == by_resource.end()) return nullptr;
    auto k = r->second.find(key);
    return k == r->second.end() ? nullptr : &k->second;
  }
};

StoredState ReadStoredState(Destination& destination, const std::string& pipeline) {
  StoredState state;
  for (auto& e : destination.ReadState(pipeline)) {
    state.by_resource[e.resource][e.key] = std::move(e.value);
  }
  return state;
}

// One entry per distinct set of resolved values (a parent seen twice, e.g. still pending from a
// failed child run and captured again): the latest capture wins, in first-seen order.
std::vector<ParentRecord> WithoutRepeats(std::vector<ParentRecord> records) {
  std::map<std::string, size_t> slot;
  std::vector<ParentRecord> out;
  for (auto& r : records) {
    std::string key;
    for (const auto& [name, value] : r.resolved) key += name + '\x1f' + value + '\x1e';
    auto [it, inserted] = slot.emplace(key, out.size());
    if (inserted) {
      out.push_back(std::move(r));
    } else {
      out[it->second] = std::move(r);
    }
  }
  return out;
}

// Everything about a resource that can be refused before anything loads (exit code 2, no
// resource half-run): dispositions, keys, cursor settings, GraphQL endpoint keys.
void CheckResources(const ApiSourceConfig& source) {
  std::map<std::string, const ResourceConfig*> by_name;
  for (const auto& r : source.resources) by_name[r.name] = &r;
  for (const auto& r : source.resources) {
    const LoadPlan plan = PlanFor(r, "check");
    if (r.incremental) {
      RecordCursor::ValidateLag(r.incremental->lag);
      JsonPath::Parse(r.incremental->cursor_path);
    }
    if (source.type == ApiSourceConfig::Type::kGraphql &&
        (!r.endpoint.json_body.empty() || r.endpoint.method != "POST")) {
      throw UsageError("resource '" + r.name +
                       "': GraphQL requests are POSTs built from the source's query and "
                       "variables; endpoint.json and endpoint.method do not apply");
    }
    const PaginatorConfig& pages =
        r.endpoint.paginator ? *r.endpoint.paginator : source.client.paginator;
    if (source.type == ApiSourceConfig::Type::kRestApi &&
        pages.type == PaginatorConfig::Type::kCursor && !pages.cursor_body_path.empty() &&
        r.endpoint.method != "POST") {
      throw UsageError("resource '" + r.name +
                       "': a cursor sent in the JSON body (cursor_body_path) needs method POST");
    }
    // A child of an incremental parent sees only the new parents' children each run: replacing
    // its table with them would drop everything else.
    if (plan.mode == WriteMode::kReplace) {
      for (const ResourceConfig* a = by_name.count(r.parent) ? by_name[r.parent] : nullptr; a;
           a = by_name.count(a->parent) ? by_name[a->parent] : nullptr) {
        if (a->incremental) {
          throw UsageError("resource '" + r.name +
                           "': write_disposition replace under the "
                           "incremental resource '" +
                           a->name +
                           "' would keep only the children of its new records; use append or "
                           "merge");
        }
      }
    }
  }
}

class PipelineRun {
 public:
  PipelineRun(const PipelineConfig& config, const ApiRunOptions& options)
      : config_(config), options_(options) {}

  std::vector<ResourceRun> Run() {
    std::vector<ResourceRun> runs;
    std::set<std::string> wanted = Wanted();
    for (const auto& source : config_.sources) CheckResources(source);
    for (size_t s = 0; s < config_.sources.size(); s++) {
      const ApiSourceConfig& source = config_.sources[s];
      const std::string source_name = SourceName(source, s, config_.sources.size());
      ApiClient client(source.client);
      std::map<std::string, std::string> outcome;  // resource -> status
      for (const ResourceConfig* r : InRunOrder(source)) {
        if (!wanted.empty() && !wanted.count(r->name)) continue;
        ResourceRun run;
        run.source = source_name;
        run.resource = r->name;
        if (!r->parent.empty() && outcome[r->parent] != "committed") {
          run.status = "skipped";
          run.report.status = "skipped";
          run.report.error = "parent resource '" + r->parent + "' did not load";
        } else {
          RunResource(source, source_name, *r, client, &run);
        }
        outcome[r->name] = run.status;
        runs.push_back(std::move(run));
      }
    }
    return runs;
  }

 private:
  // The resources asked for plus their ancestors.
  std::set<std::string> Wanted() const {
    std::set<std::string> wanted(options_.only.begin(), options_.only.end());
    if (wanted.empty()) return wanted;
    for (bool grew = true; grew;) {
      grew = false;
      for (const auto& source : config_.sources) {
        for (const auto& r : source.resources) {
          if (wanted.count(r.name) && !r.parent.empty() && wanted.insert(r.parent).second) {
            grew = true;
          }
        }
      }
    }
    for (const auto& name : options_.only) {
      bool known = false;
      for (const auto& source : config_.sources) {
        for (const auto& r : source.resources) known |= r.name == name;
      }
      if (!known) throw UsageError("no resource named '" + name + "' in " + config_.file);
    }
    return wanted;
  }

  static std::string StateResource(const std::string& source_name, const std::string& resource) {
    return source_name + "." + resource;
  }

  void RunResource(const ApiSourceConfig& source, const std::string& source_name,
                   const ResourceConfig& r, ApiClient& client, ResourceRun* run) {
    LoadReport& report = run->report;
    report.pipeline = config_.pipeline;
    try {
      std::unique_ptr<Destination> destination = OpenDestination(config_.destination);
      LoadPlan plan = PlanFor(r, config_.pipeline);
      if (const size_t max = destination->MaxIdentifierBytes();
          max && plan.root_table.size() > max) {
        plan.root_table = ShortenIdentifier(plan.root_table, max);
      }
      plan.load_id = NewLoadId();
      const std::string state_resource = StateResource(source_name, r.name);
      const StoredState stored = ReadStoredState(*destination, config_.pipeline);

      std::unique_ptr<RecordCursor> cursor;
      if (r.incremental) {
        const std::string* value = stored.Find(state_resource, RecordCursor::StateKey());
        cursor = std::make_unique<RecordCursor>(*r.incremental, r.primary_key, value ? *value : "");
      }
      // Children: what each needs from this resource's records.
      std::vector<const ResourceConfig*> children;
      std::vector<std::unique_ptr<ParentFieldExtractor>> extractors;
      for (const auto& c : source.resources) {
        if (c.parent != r.name) continue;
        children.push_back(&c);
        extractors.push_back(
            std::make_unique<ParentFieldExtractor>(r.name, c.resolve, c.include_from_parent));
      }
      std::vector<ParentRecord> parents;
      if (!r.parent.empty()) {
        if (const std::string* pending = stored.Find(state_resource, kPendingParentsKey)) {
          parents = ParentRecordsFromJson(*pending);
        }
      }

      ApiResourceContext context;
      context.source = &source;
      context.resource = &r;
      context.client = &client;
      context.table = plan.root_table;
      context.key_columns = plan.primary_key;
      context.cursor = cursor.get();
      context.parents = r.parent.empty() ? nullptr : &parents;
      for (const auto& e : extractors) context.child_fields.push_back(e.get());
      for (const ResourceConfig* c : children) {
        context.child_tables.push_back(NormalizeIdentifier(c->table.empty() ? c->name : c->table));
      }
      if (plan.primary_key.empty()) context.id_salt = plan.load_id;
      context.emit_rows = r.selected;
      ApiResourceSource api(std::move(context));
      report.source = api.files().front().path;

      RunOptions options;
      options.workers = options_.workers;
      options.max_bad_rows = config_.max_bad_rows;
      options.progress = options_.progress;
      options.contract = SchemaContract::Parse(r.schema_contract);
      options.final_state = [&] {
        std::vector<StateEntry> state;
        if (cursor) {
          const std::string value = cursor->StateJson();
          if (!value.empty()) {
            state.push_back(
                {config_.pipeline, state_resource, RecordCursor::StateKey(), value, "", ""});
          }
        }
        // This load fetched the children of its pending parents: they are done.
        if (!r.parent.empty()) {
          state.push_back({config_.pipeline, state_resource, kPendingParentsKey, "", "", ""});
        }
        for (size_t i = 0; i < children.size(); i++) {
          const std::string child_resource = StateResource(source_name, children[i]->name);
          std::vector<ParentRecord> pending;
          if (const std::string* earlier = stored.Find(child_resource, kPendingParentsKey)) {
            pending = ParentRecordsFromJson(*earlier);
          }
          for (auto& p : api.TakeCaptured(i)) pending.push_back(std::move(p));
          pending = WithoutRepeats(std::move(pending));
          state.push_back({config_.pipeline, child_resource, kPendingParentsKey,
                           pending.empty() ? "" : ParentRecordsToJson(pending), "", ""});
        }
        return state;
      };
      RunLoad(api, *destination, plan, options, &report);
      if (cursor) report.rows_skipped = cursor->skipped();
      run->status = "committed";
      run->pages = api.stats().pages;
      run->records_received = api.stats().records;
      run->records_filtered = api.stats().filtered;
    } catch (const std::exception& e) {
      run->status = "failed";
      report.status = "failed";
      report.error = RedactSecrets(e.what());
    }
  }

  const PipelineConfig& config_;
  const ApiRunOptions& options_;
};

std::string Escaped(const std::string& s) {
  std::string out;
  AppendJsonString(s, &out);
  return out;
}

}  // namespace

std::vector<ResourceRun> RunApiPipeline(const PipelineConfig& config,
                                        const ApiRunOptions& options) {
  return PipelineRun(config, options).Run();
}

std::string RenderApiRunJson(const PipelineConfig& config, const std::vector<ResourceRun>& runs) {
  std::string status = "committed";
  for (const auto& r : runs) {
    if (r.status != "committed") status = "failed";
  }
  std::string out = "{\"pipeline\":" + Escaped(config.pipeline) +
                    ",\"destination\":" + Escaped(RedactedUri(config.destination)) +
                    ",\"status\":" + Escaped(status) + ",\"resources\":[";
  for (size_t i = 0; i < runs.size(); i++) {
    const ResourceRun& r = runs[i];
    if (i) out += ',';
    std::string load = RenderJsonReport(r.report);
    out += "{\"source\":" + Escaped(r.source) + ",\"resource\":" + Escaped(r.resource) +
           ",\"pages\":" + std::to_string(r.pages) +
           ",\"records_received\":" + std::to_string(r.records_received) +
           ",\"records_filtered\":" + std::to_string(r.records_filtered) + ",\"load\":" + load +
           "}";
  }
  return out + "]}";
}

std::string RenderApiRunHuman(const std::vector<ResourceRun>& runs) {
  std::string out;
  for (const auto& r : runs) {
    out += "resource " + r.source + "." + r.resource + ": ";
    if (r.status == "committed") {
      out += std::to_string(r.pages) + " pages, " + std::to_string(r.records_received) +
             " records received";
      if (r.records_filtered) out += ", " + std::to_string(r.records_filtered) + " filtered out";
      if (r.report.rows_skipped) {
        out += ", " + std::to_string(r.report.rows_skipped) + " already loaded (cursor)";
      }
      out += "\n  " + RenderHumanReport(r.report);
    } else {
      out += r.status + ": " + r.report.error + "\n";
    }
  }
  return out;
}

}  // namespace sluice
