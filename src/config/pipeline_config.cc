// Loading pipeline and webhook files: parse, validate against config_schema.h (which also
// interpolates and expands shorthands), then copy into the structs. Checks that need more than
// one key (duplicates, parents, filters, placeholders) live here.
#include "config/pipeline_config.h"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <set>
#include <sstream>

#include "config/config_schema.h"
#include "config/config_validate.h"
#include "config/secrets.h"
#include "core/error.h"

namespace sluice {
namespace {

// `${NAME}` is not a plain YAML scalar inside a flow map (`{token: ${TOKEN}}`: the braces are
// flow indicators), yet that is how dlt users write it. References are swapped for a marker
// that is plain anywhere before parsing and restored in every scalar after it.
constexpr const char* kRefOpen = "__SLUICE_REF_OPEN__";
constexpr const char* kRefClose = "__SLUICE_REF_CLOSE__";

bool IsNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
}

std::string MarkReferences(const std::string& text) {
  std::string out;
  size_t pos = 0;
  for (size_t open = text.find("${"); open != std::string::npos; open = text.find("${", pos)) {
    size_t end = open + 2;
    while (end < text.size() && IsNameChar(text[end])) end++;
    if (end == open + 2 || end >= text.size() || text[end] != '}') {
      out.append(text, pos, open + 2 - pos);
      pos = open + 2;
      continue;
    }
    out.append(text, pos, open - pos);
    out += kRefOpen;
    out.append(text, open + 2, end - open - 2);
    out += kRefClose;
    pos = end + 1;
  }
  out.append(text, pos, std::string::npos);
  return out;
}

std::string RestoreReferences(std::string s) {
  for (size_t at = s.find(kRefOpen); at != std::string::npos; at = s.find(kRefOpen, at)) {
    s.replace(at, std::strlen(kRefOpen), "${");
    const size_t close = s.find(kRefClose, at);
    if (close == std::string::npos) break;
    s.replace(close, std::strlen(kRefClose), "}");
  }
  return s;
}

void RestoreReferences(YAML::Node node) {
  if (node.IsScalar()) {
    const std::string& value = node.Scalar();
    if (value.find(kRefOpen) != std::string::npos) node = RestoreReferences(value);
  } else if (node.IsSequence()) {
    for (size_t i = 0; i < node.size(); i++) RestoreReferences(node[i]);
  } else if (node.IsMap()) {
    for (auto it = node.begin(); it != node.end(); ++it) RestoreReferences(it->second);
  }
}

YAML::Node ParseYamlFile(const std::string& path) {
  try {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw YAML::BadFile(path);
    std::stringstream text;
    text << in.rdbuf();
    YAML::Node root = YAML::Load(MarkReferences(text.str()));
    RestoreReferences(root);
    return root;
  } catch (const YAML::BadFile&) {
    throw UsageError(path + ": cannot read the file");
  } catch (const YAML::Exception& e) {
    throw UsageError(path + ":" + std::to_string(e.mark.line + 1) + ":" +
                     std::to_string(e.mark.column + 1) + ": invalid YAML: " + e.msg);
  }
}

// Readers of a validated node: present keys hold canonical scalars (see config_validate.h),
// absent ones leave the struct's default.
class Fields {
 public:
  Fields(const YAML::Node& node, std::string path, std::string file)
      : node_(node), path_(std::move(path)), file_(std::move(file)) {}
  bool Has(const std::string& key) const { return node_.IsMap() && node_[key]; }
  YAML::Node Get(const std::string& key) const { return node_[key]; }
  std::string Path(const std::string& key) const { return JoinConfigPath(path_, key); }
  const std::string& path() const { return path_; }
  const std::string& file() const { return file_; }
  Fields Child(const std::string& key) const { return Fields(node_[key], Path(key), file_); }
  size_t Size(const std::string& key) const { return Has(key) ? node_[key].size() : 0; }
  Fields Item(const std::string& key, size_t i) const {
    return Fields(node_[key][i], Path(key) + "[" + std::to_string(i) + "]", file_);
  }
  // A usage error at this node's path, or at `key` below it.
  [[noreturn]] void Fail(const std::string& key, const std::string& message) const {
    const std::string at = key.empty() ? path_ : Path(key);
    throw UsageError(file_ + ": " + (at.empty() ? "" : at + ": ") + message);
  }

