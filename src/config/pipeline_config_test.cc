// What pipeline files mean: each test is a small file and the structs it must load into.
#include "config/pipeline_config.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "config/config_test_helpers.h"
#include "config/secrets.h"

namespace sluice {
namespace {

using config_test::ConfigDir;

PipelineConfig Load(const ConfigDir& dir, const std::string& yaml) {
  return LoadPipelineConfig(dir.Write("pipeline.yaml", yaml), "");
}

// One REST source with the given client and resources blocks (already indented).
std::string RestFile(const std::string& client_extra, const std::string& resources) {
  return "pipeline: p\n"
         "sources:\n"
         "  - client:\n"
         "      base_url: https://api.example.com/\n" +
         client_extra + "    resources:\n" + resources;
}

TEST(PipelineConfig, GithubExample) {
  ConfigDir dir;
  setenv("SLUICE_TEST_GH_TOKEN", "ghp_example_token_123", 1);
  const PipelineConfig c = Load(dir, R"(
pipeline: github
destination: duckdb:///github.duckdb
max_bad_rows: 10
sources:
  - name: github
    client:
      base_url: https://api.github.com/repos/acme/widgets/
      headers:
        Accept: application/vnd.github+json
      auth:
        type: bearer
        token: ${SLUICE_TEST_GH_TOKEN}
      paginator: header_link
      requests_per_second: 5
      burst: 10
      max_attempts: 3
    resource_defaults:
      primary_key: id
      write_disposition: merge
      endpoint:
        params:
          per_page: 100
    resources:
      - name: issues
        endpoint:
          path: issues
          params:
            state: all
            since:
              type: incremental
              cursor_path: updated_at
              initial_value: "2024-01-01T00:00:00Z"
        filters:
          - {path: pull_request, op: not_exists}
      - name: issue_comments
        table: comments
        endpoint:
          path: issues/{issue_number}/comments
          params:
            issue_number:
              type: resolve
              resource: issues
              field: number
          not_found_is_empty: true
        include_from_parent: [id, title]
      - stargazers
)");
  EXPECT_EQ(c.pipeline, "github");
  EXPECT_EQ(c.destination, "duckdb:///github.duckdb");
  EXPECT_EQ(c.max_bad_rows, 10u);
  EXPECT_EQ(c.file, dir.Write("pipeline.yaml", ""));  // the path it was read from
  ASSERT_EQ(c.sources.size(), 1u);
  const ApiSourceConfig& s = c.sources[0];
  EXPECT_EQ(s.type, ApiSourceConfig::Type::kRestApi);
  EXPECT_EQ(s.name, "github");
  EXPECT_EQ(s.client.base_url, "https://api.github.com/repos/acme/widgets/");
  EXPECT_EQ(s.client.headers.at("Accept"), "application/vnd.github+json");
  EXPECT_EQ(s.client.auth.type, AuthConfig::Type::kBearer);
  EXPECT_EQ(s.client.auth.token, "ghp_example_token_123");
  EXPECT_EQ(s.client.paginator.type, PaginatorConfig::Type::kHeaderLink);
  EXPECT_EQ(s.client.requests_per_second, 5);
  EXPECT_EQ(s.client.burst, 10);
  EXPECT_EQ(s.client.max_attempts, 3);
  EXPECT_EQ(s.client.timeout_s, 60);  // struct default
  ASSERT_EQ(s.resources.size(), 3u);

  const ResourceConfig& issues = s.resources[0];
  EXPECT_EQ(issues.name, "issues");
  EXPECT_EQ(issues.table, "issues");
  EXPECT_EQ(issues.endpoint.path, "issues");
  EXPECT_EQ(issues.endpoint.method, "GET");
  EXPECT_EQ(issues.endpoint.params,
            (std::map<std::string, std::string>{{"per_page", "100"}, {"state", "all"}}));
  EXPECT_EQ(issues.write_disposition, "merge");
  EXPECT_EQ(issues.primary_key, std::vector<std::string>{"id"});
  ASSERT_TRUE(issues.incremental.has_value());
  EXPECT_EQ(issues.incremental->cursor_path, "updated_at");
  EXPECT_EQ(issues.incremental->initial_value, "2024-01-01T00:00:00Z");
  EXPECT_EQ(issues.incremental->param, "since");
  EXPECT_EQ(issues.incremental->on_null, IncrementalConfig::OnNull::kReject);
  EXPECT_TRUE(issues.incremental->boundary_dedup);
  ASSERT_EQ(issues.filters.size(), 1u);
  EXPECT_EQ(issues.filters[0].path, "pull_request");
  EXPECT_EQ(issues.filters[0].op, RecordFilterConfig::Op::kNotExists);
  EXPECT_TRUE(issues.parent.empty());
  EXPECT_FALSE(issues.endpoint.paginator.has_value());

  const ResourceConfig& comments = s.resources[1];
  EXPECT_EQ(comments.name, "issue_comments");
  EXPECT_EQ(comments.table, "comments");
  EXPECT_EQ(comments.endpoint.path, "issues/{issue_number}/comments");
  EXPECT_EQ(comments.parent, "issues");
  ASSERT_EQ(comments.resolve.size(), 1u);
  EXPECT_EQ(comments.resolve[0].name, "issue_number");
  EXPECT_EQ(comments.resolve[0].field, "number");
  EXPECT_EQ(comments.endpoint.params, (std::map<std::string, std::string>{{"per_page", "100"}}));
  EXPECT_TRUE(comments.endpoint.not_found_is_empty);
  EXPECT_EQ(comments.include_from_parent, (std::vector<std::string>{"id", "title"}));
  EXPECT_FALSE(comments.incremental.has_value());

  const ResourceConfig& stars = s.resources[2];
  EXPECT_EQ(stars.name, "stargazers");
  EXPECT_EQ(stars.table, "stargazers");
  EXPECT_EQ(stars.endpoint.path, "stargazers");
  EXPECT_EQ(stars.write_disposition, "merge");
  EXPECT_EQ(stars.primary_key, std::vector<std::string>{"id"});
  EXPECT_EQ(stars.endpoint.params.at("per_page"), "100");

  // The token came from an auth key: it is redacted from any message.
  EXPECT_EQ(RedactSecrets("sent ghp_example_token_123 to github"), "sent *** to github");
}

TEST(PipelineConfig, MinimalFileKeepsStructDefaults) {
  ConfigDir dir;
  const PipelineConfig c = Load(dir, RestFile("", "      - users\n"));
  EXPECT_EQ(c.destination, PipelineConfig().destination);
  EXPECT_EQ(c.max_bad_rows, PipelineConfig().max_bad_rows);
  const ApiSourceConfig& s = c.sources.at(0);
  EXPECT_EQ(s.name, "");
  EXPECT_EQ(s.client.auth.type, AuthConfig::Type::kNone);
  EXPECT_EQ(s.client.paginator.type, PaginatorConfig::Type::kAuto);
  EXPECT_EQ(s.client.max_concurrency, ClientConfig().max_concurrency);
  EXPECT_EQ(s.client.backoff_base_s, ClientConfig().backoff_base_s);
  const ResourceConfig& r = s.resources.at(0);
  EXPECT_EQ(r.write_disposition, "append");
  EXPECT_EQ(r.merge_strategy, "delete-insert");
  EXPECT_EQ(r.max_nesting, 5);
  EXPECT_EQ(r.schema_contract, "evolve");
  EXPECT_TRUE(r.selected);
  EXPECT_TRUE(r.primary_key.empty());
}

TEST(PipelineConfig, EveryRestPaginatorType) {  // relay: GraphqlSource
  ConfigDir dir;
  const PipelineConfig c = Load(dir, RestFile("", R"(      - name: a
        endpoint: {paginator: auto}
      - name: b
        endpoint: {paginator: {type: single_page}}
      - name: c
        endpoint: {paginator: {type: json_link, next_url_path: links.next, max_pages: 3}}
      - name: d
        endpoint: {paginator: header_link}
      - name: e
        endpoint:
          paginator: {type: cursor, cursor_path: meta.next, cursor_param: after,
                      cursor_body_path: page.after, stop_after_empty_page: false}
      - name: f
        endpoint:
          paginator: {type: offset, limit: 50, offset: 10, offset_param: skip, limit_param: take,
                      total_path: total, maximum_offset: 1000}
      - name: g
        endpoint:
          paginator: {type: page_number, base_page: 0, page_param: p, total_path: pages,
                      maximum_page: 20}
)"));
  const auto& r = c.sources.at(0).resources;
  ASSERT_EQ(r.size(), 7u);
  using T = PaginatorConfig::Type;
  EXPECT_EQ(r[0].endpoint.paginator->type, T::kAuto);
  EXPECT_EQ(r[1].endpoint.paginator->type, T::kSinglePage);
  EXPECT_EQ(r[2].endpoint.paginator->type, T::kJsonLink);
  EXPECT_EQ(r[2].endpoint.paginator->next_url_path, "links.next");
  EXPECT_EQ(r[2].endpoint.paginator->max_pages, 3);
  EXPECT_EQ(r[3].endpoint.paginator->type, T::kHeaderLink);
  const PaginatorConfig& cursor = *r[4].endpoint.paginator;
  EXPECT_EQ(cursor.type, T::kCursor);
  EXPECT_EQ(cursor.cursor_path, "meta.next");
  EXPECT_EQ(cursor.cursor_param, "after");
  EXPECT_EQ(cursor.cursor_body_path, "page.after");
  EXPECT_FALSE(cursor.stop_after_empty_page);
  const PaginatorConfig& offset = *r[5].endpoint.paginator;
  EXPECT_EQ(offset.type, T::kOffset);
  EXPECT_EQ(offset.limit, 50);
  EXPECT_EQ(offset.offset, 10);
  EXPECT_EQ(offset.offset_param, "skip");
  EXPECT_EQ(offset.limit_param, "take");
  EXPECT_EQ(offset.total_path, "total");
  EXPECT_EQ(offset.maximum_offset, 1000);
  EXPECT_TRUE(offset.stop_after_empty_page);
  const PaginatorConfig& page = *r[6].endpoint.paginator;
  EXPECT_EQ(page.type, T::kPageNumber);
  EXPECT_EQ(page.base_page, 0);
  EXPECT_EQ(page.page_param, "p");
  EXPECT_EQ(page.total_path, "pages");
  EXPECT_EQ(page.maximum_page, 20);
}

TEST(PipelineConfig, EveryAuthType) {
  ConfigDir dir;
  const std::string file = dir.Write("p.yaml", R"(
pipeline: p
sources:
  - name: bearer
    client: {base_url: "http://x/", auth: {token: tok-1234}}
    resources: [r]
  - name: key_header
    client: {base_url: "http://x/", auth: {type: api_key, api_key: key-1234}}
    resources: [r]
  - name: key_query
    client: {base_url: "http://x/", auth: {type: api_key, name: apikey, api_key: key-5678,
                                          location: query}}
    resources: [r]
  - name: basic
    client: {base_url: "http://x/", auth: {type: http_basic, username: ann, password: pw-1234}}
    resources: [r]
  - name: basic_alias
    client: {base_url: "http://x/", auth: {type: basic, username: bob}}
    resources: [r]
  - name: oauth
    client:
      base_url: "http://x/"
      auth:
        type: oauth2_client_credentials
        token_url: https://auth.example.com/token
        client_id: cid
        client_secret: csecret-1234
        scope: read
        client_auth: body
        token_params: {audience: api}
    resources: [r]
  - name: none
    client: {base_url: "http://x/", auth: none}
    resources: [r]
)");
  const PipelineConfig c = LoadPipelineConfig(file, "");
  ASSERT_EQ(c.sources.size(), 7u);
  using T = AuthConfig::Type;
  const AuthConfig& bearer = c.sources[0].client.auth;
  EXPECT_EQ(bearer.type, T::kBearer);  // the default type of an auth map
  EXPECT_EQ(bearer.token, "tok-1234");
  const AuthConfig& header = c.sources[1].client.auth;
  EXPECT_EQ(header.type, T::kApiKey);
  EXPECT_EQ(header.name, "");  // the client picks X-API-Key for a header, api_key for a query
  EXPECT_EQ(header.api_key, "key-1234");
  EXPECT_EQ(header.location, AuthConfig::Location::kHeader);
  const AuthConfig& query = c.sources[2].client.auth;
  EXPECT_EQ(query.name, "apikey");
  EXPECT_EQ(query.location, AuthConfig::Location::kQuery);
  const AuthConfig& basic = c.sources[3].client.auth;
  EXPECT_EQ(basic.type, T::kBasic);
  EXPECT_EQ(basic.username, "ann");
  EXPECT_EQ(basic.password, "pw-1234");
  EXPECT_EQ(c.sources[4].client.auth.type, T::kBasic);
  EXPECT_EQ(c.sources[4].client.auth.password, "");
  const AuthConfig& oauth = c.sources[5].client.auth;
  EXPECT_EQ(oauth.type, T::kOAuth2ClientCredentials);
  EXPECT_EQ(oauth.token_url, "https://auth.example.com/token");
  EXPECT_EQ(oauth.client_id, "cid");
  EXPECT_EQ(oauth.client_secret, "csecret-1234");
  EXPECT_EQ(oauth.scope, "read");
  EXPECT_TRUE(oauth.client_auth_in_body);
  EXPECT_EQ(oauth.token_params, (std::map<std::string, std::string>{{"audience", "api"}}));
  EXPECT_EQ(c.sources[6].client.auth.type, T::kNone);
  // Literal credentials are secrets too.
  EXPECT_EQ(RedactSecrets("tok-1234 key-1234 key-5678 pw-1234 csecret-1234 ann cid"),
            "*** *** *** *** *** ann cid");
}

TEST(PipelineConfig, ResourceDefaultsMergeKeyByKey) {
  ConfigDir dir;
  const PipelineConfig c = Load(dir, RestFile("", R"(      - name: a
        endpoint: a/list
      - name: b
        write_disposition: replace
        endpoint:
          params: {page_size: 10, extra: x}
          headers: {X-B: b}
          paginator: {type: offset, limit: 5}
)") + R"(    resource_defaults:
      write_disposition: merge
      primary_key: [org, id]
      max_nesting: 2
      endpoint:
        params: {page_size: 50}
        headers: {X-Default: d}
        paginator: {type: page_number, base_page: 0}
        data_selector: data
)");
  const auto& r = c.sources.at(0).resources;
  EXPECT_EQ(r[0].endpoint.path, "a/list");  // `endpoint: PATH` merges with the defaults' map
  EXPECT_EQ(r[0].endpoint.data_selector, "data");
  EXPECT_EQ(r[0].endpoint.params.at("page_size"), "50");
  EXPECT_EQ(r[0].endpoint.paginator->type, PaginatorConfig::Type::kPageNumber);
  EXPECT_EQ(r[0].write_disposition, "merge");
  EXPECT_EQ(r[0].primary_key, (std::vector<std::string>{"org", "id"}));
  EXPECT_EQ(r[0].max_nesting, 2);
  EXPECT_EQ(r[1].write_disposition, "replace");
  EXPECT_EQ(r[1].endpoint.path, "b");
  EXPECT_EQ(r[1].endpoint.params,
            (std::map<std::string, std::string>{{"page_size", "10"}, {"extra", "x"}}));
  EXPECT_EQ(r[1].endpoint.headers,
            (std::map<std::string, std::string>{{"X-B", "b"}, {"X-Default", "d"}}));
  // A paginator is replaced whole: page_number's base_page must not leak into offset.
  EXPECT_EQ(r[1].endpoint.paginator->type, PaginatorConfig::Type::kOffset);
  EXPECT_EQ(r[1].endpoint.paginator->limit, 5);
  EXPECT_EQ(r[1].endpoint.paginator->base_page, 1);
}

// Defaults are checked without their required keys: a resource may complete them.
TEST(PipelineConfig, ResourceDefaultsCompletedByTheResource) {
  ConfigDir dir;
  setenv("SLUICE_TEST_SINCE", "2020-01-01", 1);
  const PipelineConfig c = Load(dir, RestFile("", R"(      - name: a
        incremental: {initial_value: "${SLUICE_TEST_SINCE}"}
      - name: b
        incremental: {cursor_path: modified}
)") + R"(    resource_defaults:
      incremental: {cursor_path: updated, param: since}
)");
  const auto& r = c.sources.at(0).resources;
  EXPECT_EQ(r[0].incremental->cursor_path, "updated");
  EXPECT_EQ(r[0].incremental->initial_value, "2020-01-01");
  EXPECT_EQ(r[0].incremental->param, "since");
  EXPECT_EQ(r[1].incremental->cursor_path, "modified");
  EXPECT_EQ(r[1].incremental->param, "since");
}

TEST(PipelineConfig, IncrementalFiltersColumnsContract) {
  ConfigDir dir;
  const PipelineConfig c = Load(dir, RestFile("", R"(      - name: events
        endpoint:
          path: v1/events
          method: POST
          json: {query: {kind: [a, "b"], limit: 10, exact: true, none: null, code: "007"}}
        incremental:
          cursor_path: $.meta.ts
          initial_value: 100
          end_value: 200
          param: from
          end_param: to
          lag: 15m
          on_null: load
          boundary_dedup: false
        filters:
          - {path: status, value: open}
          - {path: kind, op: in, values: [a, b]}
          - {path: score, op: greater, value: 10}
        include_columns: [id, status]
        exclude_columns: [debug]
        max_nesting: 0
        schema_contract: {columns: freeze}
        merge_strategy: upsert
        selected: false
)"));
  const ResourceConfig& r = c.sources.at(0).resources.at(0);
  EXPECT_EQ(r.endpoint.method, "POST");
  EXPECT_EQ(r.endpoint.json_body,
            R"({"query":{"kind":["a","b"],"limit":10,"exact":true,"none":null,"code":"007"}})");
  ASSERT_TRUE(r.incremental.has_value());
  const IncrementalConfig& inc = *r.incremental;
  EXPECT_EQ(inc.cursor_path, "$.meta.ts");
  EXPECT_EQ(inc.initial_value, "100");
  EXPECT_EQ(inc.end_value, "200");
  EXPECT_EQ(inc.param, "from");
  EXPECT_EQ(inc.end_param, "to");
  EXPECT_EQ(inc.lag, "15m");
  EXPECT_EQ(inc.on_null, IncrementalConfig::OnNull::kLoad);
  EXPECT_FALSE(inc.boundary_dedup);
  ASSERT_EQ(r.filters.size(), 3u);
  EXPECT_EQ(r.filters[0].op, RecordFilterConfig::Op::kEquals);
  EXPECT_EQ(r.filters[0].values, std::vector<std::string>{"open"});
  EXPECT_EQ(r.filters[1].op, RecordFilterConfig::Op::kIn);
  EXPECT_EQ(r.filters[1].values, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(r.filters[2].op, RecordFilterConfig::Op::kGreater);
  EXPECT_EQ(r.filters[2].values, std::vector<std::string>{"10"});
  EXPECT_EQ(r.include_columns, (std::vector<std::string>{"id", "status"}));
  EXPECT_EQ(r.exclude_columns, std::vector<std::string>{"debug"});
  EXPECT_EQ(r.max_nesting, 0);
  EXPECT_EQ(r.schema_contract, "columns=freeze");
  EXPECT_EQ(r.merge_strategy, "upsert");
  EXPECT_FALSE(r.selected);
}

TEST(PipelineConfig, ChildResourceResolve) {
  ConfigDir dir;
  const PipelineConfig c = Load(dir, RestFile("", R"(      - name: repos
        selected: false
      - name: pulls
        endpoint:
          path: repos/{owner}/{repo}/pulls
          params:
            owner: {type: resolve, resource: repos, field: $.owner.login}
            repo: {type: resolve, resource: repos, field: name}
            org_id: {type: resolve, resource: repos, field: org.id}
            state: open
        include_from_parent: [id]
      - name: reviews
        parent: pulls
        endpoint:
          path: reviews
          params:
            pull: {type: resolve, resource: pulls, field: number}
)"));
  const auto& r = c.sources.at(0).resources;
  EXPECT_FALSE(r[0].selected);
  EXPECT_EQ(r[1].parent, "repos");
  ASSERT_EQ(r[1].resolve.size(), 3u);
  // Params are a map: resolve entries come in key order.
  EXPECT_EQ(r[1].resolve[0].name, "owner");
  EXPECT_EQ(r[1].resolve[0].field, "$.owner.login");
  EXPECT_EQ(r[1].resolve[1].name, "repo");
  EXPECT_EQ(r[1].resolve[2].name, "org_id");  // not in the path: sent as a query parameter
  EXPECT_EQ(r[1].resolve[2].field, "org.id");
  EXPECT_EQ(r[1].endpoint.params, (std::map<std::string, std::string>{{"state", "open"}}));
  EXPECT_EQ(r[1].include_from_parent, std::vector<std::string>{"id"});
  EXPECT_EQ(r[2].parent, "pulls");
  EXPECT_EQ(r[2].resolve.at(0).name, "pull");
}

TEST(PipelineConfig, GraphqlSource) {
  ConfigDir dir;
  const PipelineConfig c = Load(dir, R"(
pipeline: gh
sources:
  - type: graphql
    name: gh_graphql
    client:
      base_url: https://api.github.com/graphql
      paginator: {type: relay, max_pages: 10, page_info_path: info, cursor_variable: cursor}
    query: |
      query($owner: String!, $first: Int!, $after: String) {
        repository(owner: $owner, name: "x") { issues(first: $first, after: $after) {
          nodes { id title } pageInfo { hasNextPage endCursor } } }
      }
    variables:
      owner: acme
      first: 50
      labels: [bug, "1"]
      filter: {since: "2024-01-01", open: true}
    errors: partial
    resources:
      - name: issues
        endpoint: {data_selector: data.repository.issues.nodes}
)");
  const ApiSourceConfig& s = c.sources.at(0);
  EXPECT_EQ(s.type, ApiSourceConfig::Type::kGraphql);
  EXPECT_EQ(s.name, "gh_graphql");
  EXPECT_NE(s.graphql_query.find("pageInfo { hasNextPage endCursor }"), std::string::npos);
  EXPECT_EQ(s.graphql_variables, (std::map<std::string, std::string>{
                                     {"owner", "\"acme\""},
                                     {"first", "50"},
                                     {"labels", "[\"bug\",\"1\"]"},
                                     {"filter", "{\"since\":\"2024-01-01\",\"open\":true}"}}));
  EXPECT_EQ(s.graphql_errors, ApiSourceConfig::ErrorPolicy::kPartial);
  EXPECT_EQ(s.client.paginator.type, PaginatorConfig::Type::kRelay);
  EXPECT_EQ(s.client.paginator.max_pages, 10);
  EXPECT_EQ(s.client.paginator.page_info_path, "info");
  EXPECT_EQ(s.client.paginator.cursor_variable, "cursor");
  const ResourceConfig& r = s.resources.at(0);
  EXPECT_EQ(r.endpoint.data_selector, "data.repository.issues.nodes");
  EXPECT_EQ(r.endpoint.path, "");  // GraphQL posts to base_url
  EXPECT_EQ(r.endpoint.method, "POST");
}

TEST(PipelineConfig, ClientSettingsAndParams) {
  ConfigDir dir;
  const PipelineConfig c = Load(dir, RestFile(R"(      params: {api_version: "2"}
      timeout_s: 2.5
      connect_timeout_s: 1
      requests_per_second: 0.5
      burst: 2
      max_concurrency: 8
      max_attempts: 1
      backoff_base_s: 0.1
      backoff_max_s: 5
)",
                                              "      - r\n"));
  const ClientConfig& client = c.sources.at(0).client;
  EXPECT_EQ(client.params.at("api_version"), "2");
  EXPECT_EQ(client.timeout_s, 2.5);
  EXPECT_EQ(client.connect_timeout_s, 1);
  EXPECT_EQ(client.requests_per_second, 0.5);
  EXPECT_EQ(client.burst, 2);
  EXPECT_EQ(client.max_concurrency, 8);
  EXPECT_EQ(client.max_attempts, 1);
  EXPECT_EQ(client.backoff_base_s, 0.1);
  EXPECT_EQ(client.backoff_max_s, 5);
}

}  // namespace
}  // namespace sluice
