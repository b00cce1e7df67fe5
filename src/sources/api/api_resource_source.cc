#include "sources/api/api_resource_source.h"

#include <xxhash.h>

#include <exception>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "api/json_path.h"
#include "api/paginator.h"
#include "config/secrets.h"
#include "core/bounded_queue.h"
#include "core/error.h"
#include "core/json_string.h"
#include "core/value_parse.h"
#include "normalize/json_flattener.h"
#include "normalize/json_syntax.h"

namespace sluice {
namespace {

// A fetched page: the response body as received (parsed again by a parse worker).
struct FetchedPage {
  std::string url;
  std::string body;
  uint64_t first_ordinal = 0;  // records of the resource before this page (stable row ids)
  uint64_t stored_bytes = 0;
  const ParentRecord* parent = nullptr;
  std::vector<RejectedRecord> rejects;  // GraphQL errors (errors: partial)
};

struct PageMeta {
  std::string url;
  uint64_t first_ordinal = 0;
  const ParentRecord* parent = nullptr;
  std::vector<RejectedRecord> rejects;
};

bool IsGraphql(const ApiSourceConfig& s) {
  return s.type == ApiSourceConfig::Type::kGraphql;
}

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

// A key the JSONPath subset can quote as ['key'].
bool PlainKey(std::string_view key) {
  return key.find_first_of("'\\") == std::string_view::npos;
}

// Where the records are when the config does not say: a top-level array; else the first of the
// usual wrapper keys holding an array; else the first array of objects; else the object itself.
// GraphQL: the first connection under `data` (nodes, or edges[*].node).
std::string AutoSelector(simdjson::dom::element root, bool graphql) {
  if (root.is_array()) return "$";
  if (!root.is_object()) return "$";
  std::string prefix = "$";
  simdjson::dom::element at = root;
  if (graphql) {
    simdjson::dom::element data;
    if (root["data"].get(data) != simdjson::SUCCESS || !data.is_object()) return "data";
    prefix = "$.data";
    at = data;
    for (int depth = 0; depth < 16 && at.is_object(); depth++) {
      simdjson::dom::element v;
      if (at["nodes"].get(v) == simdjson::SUCCESS) return prefix + ".nodes";
      if (at["edges"].get(v) == simdjson::SUCCESS) return prefix + ".edges[*].node";
      simdjson::dom::object obj = at.get_object().value_unsafe();
      if (obj.size() != 1) break;
      auto field = *obj.begin();
      if (!PlainKey(field.key)) break;
      prefix += "['" + std::string(field.key) + "']";
      at = field.value;
    }
    return prefix;
  }
  static const char* kWrappers[] = {"data",  "items", "results", "records", "entries", "values",
                                    "nodes", "hits",  "rows",    "objects", "list"};
  for (const char* key : kWrappers) {
    simdjson::dom::element v;
    if (at[key].get(v) != simdjson::SUCCESS) continue;
    if (v.is_array()) return std::string("$.") + key;
    if (v.is_object()) {
      for (const char* inner : kWrappers) {
        simdjson::dom::element w;
        if (v[inner].get(w) == simdjson::SUCCESS && w.is_array()) {
          return std::string("$.") + key + "." + inner;
        }
      }
    }
  }
  const simdjson::dom::object fields = at.get_object().value_unsafe();
  for (auto field : fields) {
    if (!field.value.is_array() || !PlainKey(field.key)) continue;
    simdjson::dom::array items = field.value.get_array().value_unsafe();
    if (items.size() && (*items.begin()).is_object()) {
      return "$['" + std::string(field.key) + "']";
    }
  }
  return "$";
}

}  // namespace

struct ApiResourceSource::Impl {
  ApiResourceContext ctx;
  std::vector<InputFile> files;
  JsonFlattener flattener;
  RecordShaper shaper;
  ApiResourceStats stats;
  std::string method;
  PaginatorConfig paginator;

  std::mutex mu;
  std::vector<std::unique_ptr<JsonBatchBuilder>> builders;
  std::vector<std::unique_ptr<simdjson::dom::parser>> parsers;  // pooled for parse workers
  std::map<uint64_t, PageMeta> meta;
  std::vector<std::vector<ParentRecord>> captured;  // per child
  std::optional<JsonPath> selector;                 // resolved on the first page when automatic
  std::exception_ptr error;
  uint64_t ordinal = 0;

