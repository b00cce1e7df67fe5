#pragma once
// What `sluice run PIPELINE.yaml` and `sluice serve CONFIG.yaml` files declare, after
// validation (config/config_schema.h checks every key against one declaration, which also
// renders docs/pipeline-reference.md) and interpolation (${NAME} from the environment or the
// secrets file). Every field's meaning and default is documented in docs/pipeline-reference.md.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sluice {

// ---- REST / GraphQL client ----------------------------------------------------------------

struct AuthConfig {
  enum class Type { kNone, kBearer, kApiKey, kBasic, kOAuth2ClientCredentials };
  Type type = Type::kNone;
  std::string token;  // bearer
  // api_key: sent as header `name` (default "X-API-Key") or query parameter `name`.
  std::string name;
  std::string api_key;
  enum class Location { kHeader, kQuery };
  Location location = Location::kHeader;
  std::string username, password;  // basic
  // oauth2_client_credentials: POST grant_type=client_credentials to token_url; the client
  // authenticates with basic auth (default) or client_id/client_secret in the form body.
  std::string token_url, client_id, client_secret, scope;
  bool client_auth_in_body = false;
  std::map<std::string, std::string> token_params;  // extra form fields (e.g. audience)
};

struct PaginatorConfig {
  enum class Type {
    kAuto,         // header_link if the response has Link rel=next, else a body next URL, else single
    kSinglePage,
    kJsonLink,     // next URL in the body at next_url_path (default "next")
    kHeaderLink,   // Link: <...>; rel="next"
    kCursor,       // cursor from cursor_path sent as query param cursor_param (or body field)
    kOffset,       // offset/limit
    kPageNumber,   // page=1,2,...
    kRelay,        // GraphQL: pageInfo { hasNextPage endCursor } -> variable cursor_variable
  };
  Type type = Type::kAuto;
  std::string next_url_path = "next";          // json_link
  std::string cursor_path = "cursors.next";    // cursor
  std::string cursor_param = "cursor";         // cursor: query parameter
  std::string cursor_body_path;                // cursor: JSON body field instead (POST)
  int64_t limit = 100;                         // offset
  std::string offset_param = "offset", limit_param = "limit";
  int64_t offset = 0;                          // first offset
  std::string total_path;                      // offset: total records; page_number: total pages
  int64_t maximum_offset = -1;                 // offset: stop beyond (-1 = none)
  std::string page_param = "page";             // page_number
  int64_t base_page = 1;
  int64_t maximum_page = -1;                   // page_number: stop beyond (-1 = none)
  bool stop_after_empty_page = true;           // offset / page_number / cursor
  std::string page_info_path = "pageInfo";     // relay: JSONPath from the response root to
                                               // pageInfo; a bare name is searched anywhere
  std::string cursor_variable = "after";       // relay
  int64_t max_pages = -1;                      // every type: hard stop (-1 = none)
};

struct ClientConfig {
  std::string base_url;
  std::map<std::string, std::string> headers;
  std::map<std::string, std::string> params;  // sent with every request
  AuthConfig auth;
  PaginatorConfig paginator;
  double timeout_s = 60;           // per request, whole transfer
  double connect_timeout_s = 10;
  double requests_per_second = 0;  // token bucket rate; 0 = unlimited
  int burst = 1;                   // token bucket capacity
  int max_concurrency = 4;         // requests in flight per source (child fan-out)
  int max_attempts = 6;            // per request, first try included
  double backoff_base_s = 0.5, backoff_max_s = 60;
};

// ---- resources -----------------------------------------------------------------------------

// A request parameter whose value comes from the resource's incremental cursor.
struct IncrementalConfig {
  std::string cursor_path;    // in the record, JSONPath subset (e.g. updated_at, $.meta.ts)
  std::string initial_value;  // "" = none: the first run loads everything
  std::string end_value;      // "" = none; with an end value the run is a backfill window
                              // and does not advance the stored cursor
  std::string param;          // request parameter to send the start value as ("" = none)
  std::string end_param;      // request parameter to send end_value as ("" = none)
  std::string lag;            // "" or a number; for timestamps also "90s", "15m", "2h", "3d"
  enum class OnNull { kReject, kLoad };
  OnNull on_null = OnNull::kReject;
  // Deduplicate records that carry exactly the stored last value by the resource's primary key
  // (true) or not at all (false: the boundary records load again).
  bool boundary_dedup = true;
};

// A record filter: keep records for which the condition holds (all filters must hold).
struct RecordFilterConfig {
  std::string path;  // JSONPath subset into the record
  enum class Op { kEquals, kNotEquals, kIn, kNotIn, kExists, kNotExists, kGreater, kLess };
  Op op = Op::kEquals;
  std::vector<std::string> values;  // as JSON scalars' text: "open", "42", "true", "null"
};