  void Read(const std::string& key, std::string* out) const {
    if (Has(key)) *out = node_[key].Scalar();
  }
  void Read(const std::string& key, int64_t* out) const {
    if (Has(key)) *out = std::stoll(node_[key].Scalar());
  }
  void Read(const std::string& key, int* out) const {
    if (!Has(key)) return;
    const int64_t v = std::stoll(node_[key].Scalar());
    if (v > std::numeric_limits<int>::max()) {
      Fail(key, "expects at most " + std::to_string(std::numeric_limits<int>::max()));
    }
    *out = static_cast<int>(v);
  }
  void Read(const std::string& key, uint64_t* out) const {
    if (!Has(key)) return;
    *out = static_cast<uint64_t>(std::stoll(node_[key].Scalar()));  // the schema's minimum is 0
  }
  void Read(const std::string& key, double* out) const {
    if (Has(key)) *out = std::stod(node_[key].Scalar());
  }
  void Read(const std::string& key, bool* out) const {
    if (Has(key)) *out = node_[key].Scalar() == "true";
  }
  void Read(const std::string& key, std::vector<std::string>* out) const {
    if (!Has(key)) return;
    out->clear();
    for (const auto& item : node_[key]) out->push_back(item.Scalar());
  }
  void Read(const std::string& key, std::map<std::string, std::string>* out) const {
    if (!Has(key)) return;
    for (const auto& entry : node_[key]) {
      (*out)[entry.first.Scalar()] = entry.second.Scalar();
    }
  }