  BoundedQueue<FetchedPage> queue;
  std::vector<std::thread> fetchers;
  std::atomic<size_t> next_task{0};
  std::atomic<size_t> running{0};
  std::atomic<bool> cancelled{false};
  bool started = false;
  uint64_t next_sequence = 0;

  explicit Impl(ApiResourceContext c)
      : ctx(std::move(c)),
        flattener(JsonFlattenOptions{ctx.table, ctx.resource->max_nesting, ctx.key_columns}),
        shaper(*ctx.resource),
        queue(4 + size_t(std::max(1, ctx.source->client.max_concurrency))) {
    captured.resize(ctx.child_fields.size());
    const EndpointConfig& e = ctx.resource->endpoint;
    method = IsGraphql(*ctx.source) ? "POST" : e.method;
    paginator = e.paginator ? *e.paginator : ctx.source->client.paginator;
    if (IsGraphql(*ctx.source) && !e.paginator && paginator.type == PaginatorConfig::Type::kAuto) {
      paginator.type = PaginatorConfig::Type::kRelay;
    }
    if (!e.data_selector.empty()) selector = JsonPath::Parse(e.data_selector);
    InputFile f;
    f.path = UrlForDisplay(ctx.client->UrlFor(PageRequest{e.path, {}, ""}));
    files.push_back(f);
  }

  std::unique_ptr<simdjson::dom::parser> TakeParser() {
    std::lock_guard<std::mutex> lock(mu);
    if (parsers.empty()) return std::make_unique<simdjson::dom::parser>();
    auto p = std::move(parsers.back());
    parsers.pop_back();
    return p;
  }

  size_t Tasks() const { return ctx.parents ? ctx.parents->size() : 1; }

  void Start() {
    started = true;
    const size_t tasks = Tasks();
    size_t threads = 1;
    if (ctx.parents) {
      threads = std::min<size_t>(tasks, size_t(std::max(1, ctx.source->client.max_concurrency)));
    }
    if (tasks == 0 || threads == 0) {
      queue.Close();
      return;
    }
    running = threads;
    for (size_t t = 0; t < threads; t++) {
      fetchers.emplace_back([this] {
        try {
          simdjson::dom::parser parser;
          for (size_t task = next_task++; task < Tasks() && !cancelled; task = next_task++) {
            FetchSeries(ctx.parents ? &(*ctx.parents)[task] : nullptr, parser);
          }
        } catch (...) {
          {
            std::lock_guard<std::mutex> lock(mu);
            if (!error) error = std::current_exception();
          }
          cancelled = true;
          queue.Cancel();
        }
        if (--running == 0) queue.Close();
      });
    }
  }

  // The first request of a series: path placeholders, params, incremental values, body.
  PageRequest FirstRequest(const ParentRecord* parent) const {
    const EndpointConfig& e = ctx.resource->endpoint;
    const bool graphql = IsGraphql(*ctx.source);
    PageRequest r;
    r.url = e.path;
    std::map<std::string, std::string> variables = ctx.source->graphql_variables;
    for (const auto& [name, value] : e.params) r.SetParam(name, value);
    if (parent) {
      for (size_t i = 0; i < parent->resolved.size(); i++) {
        const auto& [name, value] = parent->resolved[i];
        const std::string placeholder = "{" + name + "}";
        if (r.url.find(placeholder) != std::string::npos) {
          r.url = Replace(r.url, placeholder, UriEncode(value, false));
        } else if (graphql) {
          // As the parent had it: a number stays a number for an Int variable.
          variables[name] = i < parent->resolved_json.size() ? parent->resolved_json[i] : "null";
        } else {
          r.SetParam(name, value);
        }
      }
    }
    if (ctx.cursor) {
      const IncrementalConfig& inc = ctx.cursor->config();
      auto send = [&](const std::string& name, const std::string& value, bool number) {
        if (name.empty() || value.empty()) return;
        if (graphql) {
          std::string json;
          if (number) {
            json = value;
          } else {
            AppendJsonString(value, &json);
          }
          variables[name] = json;
        } else {
          r.SetParam(name, value);
        }
      };
      send(inc.param, ctx.cursor->StartValue(), ctx.cursor->StartIsNumber());
      double unused;
      send(inc.end_param, inc.end_value, ParseDouble(inc.end_value, &unused));
    }
    if (graphql) {
      std::string body = "{\"query\":";
      AppendJsonString(ctx.source->graphql_query, &body);
      body += ",\"variables\":{";
      bool first = true;
      for (const auto& [name, json] : variables) {
        if (!first) body += ',';
        first = false;
        AppendJsonString(name, &body);
        body += ':' + json;
      }
      r.json_body = body + "}}";
    } else {
      r.json_body = e.json_body;
    }
    return r;
  }

