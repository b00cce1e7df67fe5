// `sluice run PIPELINE.yaml` end to end: the real binary against an in-test HTTP API
// (api/test_api_server_test_util.h) that serves every paginator and auth type and misbehaves on
// purpose, loading into DuckDB.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include <httplib.h>

#include "api/test_api_server_test_util.h"
#include "cli/cli_test_util.h"

namespace sluice {
namespace {

using testing::ApiTestServer;
using namespace testing_util;

class RunPipeline : public ::testing::Test {
 protected:
  void SetUp() override { base_ = api_.Start(); }

  // Writes pipeline.yaml: `sources` is the YAML under `sources:` with {BASE} for the API's URL.
  std::string Pipeline(const std::string& sources, const std::string& name = "pipeline.yaml") {
    std::string text = "pipeline: items\ndestination: duckdb:///out.duckdb\nsources:\n" + sources;
    for (size_t at = text.find("{BASE}"); at != std::string::npos; at = text.find("{BASE}")) {
      text.replace(at, 6, base_);
    }
    return dir_.Write(name, text);
  }
  CommandResult Run(const std::string& extra = "", const std::string& env = "") {
    return RunSluice("run pipeline.yaml --quiet " + extra, dir_.path().string(), env);
  }
  // Run() and how long it took.
  CommandResult TimedRun(double* seconds) {
    const auto start = std::chrono::steady_clock::now();
    CommandResult r = Run();
    *seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return r;
  }
  std::vector<std::string> Query(const std::string& sql) {
    return QueryRows(dir_.File("out.duckdb"), sql);
  }
  std::string Scalar(const std::string& sql) {
    auto rows = Query(sql);
    return rows.empty() ? "" : rows[0];
  }
  // The rows' ids as one string "1,2,...", to compare with the dataset.
  std::string Ids(const std::string& table = "items") {
    return Scalar("SELECT string_agg(id::VARCHAR, ',' ORDER BY id) FROM " + table);
  }
  static std::string Expected(int n) {
    std::string s;
    for (int i = 1; i <= n; i++) s += (i > 1 ? "," : "") + std::to_string(i);
    return s;
  }
  int QueryCount(const std::string& param) {
    int n = 0;
    for (const auto& r : api_.log()) n += r.query.find(param) != std::string::npos;
    return n;
  }