 private:
  YAML::Node node_;
  std::string path_;
  std::string file_;
};

AuthConfig ReadAuth(const Fields& f) {
  AuthConfig a;
  std::string type;
  f.Read("type", &type);
  if (type == "none") a.type = AuthConfig::Type::kNone;
  if (type == "bearer") a.type = AuthConfig::Type::kBearer;
  if (type == "api_key") a.type = AuthConfig::Type::kApiKey;
  if (type == "http_basic" || type == "basic") a.type = AuthConfig::Type::kBasic;
  if (type == "oauth2_client_credentials") a.type = AuthConfig::Type::kOAuth2ClientCredentials;
  f.Read("token", &a.token);
  // "" = by location: header X-API-Key, query parameter api_key (api/api_auth.cc).
  f.Read("name", &a.name);
  f.Read("api_key", &a.api_key);
  std::string location;
  f.Read("location", &location);
  if (location == "query") a.location = AuthConfig::Location::kQuery;
  f.Read("username", &a.username);
  f.Read("password", &a.password);
  f.Read("token_url", &a.token_url);
  f.Read("client_id", &a.client_id);
  f.Read("client_secret", &a.client_secret);
  f.Read("scope", &a.scope);
  std::string client_auth;
  f.Read("client_auth", &client_auth);
  a.client_auth_in_body = client_auth == "body";
  f.Read("token_params", &a.token_params);
  if (a.type != AuthConfig::Type::kApiKey) a.name.clear();
  return a;
}

PaginatorConfig ReadPaginator(const Fields& f) {
  static const std::map<std::string, PaginatorConfig::Type> kTypes = {
      {"auto", PaginatorConfig::Type::kAuto},
      {"single_page", PaginatorConfig::Type::kSinglePage},
      {"json_link", PaginatorConfig::Type::kJsonLink},
      {"header_link", PaginatorConfig::Type::kHeaderLink},
      {"cursor", PaginatorConfig::Type::kCursor},
      {"offset", PaginatorConfig::Type::kOffset},
      {"page_number", PaginatorConfig::Type::kPageNumber},
      {"relay", PaginatorConfig::Type::kRelay},
  };
  PaginatorConfig p;
  std::string type;
  f.Read("type", &type);
  p.type = kTypes.at(type);
  f.Read("next_url_path", &p.next_url_path);
  f.Read("cursor_path", &p.cursor_path);
  f.Read("cursor_param", &p.cursor_param);
  f.Read("cursor_body_path", &p.cursor_body_path);
  f.Read("limit", &p.limit);
  f.Read("offset", &p.offset);
  f.Read("offset_param", &p.offset_param);
  f.Read("limit_param", &p.limit_param);
  f.Read("total_path", &p.total_path);
  f.Read("maximum_offset", &p.maximum_offset);
  f.Read("page_param", &p.page_param);
  f.Read("base_page", &p.base_page);
  f.Read("maximum_page", &p.maximum_page);
  f.Read("stop_after_empty_page", &p.stop_after_empty_page);
  f.Read("page_info_path", &p.page_info_path);
  f.Read("cursor_variable", &p.cursor_variable);
  f.Read("max_pages", &p.max_pages);
  return p;
}

ClientConfig ReadClient(const Fields& f) {
  ClientConfig c;
  f.Read("base_url", &c.base_url);
  f.Read("headers", &c.headers);
  f.Read("params", &c.params);
  if (f.Has("auth")) c.auth = ReadAuth(f.Child("auth"));
  if (f.Has("paginator")) c.paginator = ReadPaginator(f.Child("paginator"));
  f.Read("timeout_s", &c.timeout_s);
  f.Read("connect_timeout_s", &c.connect_timeout_s);
  f.Read("requests_per_second", &c.requests_per_second);
  f.Read("burst", &c.burst);
  f.Read("max_concurrency", &c.max_concurrency);
  f.Read("max_attempts", &c.max_attempts);
  f.Read("backoff_base_s", &c.backoff_base_s);
  f.Read("backoff_max_s", &c.backoff_max_s);
  return c;
}

IncrementalConfig ReadIncremental(const Fields& f) {
  IncrementalConfig inc;
  f.Read("cursor_path", &inc.cursor_path);
  f.Read("initial_value", &inc.initial_value);
  f.Read("end_value", &inc.end_value);
  f.Read("param", &inc.param);
  f.Read("end_param", &inc.end_param);
  f.Read("lag", &inc.lag);
  std::string on_null;
  f.Read("on_null", &on_null);
  if (on_null == "load") inc.on_null = IncrementalConfig::OnNull::kLoad;
  f.Read("boundary_dedup", &inc.boundary_dedup);
  return inc;
}

RecordFilterConfig ReadFilter(const Fields& f) {
  static const std::map<std::string, RecordFilterConfig::Op> kOps = {
      {"equals", RecordFilterConfig::Op::kEquals},
      {"not_equals", RecordFilterConfig::Op::kNotEquals},
      {"in", RecordFilterConfig::Op::kIn},
      {"not_in", RecordFilterConfig::Op::kNotIn},
      {"exists", RecordFilterConfig::Op::kExists},
      {"not_exists", RecordFilterConfig::Op::kNotExists},
      {"greater", RecordFilterConfig::Op::kGreater},
      {"less", RecordFilterConfig::Op::kLess},
  };
  RecordFilterConfig filter;
  f.Read("path", &filter.path);
  std::string op = "equals";
  f.Read("op", &op);
  filter.op = kOps.at(op);
  if (f.Has("value") && f.Has("values")) f.Fail("", "give value or values, not both");
  if (f.Has("value")) filter.values = {f.Get("value").Scalar()};
  f.Read("values", &filter.values);
  const bool unary = op == "exists" || op == "not_exists";
  const bool list = op == "in" || op == "not_in";
  if (unary && !filter.values.empty()) f.Fail("", "op " + op + " takes no value");
  if (!unary && filter.values.empty()) {
    f.Fail("", "op " + op + " needs " + (list ? "values" : "a value"));
  }
  if (!unary && !list && filter.values.size() != 1) {
    f.Fail("values", "op " + op + " compares with one value");
  }
  return filter;
}

// Where a resource's parent was named, for messages.
struct ResourceOrigin {
  std::string path;         // sources[i].resources[j]
  std::string parent_path;  // the key that named the parent
};

ResourceConfig ReadResource(const Fields& f, bool graphql, ResourceOrigin* origin) {
  ResourceConfig r;
  f.Read("name", &r.name);
  r.table = r.name;
  f.Read("table", &r.table);
  r.endpoint.path = graphql ? "" : r.name;
  if (graphql) r.endpoint.method = "POST";
  origin->path = f.path();
  if (f.Has("incremental")) {
    r.incremental = ReadIncremental(f.Child("incremental"));
  }
  f.Read("parent", &r.parent);
  if (!r.parent.empty()) origin->parent_path = f.Path("parent");
  if (f.Has("endpoint")) {
    const Fields e = f.Child("endpoint");
    e.Read("path", &r.endpoint.path);
    e.Read("method", &r.endpoint.method);
    e.Read("json", &r.endpoint.json_body);
    e.Read("data_selector", &r.endpoint.data_selector);
    if (e.Has("paginator")) {
      r.endpoint.paginator = ReadPaginator(e.Child("paginator"));
    }
    e.Read("headers", &r.endpoint.headers);
    e.Read("not_found_is_empty", &r.endpoint.not_found_is_empty);
    if (e.Has("params")) {
      for (const auto& entry : e.Get("params")) {
        const std::string name = entry.first.Scalar();
        const Fields param = e.Child("params").Child(name);
        const YAML::Node& value = entry.second;
        if (value.IsScalar()) {
          r.endpoint.params[name] = value.Scalar();
          continue;
        }
        const std::string type = value["type"].Scalar();
        if (type == "incremental") {
          if (r.incremental) {
            param.Fail("", "the resource already has an incremental cursor (one per resource)");
          }
          r.incremental = ReadIncremental(param);
          r.incremental->param = name;
        } else {  // resolve
          const std::string parent = value["resource"].Scalar();
          if (!r.parent.empty() && r.parent != parent) {
            param.Fail("resource", "\"" + parent + "\" differs from the parent \"" + r.parent +
                                       "\" named before (one parent per resource)");
          }
          if (r.parent.empty()) origin->parent_path = param.Path("resource");
          r.parent = parent;
          r.resolve.push_back({name, value["field"].Scalar()});
        }
      }
    }
  }
  // Every {placeholder} of the path needs a resolve param to fill it.
  for (size_t open = r.endpoint.path.find('{'); open != std::string::npos;
       open = r.endpoint.path.find('{', open + 1)) {
    const size_t close = r.endpoint.path.find('}', open);
    if (close == std::string::npos) break;
    const std::string name = r.endpoint.path.substr(open + 1, close - open - 1);
    bool filled = false;
    for (const auto& p : r.resolve) filled = filled || p.name == name;
    if (!filled) {
      f.Fail("endpoint.path", "placeholder {" + name +
                                  "} is not filled by a resolve param (params: {" + name +
                                  ": {type: resolve, resource: ..., field: ...}})");
    }
  }
  f.Read("write_disposition", &r.write_disposition);
  f.Read("primary_key", &r.primary_key);
  f.Read("merge_strategy", &r.merge_strategy);
  if (f.Has("filters")) {
    for (size_t i = 0; i < f.Size("filters"); ++i)
      r.filters.push_back(ReadFilter(f.Item("filters", i)));
  }
  f.Read("include_columns", &r.include_columns);
  f.Read("exclude_columns", &r.exclude_columns);
  f.Read("max_nesting", &r.max_nesting);
  if (f.Has("schema_contract")) {
    const YAML::Node contract = f.Get("schema_contract");
    if (contract.IsScalar()) {
      r.schema_contract = contract.Scalar();
    } else {
      // {tables: freeze, columns: evolve} -> the CLI's "tables=freeze,columns=evolve"
      std::string joined;
      for (const auto& entry : contract) {
        joined += (joined.empty() ? "" : ",") + entry.first.Scalar() + "=" + entry.second.Scalar();
      }
      if (!joined.empty()) r.schema_contract = joined;
    }
  }
  f.Read("include_from_parent", &r.include_from_parent);
  if (!r.include_from_parent.empty() && r.parent.empty()) {
    f.Fail("include_from_parent", "the resource has no parent (add a resolve param)");
  }
  f.Read("selected", &r.selected);
  return r;
}

// Duplicate names, unknown parents and parent cycles within one source.
void CheckResourceGraph(const std::vector<ResourceConfig>& resources,
                        const std::vector<ResourceOrigin>& origins, const std::string& file,
                        const std::string& source_path) {
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < resources.size(); ++i) {
    if (!index.emplace(resources[i].name, i).second) {
      throw UsageError(file + ": " + origins[i].path + ".name: duplicate resource name \"" +
                       resources[i].name + "\"");
    }
  }
  for (size_t i = 0; i < resources.size(); ++i) {
    const std::string& parent = resources[i].parent;
    if (parent.empty() || index.count(parent)) continue;
    std::string names;
    for (const auto& r : resources) names += (names.empty() ? "" : ", ") + r.name;
    throw UsageError(file + ": " + origins[i].parent_path + ": unknown resource \"" + parent +
                     "\" (resources of this source: " + names + ")");
  }
  for (size_t i = 0; i < resources.size(); ++i) {
    std::vector<std::string> chain = {resources[i].name};
    std::set<std::string> seen = {resources[i].name};
    for (size_t at = i; !resources[at].parent.empty();) {
      at = index.at(resources[at].parent);
      chain.push_back(resources[at].name);
      if (!seen.insert(resources[at].name).second) {
        // Report the cycle itself, from where it closes.
        std::string text;
        bool in_cycle = false;
        for (const auto& name : chain) {
          in_cycle = in_cycle || name == resources[at].name;
          if (in_cycle) text += (text.empty() ? "" : " -> ") + name;
        }
        throw UsageError(file + ": " + source_path + ".resources: parent cycle: " + text);
      }
    }
  }
}