  static std::string RequestKey(const PageRequest& r) {
    std::string key = r.url;
    for (const auto& [k, v] : r.params) key += '\x1f' + k + '=' + v;
    return key + '\x1e' + r.json_body;
  }

  void FetchSeries(const ParentRecord* parent, simdjson::dom::parser& parser) {
    const EndpointConfig& e = ctx.resource->endpoint;
    PageRequest request = FirstRequest(parent);
    std::unique_ptr<Paginator> pages = MakePaginator(paginator, ctx.source->client.base_url);
    pages->Init(&request);
    std::set<std::string> seen;
    uint64_t last_digest = 0;
    for (;;) {
      if (cancelled) return;
      const std::string url = RedactSecrets(ctx.client->UrlFor(request));
      if (!seen.insert(RequestKey(request)).second) {
        throw InputError(method + " " + UrlForDisplay(url) +
                         ": the paginator asked for a page it already fetched (a cursor or next "
                         "link that repeats); stopping instead of looping forever");
      }
      HttpResponse response = ctx.client->Send(request, method, e.headers, e.not_found_is_empty);
      stats.pages++;
      if (response.status == 404) return;
      simdjson::dom::element root;
      if (auto err = parser.parse(response.body).get(root); err != simdjson::SUCCESS) {
        JsonSyntaxError where;
        std::string position;
        if (!CheckJsonSyntax(response.body, &where)) {
          position = " at byte " + std::to_string(where.offset) + " (line " +
                     std::to_string(where.line) + ", column " + std::to_string(where.column) +
                     "): " + where.what;
        } else {
          position = ": " + std::string(simdjson::error_message(err));
        }
        throw InputError(method + " " + url + " (HTTP " + std::to_string(response.status) +
                         "): the response is not valid JSON" + position);
      }
      FetchedPage page;
      page.url = url;
      page.stored_bytes = response.body.size();
      page.parent = parent;
      if (IsGraphql(*ctx.source)) CheckGraphqlErrors(root, url, &page);
      std::vector<simdjson::dom::element> records;
      Select(root, &records, /*count=*/false);
      const size_t found = records.size();
      {
        std::lock_guard<std::mutex> lock(mu);
        page.first_ordinal = ordinal;
        ordinal += found;
      }
      // The records are shaped and flattened by the parse workers, in parallel: this thread
      // only walks the pages.
      const bool more = pages->Next(response, root, found, &request);
      // An API that ignores the offset or page parameter returns the same full page forever,
      // each request looking new: two identical pages in a row end the resource.
      const uint64_t digest = XXH3_64bits(response.body.data(), response.body.size());
      if (found && digest == last_digest) {
        throw InputError(method + " " + url +
                         ": the API returned the same page as for the previous request; its "
                         "paging parameter is probably ignored (check the paginator's "
                         "parameter names); stopping instead of loading it again");
      }
      last_digest = digest;
      if (found || !page.rejects.empty()) {
        page.body = std::move(response.body);
        if (!queue.Push(std::move(page))) return;
      }
      if (!more) return;
    }
  }