  ApiTestServer api_{25};
  std::string base_;
  TempDir dir_;
};

TEST_F(RunPipeline, EveryPaginatorStyleLoadsTheWholeDatasetExactlyOnce) {
  const std::vector<std::pair<std::string, std::string>> styles = {
      {"/items/json_link", "{type: json_link, next_url_path: next}"},
      {"/items/header_link", "header_link"},
      {"/items/cursor", "{type: cursor, cursor_path: cursors.next, cursor_param: cursor}"},
      {"/items/offset", "{type: offset, limit: 10, total_path: total}"},
      {"/items/page", "{type: page_number, page_param: page, total_path: total_pages}"},
      {"/items/single", "single_page"},
      {"/items/json_link", "auto"},
      {"/items/header_link", "auto"},
  };
  for (const auto& [path, paginator] : styles) {
    SCOPED_TRACE(path + " " + paginator);
    std::filesystem::remove(dir_.File("out.duckdb"));
    Pipeline(
        "  - type: rest_api\n    client:\n      base_url: {BASE}\n      paginator: " + paginator +
        "\n    resources:\n      - name: items\n        endpoint:\n          path: " + path + "\n");
    const CommandResult r = Run();
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(Ids(), Expected(25));
    // Nested arrays become child tables exactly as the JSON reader makes them.
    EXPECT_EQ(Scalar("SELECT count(*) FROM items__tags"), "25");
  }
}

TEST_F(RunPipeline, EveryAuthTypeIsSentAndSecretsNeverPrinted) {
  struct Case {
    ApiTestServer::Auth auth;
    std::string yaml;
  };
  const std::vector<Case> cases = {
      {ApiTestServer::Auth::kBearer, "{type: bearer, token: ${API_TOKEN}}"},
      {ApiTestServer::Auth::kApiKeyHeader, "{type: api_key, name: X-API-Key, api_key: ${API_KEY}}"},
      {ApiTestServer::Auth::kApiKeyQuery,
       "{type: api_key, name: api_key, api_key: ${API_KEY}, location: query}"},
      {ApiTestServer::Auth::kBasic, "{type: http_basic, username: user, password: ${PASSWORD}}"},
      {ApiTestServer::Auth::kOAuth2,
       "{type: oauth2_client_credentials, token_url: {BASE}/oauth/token, client_id: client, "
       "client_secret: ${CLIENT_SECRET}}"},
  };
  dir_.Write("secrets.yaml",
             "API_TOKEN: test-token\nAPI_KEY: test-key\nPASSWORD: pass\nCLIENT_SECRET: secret\n");
  for (const auto& c : cases) {
    SCOPED_TRACE(c.yaml);
    std::filesystem::remove(dir_.File("out.duckdb"));
    api_.set_auth(c.auth);
    Pipeline("  - type: rest_api\n    client:\n      base_url: {BASE}\n      auth: " + c.yaml +
             "\n    resources:\n      - name: items\n        endpoint: {path: /items/page, "
             "paginator: {type: page_number, total_path: total_pages}}\n");
    CommandResult r = Run("--secrets secrets.yaml");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(Ids(), Expected(25));
  }
  // Wrong credentials: a clear failure naming the URL and status, without the secret.
  api_.set_auth(ApiTestServer::Auth::kBearer);
  Pipeline(
      "  - type: rest_api\n    client:\n      base_url: {BASE}\n      auth: {type: bearer, "
      "token: ${API_TOKEN}}\n    resources: [{name: items, endpoint: /items/single}]\n");
  dir_.Write("secrets.yaml", "API_TOKEN: wrong-secret-value\n");
  const CommandResult r = Run("--secrets secrets.yaml --resource items");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("401"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(base_ + "/items"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("wrong-secret-value"), std::string::npos) << r.err;
  EXPECT_EQ(Scalar("SELECT string_agg(error, ' ') FROM _sluice_loads WHERE error LIKE "
                   "'%wrong-secret%'"),
            "NULL");
}

TEST_F(RunPipeline, ExpiredOAuthTokensAreRefreshedOnce) {
  api_.set_auth(ApiTestServer::Auth::kOAuth2);
  api_.set_delay_ms(100);
  Pipeline(
      "  - type: rest_api\n    client:\n      base_url: {BASE}\n      auth: {type: "
      "oauth2_client_credentials, token_url: {BASE}/oauth/token, client_id: client, "
      "client_secret: secret}\n      paginator: {type: page_number, total_path: total_pages}\n"
      "    resources:\n      - {name: items, endpoint: /items/page}\n");
  // The token expires once the first page was served.
  std::thread expire([&] {
    for (int i = 0; i < 500 && api_.data_requests() < 1; i++) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    api_.ExpireTokens();
  });
  const CommandResult r = Run();
  expire.join();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Ids(), Expected(25));
  EXPECT_GE(api_.tokens_issued(), 2);
}

TEST_F(RunPipeline, RateLimitsAndServerErrorsAreRetriedWithoutLosingOrDoublingRecords) {
  api_.FailNext(1, ApiTestServer::Failure::k429RetryAfter);
  api_.FailNext(1, ApiTestServer::Failure::k500);
  api_.FailNext(1, ApiTestServer::Failure::k429RateLimitReset);
  api_.set_rate_limit_reset_s(1);
  api_.set_fail_every(4);
  Pipeline(
      "  - type: rest_api\n    client:\n      base_url: {BASE}\n      backoff_base_s: 0.05\n"
      "      paginator: {type: offset, limit: 5, total_path: total}\n"
      "    resources:\n      - {name: items, endpoint: /items/offset}\n");
  double seconds = 0;
  const CommandResult r = TimedRun(&seconds);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Ids(), Expected(25));
  // Retry-After: 1 and a reset one second ahead were waited out.
  EXPECT_GE(seconds, 1.5);
  EXPECT_GT(api_.data_requests(), 5 + 3);
}

TEST_F(RunPipeline, TheTokenBucketSpacesRequests) {
  Pipeline(
      "  - type: rest_api\n    client:\n      base_url: {BASE}\n      requests_per_second: 10\n"
      "      paginator: {type: page_number, total_path: total_pages}\n"
      "    resources:\n      - {name: items, endpoint: {path: /items/page, params: {per_page: "
      "2}}}\n");
  double seconds = 0;
  const CommandResult r = TimedRun(&seconds);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Ids(), Expected(25));
  // 13 pages at 10 per second: at least 1.2 s after the first.
  EXPECT_GE(seconds, 1.2);
}