ApiSourceConfig ReadSource(const Fields& f) {
  ApiSourceConfig s;
  std::string type;
  f.Read("type", &type);
  const bool graphql = type == "graphql";
  s.type = graphql ? ApiSourceConfig::Type::kGraphql : ApiSourceConfig::Type::kRestApi;
  f.Read("name", &s.name);
  s.client = ReadClient(f.Child("client"));
  f.Read("query", &s.graphql_query);
  f.Read("variables", &s.graphql_variables);
  std::string errors;
  f.Read("errors", &errors);
  if (errors == "partial") s.graphql_errors = ApiSourceConfig::ErrorPolicy::kPartial;
  std::vector<ResourceOrigin> origins(f.Size("resources"));
  for (size_t i = 0; i < origins.size(); ++i) {
    s.resources.push_back(ReadResource(f.Item("resources", i), graphql, &origins[i]));
  }
  CheckResourceGraph(s.resources, origins, f.file(), f.path());
  if (!graphql) {
    // Relay pages through GraphQL query variables: a REST source has none.
    auto check = [&](const PaginatorConfig& p, const Fields& at) {
      if (p.type == PaginatorConfig::Type::kRelay) {
        at.Fail("paginator.type", "relay paginates GraphQL sources only");
      }
    };
    check(s.client.paginator, f.Child("client"));
    for (size_t i = 0; i < s.resources.size(); ++i) {
      if (s.resources[i].endpoint.paginator) {
        check(*s.resources[i].endpoint.paginator, f.Item("resources", i).Child("endpoint"));
      }
    }
  }
  return s;
}