  // Shapes one page's records into lines of compact JSON (filters, cursor, columns, parent
  // fields), capturing what child resources need. Runs on parse workers.
  void ShapePage(simdjson::dom::element root, PageMeta& meta, std::string* data,
                 std::vector<std::pair<size_t, uint64_t>>* lines,  // end offset, record index
                 std::vector<RejectedRecord>* rejects) {
    std::vector<simdjson::dom::element> records;
    Select(root, &records, /*count=*/true);
    stats.records += records.size();
    std::vector<std::vector<ParentRecord>> captured_here(ctx.child_fields.size());
    std::string line;
    uint64_t index = 0;
    for (simdjson::dom::element record : records) {
      index++;
      if (!shaper.Keep(record)) {
        stats.filtered++;
        continue;
      }
      line.clear();
      shaper.Write(record, meta.parent, &line);
      if (ctx.cursor) {
        const RecordCursor::Verdict verdict = ctx.cursor->Judge(record, line);
        if (verdict == RecordCursor::Verdict::kSkip) continue;
        if (verdict == RecordCursor::Verdict::kNullCursor) {
          RejectedRecord r;
          r.table = ctx.table;
          r.source = meta.url;
          r.line = index;
          r.column = ctx.cursor->config().cursor_path;
          r.raw = line.substr(0, RejectedRecord::kMaxRawBytes);
          r.reason = "the record has no incremental cursor value at '" +
                     ctx.cursor->config().cursor_path + "' (on_null: load would load it anyway)";
          rejects->push_back(std::move(r));
          continue;
        }
      }
      for (size_t i = 0; i < ctx.child_fields.size(); i++) {
        ParentRecord p;
        std::string error;
        if (ctx.child_fields[i]->Extract(record, &p, &error)) {
          captured_here[i].push_back(std::move(p));
        } else {
          // The record itself loads; only its children cannot be fetched: say so per child.
          RejectedRecord r;
          r.table = i < ctx.child_tables.size() ? ctx.child_tables[i] : ctx.table;
          r.source = meta.url;
          r.line = index;
          r.raw = line.substr(0, RejectedRecord::kMaxRawBytes);
          r.reason = error;
          rejects->push_back(std::move(r));
        }
      }
      if (ctx.emit_rows) {
        data->append(line);
        lines->emplace_back(data->size(), index);
        data->push_back('\n');
      }
    }
    if (!ctx.child_fields.empty()) {
      std::lock_guard<std::mutex> lock(mu);
      for (size_t i = 0; i < captured_here.size(); i++) {
        for (auto& c : captured_here[i]) captured[i].push_back(std::move(c));
      }
    }
  }

  // The page's records (null entries skipped; counted as filtered when `count`).
  void Select(simdjson::dom::element root, std::vector<simdjson::dom::element>* out, bool count) {
    std::optional<JsonPath> fallback;
    const JsonPath* path;
    {
      std::lock_guard<std::mutex> lock(mu);
      if (!selector) {
        // Only a found wrapper is kept for later pages: a degenerate first page (no array)
        // must not make every later page load as one row.
        const std::string chosen = AutoSelector(root, IsGraphql(*ctx.source));
        if (chosen != "$" || root.is_array()) {
          selector = JsonPath::Parse(chosen);
        } else {
          fallback = JsonPath::Parse(chosen);
        }
      }
      path = selector ? &*selector : &*fallback;
    }
    std::vector<simdjson::dom::element> found;
    path->Select(root, &found);
    if (found.size() == 1 && found[0].is_array()) {
      const simdjson::dom::array items = found[0].get_array().value_unsafe();
      // A null entry carries no record (GraphQL puts one where a node failed, with the error
      // in `errors`); it is counted as filtered, not loaded as an empty row.
      for (auto item : items) {
        if (item.is_null()) {
          if (count) stats.records++, stats.filtered++;
        } else {
          out->push_back(item);
        }
      }
      return;
    }
    for (auto f : found) {
      if (f.is_null()) {
        if (count) stats.records++, stats.filtered++;
      } else {
        out->push_back(f);
      }
    }
  }

  void CheckGraphqlErrors(simdjson::dom::element root, const std::string& url, FetchedPage* page) {
    simdjson::dom::array errors;
    if (root["errors"].get_array().get(errors) != simdjson::SUCCESS || errors.size() == 0) return;
    std::string messages;
    for (auto err : errors) {
      std::string_view message;
      std::string text = err["message"].get_string().get(message) == simdjson::SUCCESS
                             ? std::string(message)
                             : simdjson::minify(err);
      simdjson::dom::array path;
      if (err["path"].get_array().get(path) == simdjson::SUCCESS) {
        text += " (path: " + simdjson::minify(path) + ")";
      }
      if (!messages.empty()) messages += "; ";
      messages += text;
      RejectedRecord r;
      r.table = ctx.table;
      r.source = url;
      r.raw = simdjson::minify(err).substr(0, RejectedRecord::kMaxRawBytes);
      r.reason = "GraphQL error: " + text;
      page->rejects.push_back(std::move(r));
    }
    simdjson::dom::element data;
    const bool has_data = root["data"].get(data) == simdjson::SUCCESS && !data.is_null();
    if (ctx.source->graphql_errors == ApiSourceConfig::ErrorPolicy::kFail || !has_data) {
      throw InputError("POST " + url + ": the GraphQL response has errors: " + messages +
                       (has_data ? " (errors: partial would load the data it has)" : ""));
    }
  }
};

ApiResourceSource::ApiResourceSource(ApiResourceContext context)
    : impl_(std::make_unique<Impl>(std::move(context))) {}

ApiResourceSource::~ApiResourceSource() {
  // A load that ends early (failure, too many rejects) must not wait for fetchers sitting in
  // retries, backoff or a rate-limit pause: cancel their requests, then let the client serve
  // the next resource.
  const bool running = impl_->running.load() > 0;
  impl_->cancelled = true;
  if (running) impl_->ctx.client->Cancel();
  impl_->queue.Cancel();
  for (auto& t : impl_->fetchers) t.join();
  if (running) impl_->ctx.client->Resume();
}

const std::vector<InputFile>& ApiResourceSource::files() const {
  return impl_->files;
}
const std::string& ApiResourceSource::table() const {
  return impl_->ctx.table;
}
const ApiResourceStats& ApiResourceSource::stats() const {
  return impl_->stats;
}

std::vector<ParentRecord> ApiResourceSource::TakeCaptured(size_t i) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return std::move(impl_->captured.at(i));
}