TEST_F(RunPipeline, AMalformedPageFailsTheResourceWithTheUrlAndPositionAndCommitsNothing) {
  api_.set_malformed_page(2);
  Pipeline(
      "  - type: rest_api\n    client:\n      base_url: {BASE}\n"
      "      paginator: {type: page_number, total_path: total_pages}\n"
      "    resources:\n      - {name: items, endpoint: /items/page, primary_key: id, "
      "incremental: {cursor_path: id}}\n");
  CommandResult r = Run();
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(base_ + "/items/page?page=2"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("not valid JSON at byte"), std::string::npos) << r.err;
  EXPECT_EQ(Scalar("SELECT count(*) FROM information_schema.tables WHERE table_name = 'items'"),
            "0");
  EXPECT_EQ(Scalar("SELECT count(*) FROM _sluice_state"), "0");
  // Fixed upstream: the rerun loads everything once.
  api_.set_malformed_page(0);
  r = Run();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Ids(), Expected(25));
}

TEST_F(RunPipeline, ARepeatingCursorOrSelfLinkStopsInsteadOfLooping) {
  api_.set_repeat_cursor(true);
  Pipeline(
      "  - type: rest_api\n    client: {base_url: '{BASE}', paginator: {type: cursor, "
      "cursor_path: cursors.next, cursor_param: cursor}}\n"
      "    resources: [{name: items, endpoint: /items/cursor}]\n");
  CommandResult r = Run();
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("returned cursor \"o10\" again"), std::string::npos) << r.err;
  api_.set_repeat_cursor(false);
  api_.set_self_link(true);
  Pipeline(
      "  - type: rest_api\n    client: {base_url: '{BASE}', paginator: json_link}\n"
      "    resources: [{name: items, endpoint: /items/json_link}]\n");
  r = Run();
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("the next link points to the page itself"), std::string::npos) << r.err;
  EXPECT_LT(api_.data_requests(), 10);
}

TEST_F(RunPipeline, IncrementalRerunsLoadOnlyNewRecordsAndSendTheCursor) {
  Pipeline(
      "  - type: rest_api\n    client:\n      base_url: {BASE}\n"
      "      paginator: {type: page_number, total_path: total_pages}\n"
      "    resources:\n      - name: items\n        primary_key: id\n"
      "        endpoint:\n          path: /items/page\n"
      "          params:\n            since: {type: incremental, cursor_path: id, "
      "initial_value: '3'}\n");
  CommandResult r = Run();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Scalar("SELECT count(*) FROM items"), "23");  // ids 3..25
  EXPECT_GE(QueryCount("since=3"), 1);
  api_.ClearLog();
  api_.set_records(30);
  r = RunSluice("run pipeline.yaml --report json", dir_.path().string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Scalar("SELECT count(*) FROM items"), "28");  // 26..30 added, 25 not doubled
  EXPECT_EQ(Scalar("SELECT min(id) || '-' || max(id) FROM items"), "3-30");
  EXPECT_GE(QueryCount("since=25"), 1);
  EXPECT_NE(r.out.find("\"rows_skipped\":25"), std::string::npos) << r.out;
  // Nothing new: nothing loaded.
  r = Run();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Scalar("SELECT count(*) FROM items"), "28");
}