SignatureConfig ReadSignature(const Fields& f) {
  SignatureConfig sig;
  std::string scheme;
  f.Read("scheme", &scheme);
  if (scheme == "stripe") sig.scheme = SignatureConfig::Scheme::kStripe;
  if (scheme == "github") sig.scheme = SignatureConfig::Scheme::kGithub;
  if (scheme == "hmac") sig.scheme = SignatureConfig::Scheme::kHmac;
  f.Read("secret", &sig.secret);
  f.Read("tolerance_s", &sig.tolerance_s);
  f.Read("header", &sig.header);
  f.Read("algorithm", &sig.algorithm);
  f.Read("encoding", &sig.encoding);
  f.Read("prefix", &sig.prefix);
  return sig;
}

// Parses, validates and hands the canonical document to `read`; every message is redacted.
template <typename T>
T Load(const std::string& path, const std::string& secrets_file, const SchemaNode& schema,
       const std::function<T(const Fields&)>& read) {
  try {
    std::map<std::string, std::string> secrets;
    if (!secrets_file.empty()) secrets = LoadSecretsFile(secrets_file);
    const YAML::Node document = ParseYamlFile(path);
    const ConfigContext context{path, &secrets};
    const YAML::Node canonical = ValidateConfig(schema, document, context);
    return read(Fields(canonical, "", path));
  } catch (const Error& e) {
    throw UsageError(RedactSecrets(e.what()));
  }
}

}  // namespace