void ApiResourceSource::HintColumnType(const std::string& table, const std::string& column,
                                       InferredType type) {
  impl_->flattener.tracker().Observe(table, column, type);
}

bool ApiResourceSource::ReadChunk(RawChunk* chunk) {
  Impl& s = *impl_;
  if (!s.started) s.Start();
  std::optional<FetchedPage> page = s.queue.Pop();
  if (!page) {
    std::lock_guard<std::mutex> lock(s.mu);
    if (s.error) std::rethrow_exception(s.error);
    return false;
  }
  chunk->sequence = s.next_sequence++;
  chunk->file_index = 0;
  chunk->first_in_file = chunk->sequence == 0;
  chunk->byte_offset = 0;
  chunk->stored_bytes = page->stored_bytes;
  chunk->data = std::move(page->body);
  chunk->data.reserve(chunk->data.size() + kChunkPadding);
  std::lock_guard<std::mutex> lock(s.mu);
  s.meta[chunk->sequence] =
      PageMeta{std::move(page->url), page->first_ordinal, page->parent, std::move(page->rejects)};
  return true;
}

ParsedChunk ApiResourceSource::ParseChunk(RawChunk chunk) {
  Impl& s = *impl_;
  ParsedChunk out;
  out.sequence = chunk.sequence;
  out.file_index = 0;
  out.first_in_file = chunk.first_in_file;
  out.stored_bytes = chunk.stored_bytes;
  PageMeta meta;
  std::unique_ptr<JsonBatchBuilder> builder;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    auto it = s.meta.find(chunk.sequence);
    if (it != s.meta.end()) {
      meta = std::move(it->second);
      s.meta.erase(it);
    }
    if (!s.builders.empty()) {
      builder = std::move(s.builders.back());
      s.builders.pop_back();
    }
  }
  if (!builder) builder = std::make_unique<JsonBatchBuilder>(&s.flattener);
  std::unique_ptr<simdjson::dom::parser> parser = s.TakeParser();
  simdjson::dom::element root;
  if (parser->parse(chunk.data).get(root) != simdjson::SUCCESS) {
    throw Error(ErrorKind::kInternal, "a page that parsed once no longer parses: " + meta.url);
  }
  std::string data;
  std::vector<std::pair<size_t, uint64_t>> lines;
  s.ShapePage(root, meta, &data, &lines, &out.rejects);
  data.reserve(data.size() + kJsonPadding);
  std::string error;
  const std::string id_source = meta.url + "#" + s.ctx.id_salt;
  size_t begin = 0;
  for (const auto& [end, index] : lines) {
    const std::string_view doc(data.data() + begin, end - begin);
    if (!builder->Add(doc, id_source, meta.first_ordinal + index - 1, index, &error)) {
      RejectedRecord r;
      r.table = s.ctx.table;
      r.source = meta.url;
      r.line = index;
      r.raw = std::string(doc.substr(0, RejectedRecord::kMaxRawBytes));
      r.reason = error;
      out.rejects.push_back(std::move(r));
    }
    begin = end + 1;
  }
  out.batches = builder->Finish();
  for (auto& r : meta.rejects) out.rejects.push_back(std::move(r));
  {
    std::lock_guard<std::mutex> lock(s.mu);
    s.builders.push_back(std::move(builder));
    s.parsers.push_back(std::move(parser));
  }
  return out;
}

}  // namespace sluice