TEST_F(RunPipeline, ChildResourcesGetParentFieldsAndOnlyNewParentsOnRerun) {
  api_.set_records(6);
  api_.set_page_size(2);
  // Parent: every record. Child: per parent, the page numbered by the parent's id (pages
  // past the end are empty), carrying the parent's id and name.
  Pipeline(R"(  - type: rest_api
    client: {base_url: '{BASE}'}
    resources:
      - name: parents
        primary_key: id
        write_disposition: merge
        endpoint: {path: /items/single, paginator: single_page}
        incremental: {cursor_path: id}
      - name: children
        endpoint:
          path: /items/page
          paginator: single_page
          params:
            page: {type: resolve, resource: parents, field: id}
        include_from_parent: [id, name]
)");
  CommandResult r = Run();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Ids("parents"), Expected(6));
  // Parents 1..3 have pages of 2 records; 4..6 get empty pages.
  EXPECT_EQ(Query("SELECT _parents_id, id, _parents_name FROM children ORDER BY 1, 2"),
            (std::vector<std::string>{"1|1|item-1", "1|2|item-1", "2|3|item-2", "2|4|item-2",
                                      "3|5|item-3", "3|6|item-3"}));
  api_.ClearLog();
  api_.set_records(8);
  r = Run();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Only the new parents 7 and 8 were asked for their children.
  int child_requests = 0;
  for (const auto& l : api_.log()) child_requests += l.path == "/items/page";
  EXPECT_EQ(child_requests, 2);
  EXPECT_EQ(Scalar("SELECT count(*) FROM children"), "6");
  EXPECT_EQ(Scalar("SELECT count(*) FROM _sluice_state WHERE key = 'pending_parents'"), "0");
}

TEST_F(RunPipeline, AChildThatFailsKeepsItsParentsPendingForTheNextRun) {
  api_.set_records(4);
  api_.set_page_size(2);
  Pipeline(R"(  - type: rest_api
    client: {base_url: '{BASE}', max_attempts: 1}
    resources:
      - name: parents
        endpoint: {path: /items/single, paginator: single_page}
        incremental: {cursor_path: id}
      - name: children
        endpoint:
          path: /items/page
          paginator: single_page
          params: {page: {type: resolve, resource: parents, field: id}}
        include_from_parent: [id]
)");
  api_.set_fail_every(5);  // the 5th data request (the 4th child page) fails
  CommandResult r = Run();
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(Ids("parents"), Expected(4));
  EXPECT_EQ(Scalar("SELECT count(*) FROM information_schema.tables WHERE table_name = 'children'"),
            "0");
  api_.set_fail_every(0);
  r = Run();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Ids("parents"), Expected(4));  // no parent loaded twice
  EXPECT_EQ(Scalar("SELECT count(*) FROM children"), "4");
}

TEST_F(RunPipeline, GraphqlRelayPagination) {
  Pipeline(R"(  - type: graphql
    client: {base_url: '{BASE}/graphql'}
    query: 'query($first: Int, $after: String) { repository { issues(first: $first, after: $after) { nodes { id name } pageInfo { hasNextPage endCursor } } } }'
    variables: {first: 10}
    resources:
      - name: issues
        endpoint:
          data_selector: data.repository.issues.nodes
          paginator: {type: relay, page_info_path: data.repository.issues.pageInfo}
)");
  const CommandResult r = Run();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Ids("issues"), Expected(25));
}

