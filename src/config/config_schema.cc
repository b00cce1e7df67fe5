#include "config/config_schema.h"

#include <cstdint>
#include <utility>

namespace sluice {
namespace {

using Kind = SchemaNode::Kind;

SchemaNode Key(std::string name, Kind kind, std::string default_text, std::string doc) {
  SchemaNode n;
  n.name = std::move(name);
  n.kind = kind;
  n.default_text = std::move(default_text);
  n.doc = std::move(doc);
  return n;
}
SchemaNode String(std::string name, std::string default_text, std::string doc) {
  return Key(std::move(name), Kind::kString, std::move(default_text), std::move(doc));
}
SchemaNode Int(std::string name, std::string default_text, std::string doc) {
  return Key(std::move(name), Kind::kInt, std::move(default_text), std::move(doc));
}
SchemaNode Number(std::string name, std::string default_text, std::string doc) {
  return Key(std::move(name), Kind::kNumber, std::move(default_text), std::move(doc));
}
SchemaNode Bool(std::string name, std::string default_text, std::string doc) {
  return Key(std::move(name), Kind::kBool, std::move(default_text), std::move(doc));
}
SchemaNode Enum(std::string name, std::vector<std::string> allowed, std::string default_text,
                std::string doc) {
  SchemaNode n = Key(std::move(name), Kind::kEnum, std::move(default_text), std::move(doc));
  n.allowed = std::move(allowed);
  return n;
}
SchemaNode Map(std::string name, std::vector<SchemaNode> children, std::string doc) {
  SchemaNode n = Key(std::move(name), Kind::kMap, "", std::move(doc));
  n.children = std::move(children);
  return n;
}
SchemaNode List(std::string name, SchemaNode element, std::string doc) {
  SchemaNode n = Key(std::move(name), Kind::kList, "", std::move(doc));
  n.children = {std::move(element)};
  return n;
}
SchemaNode StringList(std::string name, std::string doc) {
  return List(std::move(name), Key("", Kind::kString, "", ""), std::move(doc));
}
SchemaNode StringMap(std::string name, std::string doc) {
  return Key(std::move(name), Kind::kStringMap, "", std::move(doc));
}
SchemaNode Variant(std::string name, std::string discriminator, std::string default_variant,
                   std::vector<SchemaVariant> variants, std::string doc) {
  SchemaNode n = Key(std::move(name), Kind::kVariant, "", std::move(doc));
  n.discriminator = std::move(discriminator);
  n.default_variant = std::move(default_variant);
  n.variants = std::move(variants);
  return n;
}
SchemaNode Required(SchemaNode n) {
  n.required = true;
  return n;
}
SchemaNode Secret(SchemaNode n) {
  n.secret = true;
  return n;
}
// Numbers below `minimum` are refused (at or below it when `exclusive`).
SchemaNode Min(SchemaNode n, double minimum, bool exclusive = false) {
  n.minimum = minimum;
  n.exclusive_minimum = exclusive;
  return n;
}
// `key: value` stands for `key: {scalar_key: value}`.
SchemaNode Shorthand(SchemaNode n, std::string scalar_key) {
  n.accepts_scalar = true;
  n.scalar_key = std::move(scalar_key);
  return n;
}

// ---- client ------------------------------------------------------------------------------

SchemaNode AuthNode() {
  std::vector<SchemaNode> basic = {
      Required(String("username", "", "User name")),
      Secret(String("password", "\"\"", "Password (redacted in messages)")),
  };
  return Secret(Shorthand(
      Variant(
          "auth", "type", "bearer",
          {
              {"none", "No authentication (overrides resource_defaults or a client setting)", {}},
              {"bearer",
               "`Authorization: Bearer TOKEN`",
               {Required(Secret(String("token", "", "The bearer token (redacted in messages)")))}},
              {"api_key",
               "A key sent as a header or query parameter",
               {String(
                    "name", "\"\"",
                    "Header or query parameter name; \"\" = X-API-Key (header), api_key (query)"),
                Required(Secret(String("api_key", "", "The key (redacted in messages)"))),
                Enum("location", {"header", "query"}, "header", "Where the key is sent")}},
              {"http_basic", "HTTP basic authentication", basic},
              {"basic", "Same as http_basic", basic},
              {"oauth2_client_credentials",
               "OAuth 2 client-credentials grant; the token is fetched before the first request "
               "and again when it expires",
               {Required(
                    String("token_url", "", "Token endpoint (POST grant_type=client_credentials)")),
                Required(String("client_id", "", "Client id")),
                Required(
                    Secret(String("client_secret", "", "Client secret (redacted in messages)"))),
                String("scope", "\"\"", "Requested scope"),
                Enum("client_auth", {"basic", "body"}, "basic",
                     "Client authentication: HTTP basic, or client_id/client_secret in the form "
                     "body"),
                StringMap("token_params",
                          "Extra form fields of the token request (e.g. audience)")}},
          },
          "Authentication; a bare string names the type (`auth: none`)"),
      "type"));
}

SchemaNode PaginatorNode() {
  const SchemaNode max_pages =
      Min(Int("max_pages", "-1", "Stop after this many pages (-1 = no limit)"), -1);
  const SchemaNode stop_after_empty =
      Bool("stop_after_empty_page", "true", "Stop when a page has no records");
  const SchemaNode total_path_offset =
      String("total_path", "\"\"", "Path to the total number of records; \"\" = unknown");
  return Shorthand(
      Variant(
          "paginator", "type", "",
          {
              {"auto",
               "Link header with rel=next if present, else a next URL in the body, else one page",
               {max_pages}},
              {"single_page", "One request, no pagination", {max_pages}},
              {"json_link",
               "The next page's URL is in the response body",
               {String("next_url_path", "next", "Path to the next URL in the body"), max_pages}},
              {"header_link",
               "The next page's URL is in the `Link: <...>; rel=\"next\"` header",
               {max_pages}},
              {"cursor",
               "A cursor from the body is sent with the next request",
               {String("cursor_path", "cursors.next", "Path to the cursor in the body"),
                String("cursor_param", "cursor", "Query parameter the cursor is sent as"),
                String("cursor_body_path", "\"\"",
                       "Send the cursor as this JSON body field instead (POST)"),
                stop_after_empty, max_pages}},
              {"offset",
               "offset/limit query parameters",
               {Min(Int("limit", "100", "Page size"), 1),
                Min(Int("offset", "0", "First offset"), 0),
                String("offset_param", "offset", "Query parameter of the offset"),
                String("limit_param", "limit", "Query parameter of the page size"),
                total_path_offset,
                Min(Int("maximum_offset", "-1", "Stop beyond this offset (-1 = no limit)"), -1),
                stop_after_empty, max_pages}},
              {"page_number",
               "A page number query parameter",
               {Min(Int("base_page", "1", "Number of the first page"), 0),
                String("page_param", "page", "Query parameter of the page number"),
                String("total_path", "\"\"", "Path to the total number of pages; \"\" = unknown"),
                Min(Int("maximum_page", "-1", "Stop beyond this page (-1 = no limit)"), -1),
                stop_after_empty, max_pages}},
              {"relay",
               "GraphQL connections: `pageInfo { hasNextPage endCursor }`",
               {String("page_info_path", "pageInfo",
                       "Path from the response root to pageInfo; a bare name is searched anywhere"),
                String("cursor_variable", "after", "Query variable the end cursor is sent as"),
                max_pages}},
          },
          "Pagination; a bare string names the type (`paginator: header_link`)"),
      "type");
}

SchemaNode ClientNode() {
  return Required(Map(
      "client",
      {
          Required(String("base_url", "", "URL the endpoint paths are appended to")),
          Secret(StringMap("headers", "Headers sent with every request")),
          Secret(StringMap("params", "Query parameters sent with every request")),
          AuthNode(),
          PaginatorNode(),
          Min(Number("timeout_s", "60", "Per request, whole transfer"), 0, true),
          Min(Number("connect_timeout_s", "10", "Per connection attempt"), 0, true),
          Min(Number("requests_per_second", "0", "Rate limit (token bucket); 0 = unlimited"), 0),
          Min(Int("burst", "1", "Token bucket capacity"), 1),
          Min(Int("max_concurrency", "4",
                  "Requests in flight per source (child resources fan out)"),
              1),
          Min(Int("max_attempts", "6", "Attempts per request, the first one included"), 1),
          Min(Number("backoff_base_s", "0.5",
                     "First retry delay (doubles per attempt, with jitter)"),
              0),
          Min(Number("backoff_max_s", "60", "Longest retry delay"), 0),
      },
      "The HTTP client every resource of the source shares"));
}

// ---- resources ---------------------------------------------------------------------------

std::vector<SchemaNode> IncrementalKeys(bool with_param) {
  std::vector<SchemaNode> keys = {
      Required(String("cursor_path", "", "Path to the cursor value in each record")),
      String("initial_value", "\"\"", "Start value of the first run; \"\" = load everything"),
      String("end_value", "\"\"",
             "End of a backfill window; with it the stored cursor does not advance"),
  };
  if (with_param) {
    keys.push_back(String("param", "\"\"", "Query parameter the start value is sent as"));
  }
  keys.push_back(String("end_param", "\"\"", "Query parameter end_value is sent as"));
  keys.push_back(String("lag", "\"\"",
                        "Reload this far behind the stored cursor: a number, or for timestamps "
                        "90s, 15m, 2h, 3d"));
  keys.push_back(Enum("on_null", {"reject", "load"}, "reject",
                      "A record without a cursor value is rejected or loaded"));
  keys.push_back(Bool("boundary_dedup", "true",
                      "Skip records equal to the stored cursor that were loaded before (by "
                      "primary key)"));
  return keys;
}

SchemaNode ParamsNode() {
  SchemaNode value = Shorthand(
      Variant("", "type", "",
              {
                  {"incremental",
                   "The parameter carries the resource's incremental cursor (sets the resource's "
                   "`incremental` with `param` = this parameter)",
                   IncrementalKeys(false)},
                  {"resolve",
                   "The value comes from each record of a parent resource (makes this a child "
                   "resource); also fills a `{name}` placeholder in the path",
                   {Required(String("resource", "", "The parent resource")),
                    Required(String("field", "", "Path into the parent record"))}},
              },
              ""),
      "");
  SchemaNode params = StringMap(
      "params", "Query parameters: a value, or a map with `type: incremental` or `type: resolve`");
  params.children = {value};
  return params;
}

SchemaNode EndpointNode() {
  return Shorthand(
      Map("endpoint",
          {
              String("path", "the resource name",
                     "Appended to base_url (or an absolute URL); `{name}` placeholders are filled "
                     "by resolve params"),
              Enum("method", {"GET", "POST"}, "GET", "HTTP method (GraphQL sources: POST)"),
              Secret(ParamsNode()),
              Key("json", Kind::kAny, "", "Request body, sent as JSON"),
              String("data_selector", "\"\"", "Path to the records in the response; \"\" = auto"),
              PaginatorNode(),
              Secret(StringMap("headers", "Extra headers of this endpoint")),
              Bool("not_found_is_empty", "false", "A 404 response means no records"),
          },
          "The request; a bare string is the path"),
      "path");
}

SchemaNode FilterNode() {
  return Map(
      "",
      {
          Required(String("path", "", "Path into the record")),
          Enum("op",
               {"equals", "not_equals", "in", "not_in", "exists", "not_exists", "greater", "less"},
               "equals", "Comparison"),
          String("value", "", "Value to compare with"),
          StringList("values", "Values for in / not_in"),
      },
      "");
}

std::vector<SchemaNode> ResourceKeys() {
  return {
      Required(String("name", "", "Resource name; unique within the source")),
      String("table", "the resource name", "Destination table"),
      EndpointNode(),
      Enum("write_disposition", {"append", "replace", "merge"}, "append",
           "How loads change the table"),
      Key("primary_key", Kind::kStringOrList, "", "Key column(s) (merge, boundary dedup)"),
      Enum("merge_strategy", {"delete-insert", "upsert"}, "delete-insert",
           "How a merge applies its rows"),
      Map("incremental", IncrementalKeys(true), "Load only records beyond the stored cursor"),
      List("filters", FilterNode(), "Keep only records for which every filter holds"),
      StringList("include_columns", "Top-level record fields kept (default: all)"),
      StringList("exclude_columns", "Top-level record fields dropped"),
      Min(Int("max_nesting", "5", "Nested objects deeper than this are kept as JSON"), 0),
      [] {
        SchemaNode n = Map("schema_contract",
                           {Enum("tables", {"evolve", "freeze", "discard_row", "discard_value"},
                                 "evolve", "New tables"),
                            Enum("columns", {"evolve", "freeze", "discard_row", "discard_value"},
                                 "evolve", "New columns"),
                            Enum("data_type", {"evolve", "freeze", "discard_row", "discard_value"},
                                 "evolve", "Changed column types")},
                           "evolve | freeze | discard_row | discard_value, or one mode per entity");
        n.accepts_scalar = true;
        n.allowed = {"evolve", "freeze", "discard_row", "discard_value"};
        n.default_text = "evolve";
        return n;
      }(),
      String("parent", "\"\"", "Parent resource (implied by resolve params)"),
      StringList("include_from_parent",
                 "Parent fields copied into each record as `_<parent>_<field>`"),
      Bool("selected", "true", "false: fetched only to feed child resources, not loaded"),
  };
}

std::vector<SchemaNode> SourceKeys(bool graphql) {
  SchemaNode resource = Shorthand(Map("", ResourceKeys(), ""), "name");
  std::vector<SchemaNode> default_keys = ResourceKeys();
  default_keys.erase(default_keys.begin());  // `name` is each resource's own
  SchemaNode defaults = Map("resource_defaults", default_keys,
                            "Merged into every resource (the resource's own keys win)");
  defaults.partial = true;
  SchemaNode resources =
      Required(List("resources", resource,
                    "The resources; a bare string is a resource whose name is also its path"));
  resources.merge_from = "resource_defaults";
  std::vector<SchemaNode> keys = {
      String("name", "the type", "Source name (state keys, reports)"),
      ClientNode(),
      defaults,
      resources,
  };
  if (graphql) {
    keys.push_back(Required(String("query", "", "The GraphQL query document")));
    SchemaNode variables =
        StringMap("variables", "Query variables; values may be any YAML and are sent as JSON");
    variables.children = {Key("", Kind::kAny, "", "One variable")};
    keys.push_back(variables);
    keys.push_back(Enum("errors", {"fail", "partial"}, "fail",
                        "A response with `errors` fails, or loads its data and rejects each "
                        "error as a record"));
  }
  return keys;
}

SchemaNode BuildPipelineSchema() {
  return Map(
      "pipeline file",
      {
          Required(String("pipeline", "", "Pipeline name (state, reports)")),
          String("destination", "duckdb:///sluice.duckdb", "Destination URL"),
          Min(Int("max_bad_rows", "1000", "Fail the run beyond this many rejected records"), 0),
          Required(List("sources",
                        Variant("", "type", "rest_api",
                                {{"rest_api", "A REST API (dlt rest_api style)", SourceKeys(false)},
                                 {"graphql", "A GraphQL API", SourceKeys(true)}},
                                ""),
                        "API sources")),
      },
      "`sluice run PIPELINE.yaml`");
}

SchemaNode SignatureNode() {
  const SchemaNode secret =
      Required(Secret(String("secret", "", "Signing secret (redacted in messages)")));
  return Secret(Variant(
      "signature", "scheme", "none",
      {
          {"none", "Requests are not verified", {}},
          {"stripe",
           "`Stripe-Signature: t=...,v1=...`",
           {secret, Min(Int("tolerance_s", "300", "Maximum age of the signed timestamp"), 0)}},
          {"github", "`X-Hub-Signature-256: sha256=...`", {secret}},
          {"hmac",
           "An HMAC of the body in a header",
           {secret, Required(String("header", "", "Header holding the signature")),
            Enum("algorithm", {"sha256", "sha1", "sha512"}, "sha256", "HMAC hash"),
            Enum("encoding", {"hex", "base64"}, "hex", "Digest encoding"),
            String("prefix", "\"\"", "Text before the digest, e.g. `sha256=`")}},
      },
      "How requests are authenticated"));
}

SchemaNode BuildWebhookSchema() {
  return Map(
      "webhook file",
      {
          String("pipeline", "webhooks", "Pipeline name (state, reports)"),
          String("destination", "duckdb:///sluice.duckdb", "Destination URL"),
          String("listen", "127.0.0.1:8080", "HOST:PORT to listen on"),
          Map("tls",
              {Required(String("cert_file", "", "PEM certificate chain")),
               Required(String("key_file", "", "PEM private key"))},
              "Serve HTTPS"),
          String("spool_dir", ".sluice-spool", "Where accepted events wait for their load"),
          Min(Int("max_body_bytes", "1048576", "Larger requests are refused (413)"), 1),
          Min(Int("batch_rows", "1000", "Load when this many events are spooled..."), 1),
          Min(Number("batch_interval_s", "1", "...or this long after the oldest unloaded one"), 0,
              true),
          Required(List(
              "routes",
              Map("",
                  {Required(String("path", "", "URL path, e.g. /hooks/stripe")),
                   Required(String("table", "", "Destination table")), SignatureNode(),
                   String("id_path", "\"\"",
                          "Path to the event id: duplicates are dropped; \"\" = keep all"),
                   Min(Int("max_nesting", "5", "Nested objects deeper than this are kept as JSON"),
                       0)},
                  ""),
              "One entry per endpoint")),
      },
      "`sluice serve CONFIG.yaml`");
}

}  // namespace

const SchemaNode& PipelineFileSchema() {
  static const SchemaNode schema = BuildPipelineSchema();
  return schema;
}

const SchemaNode& WebhookFileSchema() {
  static const SchemaNode schema = BuildWebhookSchema();
  return schema;
}

std::string SchemaTypeName(const SchemaNode& node) {
  switch (node.kind) {
    case Kind::kString:
      return "a string";
    case Kind::kInt:
      return "an integer" + std::string(node.minimum ? " " : "") + SchemaMinimumText(node);
    case Kind::kNumber:
      return "a number" + std::string(node.minimum ? " " : "") + SchemaMinimumText(node);
    case Kind::kBool:
      return "a boolean";
    case Kind::kEnum: {
      std::string s = "one of: ";
      for (size_t i = 0; i < node.allowed.size(); ++i) s += (i ? ", " : "") + node.allowed[i];
      return s;
    }
    case Kind::kMap:
    case Kind::kVariant:
      return "a map";
    case Kind::kList:
      return "a list";
    case Kind::kStringMap:
      return "a map of strings";
    case Kind::kStringOrList:
      return "a string or a list of strings";
    case Kind::kAny:
      return "any value";
  }
  return "a value";
}

std::string SchemaMinimumText(const SchemaNode& node) {
  if (!node.minimum) return "";
  const double m = *node.minimum;
  const std::string number =
      m == static_cast<int64_t>(m) ? std::to_string(static_cast<int64_t>(m)) : std::to_string(m);
  return (node.exclusive_minimum ? "> " : ">= ") + number;
}

}  // namespace sluice