// A value from a parent record: `resolve` params in the endpoint of a child resource.
struct ParentFieldConfig {
  std::string name;   // the placeholder in the child's path, or the child's param name
  std::string field;  // JSONPath subset into the parent record (e.g. number, $.user.login)
};

struct EndpointConfig {
  std::string path;    // appended to base_url; may be an absolute URL; {name} placeholders
  std::string method = "GET";
  std::map<std::string, std::string> params;    // static query parameters
  std::string json_body;                        // request body as JSON text (POST), "" = none
  std::string data_selector;                    // JSONPath subset to the records; "" = auto
  std::optional<PaginatorConfig> paginator;     // overrides the client's
  std::map<std::string, std::string> headers;   // extra headers for this endpoint
  // 404 means "no records" instead of failing (common for child resources).
  bool not_found_is_empty = false;
};

struct ResourceConfig {
  std::string name;   // also the table name unless `table` is set
  std::string table;  // "" = name
  EndpointConfig endpoint;
  std::string write_disposition = "append";  // append | replace | merge
  std::vector<std::string> primary_key;      // record paths / column names
  std::string merge_strategy = "delete-insert";
  std::optional<IncrementalConfig> incremental;
  // Name of the query parameter / placeholder the incremental cursor fills is
  // IncrementalConfig::param.
  std::vector<RecordFilterConfig> filters;
  std::vector<std::string> include_columns;  // top-level record fields kept ("" = all)
  std::vector<std::string> exclude_columns;  // top-level record fields dropped
  int max_nesting = 5;
  std::string schema_contract = "evolve";
  // Child resources: the parent resource's name, the parent fields that fill the child's
  // path placeholders / params, and parent fields copied into every child record as
  // `_<parent>_<field>` columns.
  std::string parent;
  std::vector<ParentFieldConfig> resolve;
  std::vector<std::string> include_from_parent;
  bool selected = true;  // false: fetched only to feed its children, not loaded
};

struct ApiSourceConfig {
  enum class Type { kRestApi, kGraphql };
  Type type = Type::kRestApi;
  std::string name;  // "" = "rest_api" / "graphql"; used in state keys and reports
  ClientConfig client;
  // GraphQL: every resource's endpoint.json_body is built from query + variables.
  std::string graphql_query;
  std::map<std::string, std::string> graphql_variables;  // values as JSON text
  // GraphQL: a response with an `errors` array fails the resource (fail), or loads the data it
  // has and records each error as a rejected record (partial).
  enum class ErrorPolicy { kFail, kPartial };
  ErrorPolicy graphql_errors = ErrorPolicy::kFail;
  std::vector<ResourceConfig> resources;
};

struct PipelineConfig {
  std::string pipeline;
  std::string destination = "duckdb:///sluice.duckdb";
  std::vector<ApiSourceConfig> sources;
  uint64_t max_bad_rows = 1000;
  std::string file;  // the path it was read from (for messages)
};

// ---- webhook receiver ----------------------------------------------------------------------

struct SignatureConfig {
  enum class Scheme { kNone, kStripe, kGithub, kHmac };
  Scheme scheme = Scheme::kNone;
  std::string secret;
  int64_t tolerance_s = 300;       // stripe: max age of the signed timestamp
  std::string header;              // hmac: header holding the signature
  std::string algorithm = "sha256";  // hmac: sha256 | sha1 | sha512
  std::string encoding = "hex";    // hmac: hex | base64
  std::string prefix;              // hmac: prefix before the digest, e.g. "sha256="
};

struct WebhookRouteConfig {
  std::string path;
  std::string table;
  SignatureConfig signature;
  std::string id_path;  // JSONPath subset: deduplication key; "" = no deduplication
  int max_nesting = 5;
};

struct WebhookConfig {
  std::string pipeline = "webhooks";
  std::string destination = "duckdb:///sluice.duckdb";
  std::string listen = "127.0.0.1:8080";
  std::string tls_cert_file, tls_key_file;  // both set: HTTPS
  std::string spool_dir = ".sluice-spool";
  uint64_t max_body_bytes = 1 << 20;
  uint64_t batch_rows = 1000;     // load when this many events are spooled...
  double batch_interval_s = 1.0;  // ...or this long after the oldest unloaded one
  std::vector<WebhookRouteConfig> routes;
  std::string file;
};

// Read, validate and interpolate. `secrets_file` "" = none. Throw UsageError naming the
// file and the key path ("sources[0].client.auth.tokn: unknown key; expected one of ...").
PipelineConfig LoadPipelineConfig(const std::string& path, const std::string& secrets_file);
WebhookConfig LoadWebhookConfig(const std::string& path, const std::string& secrets_file);

}  // namespace sluice