TEST_F(RunPipeline, UnknownKeysAreRefusedWithTheirPath) {
  Pipeline(
      "  - type: rest_api\n    client: {base_url: '{BASE}', auth: {type: bearer, tokn: x}}\n"
      "    resources: [items]\n");
  const CommandResult r = Run();
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("sources[0].client.auth.tokn"), std::string::npos) << r.err;
}

TEST_F(RunPipeline, FiltersAndColumnSelection) {
  Pipeline(R"(  - type: rest_api
    client: {base_url: '{BASE}', paginator: {type: page_number, total_path: total_pages}}
    resources:
      - name: items
        endpoint: /items/page
        filters: [{path: value, op: greater, value: 200}]
        exclude_columns: [tags]
)");
  const CommandResult r = Run();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Scalar("SELECT count(*) || ' ' || min(id) FROM items"), "5 21");
  EXPECT_EQ(Scalar("SELECT count(*) FROM information_schema.tables WHERE table_name = "
                   "'items__tags'"),
            "0");
}

TEST_F(RunPipeline, UpdatedRecordsAreMergedByATimestampCursorSentToTheApi) {
  Pipeline(R"(  - type: rest_api
    client: {base_url: '{BASE}', paginator: {type: page_number, total_path: total_pages}}
    resources:
      - name: items
        primary_key: id
        write_disposition: merge
        endpoint:
          path: /items/page
          params:
            updated_since: {type: incremental, cursor_path: updated_at, initial_value: '2026-01-01T00:00:00Z'}
)");
  CommandResult r = Run();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Ids(), Expected(25));
  api_.ClearLog();
  api_.Touch(3);
  r = Run();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The API was asked for records since the last run's newest, and only record 3 came back
  // changed (record 25, at the boundary, was not loaded again).
  EXPECT_GE(QueryCount("updated_since=2026-01-01T00%3A25%3A00Z"), 1) << api_.log()[0].query;
  EXPECT_EQ(Scalar("SELECT count(*) || ' ' || count(DISTINCT id) FROM items"), "25 25");
  EXPECT_EQ(Scalar("SELECT count(DISTINCT _sluice_load_id) FROM items WHERE id = 3"), "1");
  EXPECT_EQ(Scalar("SELECT max(id) FROM items WHERE updated_at > '2026-01-01 00:25:00+00'"), "3");
}

TEST_F(RunPipeline, APageThatKeepsFailingFailsTheResourceWithoutMovingItsCursor) {
  Pipeline(R"(  - type: rest_api
    client: {base_url: '{BASE}', max_attempts: 2, backoff_base_s: 0.01,
             paginator: {type: page_number, total_path: total_pages}}
    resources:
      - {name: items, endpoint: /items/page, primary_key: id, incremental: {cursor_path: id}}
)");
  ASSERT_EQ(Run().exit_code, 0);
  const std::string state = Scalar("SELECT value FROM _sluice_state WHERE key = 'cursor'");
  api_.set_records(30);
  api_.FailNext(1, ApiTestServer::Failure::k500);  // page 1 comes on the retry
  api_.FailNext(2, ApiTestServer::Failure::k500);  // page 2 fails twice: the resource fails
  CommandResult r = Run();
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("500"), std::string::npos) << r.err;
  EXPECT_EQ(Scalar("SELECT value FROM _sluice_state WHERE key = 'cursor'"), state);
  EXPECT_EQ(Scalar("SELECT count(*) FROM items"), "25");
  r = Run();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Ids(), Expected(30));
}