PipelineConfig LoadPipelineConfig(const std::string& path, const std::string& secrets_file) {
  return Load<PipelineConfig>(path, secrets_file, PipelineFileSchema(), [&](const Fields& f) {
    PipelineConfig c;
    c.file = path;
    f.Read("pipeline", &c.pipeline);
    f.Read("destination", &c.destination);
    f.Read("max_bad_rows", &c.max_bad_rows);
    std::map<std::string, size_t> names;
    for (size_t i = 0; i < f.Size("sources"); ++i) {
      const Fields source = f.Item("sources", i);
      c.sources.push_back(ReadSource(source));
      const ApiSourceConfig& s = c.sources.back();
      const std::string name = !s.name.empty()                             ? s.name
                               : s.type == ApiSourceConfig::Type::kGraphql ? "graphql"
                                                                           : "rest_api";
      // The name keys the sources' state.
      if (!names.emplace(name, i).second) {
        source.Fail("name",
                    "duplicate source name \"" + name + "\" (give each source its own name)");
      }
    }
    return c;
  });
}

WebhookConfig LoadWebhookConfig(const std::string& path, const std::string& secrets_file) {
  return Load<WebhookConfig>(path, secrets_file, WebhookFileSchema(), [&](const Fields& f) {
    WebhookConfig c;
    c.file = path;
    f.Read("pipeline", &c.pipeline);
    f.Read("destination", &c.destination);
    f.Read("listen", &c.listen);
    if (f.Has("tls")) {
      const Fields tls = f.Child("tls");
      tls.Read("cert_file", &c.tls_cert_file);
      tls.Read("key_file", &c.tls_key_file);
    }
    f.Read("spool_dir", &c.spool_dir);
    f.Read("max_body_bytes", &c.max_body_bytes);
    f.Read("batch_rows", &c.batch_rows);
    f.Read("batch_interval_s", &c.batch_interval_s);
    std::set<std::string> paths;
    for (size_t i = 0; i < f.Size("routes"); ++i) {
      const Fields r = f.Item("routes", i);
      WebhookRouteConfig route;
      r.Read("path", &route.path);
      r.Read("table", &route.table);
      if (r.Has("signature")) route.signature = ReadSignature(r.Child("signature"));
      r.Read("id_path", &route.id_path);
      r.Read("max_nesting", &route.max_nesting);
      if (!route.path.starts_with("/")) {
        r.Fail("path", "a route path starts with /, got \"" + route.path + "\"");
      }
      if (!paths.insert(route.path).second) {
        r.Fail("path", "duplicate route \"" + route.path + "\"");
      }
      c.routes.push_back(std::move(route));
    }
    return c;
  });
}

}  // namespace sluice