TEST_F(RunPipeline, AnApiThatIgnoresThePagingParameterIsStoppedAtTheSecondPage) {
  // The server pages by `offset`; the config says `skip`, so every answer is the first page.
  Pipeline(
      "  - type: rest_api\n    client: {base_url: '{BASE}', paginator: {type: offset, "
      "limit: 10, offset_param: skip}}\n"
      "    resources: [{name: items, endpoint: /items/offset}]\n");
  const CommandResult r = Run();
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("the API returned the same page as for the previous request"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(api_.data_requests(), 2);
}

TEST_F(RunPipeline, ParentsStillPendingAreNotFetchedTwiceWhenCapturedAgain) {
  api_.set_records(4);
  api_.set_page_size(2);
  // The parent is not incremental: every run captures all parents again.
  Pipeline(R"(  - type: rest_api
    client: {base_url: '{BASE}', max_attempts: 1, max_concurrency: 1}
    resources:
      - name: parents
        primary_key: id
        write_disposition: merge
        endpoint: {path: /items/single, paginator: single_page}
      - name: children
        endpoint:
          path: /items/page
          paginator: single_page
          params: {page: {type: resolve, resource: parents, field: id}}
)");
  api_.set_fail_every(3);  // a child page fails: the children stay pending
  CommandResult r = Run();
  EXPECT_EQ(r.exit_code, 1) << r.err;
  api_.set_fail_every(0);
  api_.ClearLog();
  r = Run();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  int child_requests = 0;
  for (const auto& l : api_.log()) child_requests += l.path == "/items/page";
  EXPECT_EQ(child_requests, 4);  // each parent once, not once per capture
  EXPECT_EQ(Scalar("SELECT count(*) || ' ' || count(DISTINCT id) FROM children"), "4 4");
}

TEST_F(RunPipeline, ConfigurationsThatCannotRunAreRefusedBeforeAnythingLoads) {
  Pipeline(R"(  - type: rest_api
    client: {base_url: '{BASE}'}
    resources:
      - {name: items, endpoint: /items/single}
      - {name: broken, endpoint: /items/single, write_disposition: merge}
)");
  const CommandResult r = Run();
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("resource 'broken': write_disposition merge needs a primary_key"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(api_.data_requests(), 0);
}

// A GraphQL API that answers with an `errors` array next to partial data.
class GraphqlErrors : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.Post("/graphql", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(
          R"({"data":{"viewer":{"repos":{"nodes":[{"id":1,"name":"a"},null],"pageInfo":{"hasNextPage":false,"endCursor":null}}}},)"
          R"("errors":[{"message":"Resource not accessible by integration","path":["viewer","repos","nodes",1]}]})",
          "application/json");
    });
    server_.set_keep_alive_timeout(1);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  void TearDown() override {
    server_.stop();
    thread_.join();
  }
  CommandResult Run(const std::string& policy) {
    dir_.Write("pipeline.yaml",
               "pipeline: gql\ndestination: duckdb:///out.duckdb\nsources:\n  - type: graphql\n"
               "    client: {base_url: 'http://127.0.0.1:" +
                   std::to_string(port_) +
                   "/graphql'}\n    query: '{ viewer { repos { nodes { id name } } } }'\n"
                   "    errors: " +
                   policy + "\n    resources: [{name: repos}]\n");
    return RunSluice("run pipeline.yaml --quiet", dir_.path().string());
  }

  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  TempDir dir_;
};

TEST_F(GraphqlErrors, FailTheResourceByDefaultNamingEveryMessageAndPath) {
  const CommandResult r = Run("fail");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(
      r.err.find(
          "Resource not accessible by integration (path: [\"viewer\",\"repos\",\"nodes\",1])"),
      std::string::npos)
      << r.err;
}

TEST_F(GraphqlErrors, PartialLoadsTheDataAndRejectsEachError) {
  const CommandResult r = Run("partial");
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_EQ(QueryRows(dir_.File("out.duckdb"), "SELECT id, name FROM repos"),
            std::vector<std::string>{"1|a"});
  EXPECT_EQ(QueryRows(dir_.File("out.duckdb"), "SELECT reason FROM _sluice_rejects"),
            std::vector<std::string>{"GraphQL error: Resource not accessible by integration "
                                     "(path: [\"viewer\",\"repos\",\"nodes\",1])"});
}

}  // namespace
}  // namespace sluice
