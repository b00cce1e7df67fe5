// Every mistake in a pipeline file is a usage error naming the file, the key path and what is
// allowed. The messages are part of the interface: tests compare them whole.
#include <gtest/gtest.h>

#include "config/config_test_helpers.h"
#include "config/pipeline_config.h"

namespace sluice {
namespace {

using config_test::ConfigDir;
using config_test::UsageMessage;

// The error of loading `yaml` as a pipeline file, with the file's path replaced by "p.yaml".
std::string PipelineError(const std::string& yaml) {
  ConfigDir dir;
  const std::string file = dir.Write("p.yaml", yaml);
  std::string message = UsageMessage([&] { LoadPipelineConfig(file, ""); });
  if (message.starts_with(file)) message = "p.yaml" + message.substr(file.size());
  return message;
}

// A pipeline file whose single source has `source_body` (indented 4) after its client.
std::string WithSource(const std::string& source_body) {
  return "pipeline: p\n"
         "sources:\n"
         "  - client:\n"
         "      base_url: http://localhost/\n" +
         source_body;
}

TEST(ConfigErrors, UnknownKeys) {
  EXPECT_EQ(PipelineError("pipeline: p\ndestinaton: x\nsources: []\n"),
            "p.yaml: destinaton: unknown key (expected one of: pipeline, destination, "
            "max_bad_rows, sources)");
  EXPECT_EQ(PipelineError(WithSource("      auth: {type: bearer, tokn: x}\n    resources: [a]\n")),
            "p.yaml: sources[0].client.auth.tokn: unknown key (expected one of: type, token)");
  EXPECT_EQ(
      PipelineError(WithSource("    resources:\n      - name: a\n        endpoint: {pth: x}\n")),
      "p.yaml: sources[0].resources[0].endpoint.pth: unknown key (expected one of: path, "
      "method, params, json, data_selector, paginator, headers, not_found_is_empty)");
  EXPECT_EQ(PipelineError(WithSource("    resources:\n      - name: a\n        endpoint:\n"
                                     "          params:\n            since: {type: incremental, "
                                     "cursor: x}\n")),
            "p.yaml: sources[0].resources[0].endpoint.params.since.cursor: unknown key (expected "
            "one of: type, cursor_path, initial_value, end_value, end_param, lag, on_null, "
            "boundary_dedup)");
  EXPECT_EQ(PipelineError(WithSource("      paginator: {type: offset, page_size: 10}\n"
                                     "    resources: [a]\n")),
            "p.yaml: sources[0].client.paginator.page_size: unknown key (expected one of: type, "
            "limit, offset, offset_param, limit_param, total_path, maximum_offset, "
            "stop_after_empty_page, max_pages)");
  // GraphQL-only keys are unknown in a REST source.
  EXPECT_EQ(PipelineError(WithSource("    query: x\n    resources: [a]\n")),
            "p.yaml: sources[0].query: unknown key (expected one of: type, name, client, "
            "resource_defaults, resources)");
  // Unknown keys of resource_defaults are reported where they are written.
  EXPECT_EQ(PipelineError(WithSource("    resource_defaults: {primary_keys: id}\n"
                                     "    resources: [a]\n")),
            "p.yaml: sources[0].resource_defaults.primary_keys: unknown key (expected one of: "
            "table, endpoint, write_disposition, primary_key, merge_strategy, incremental, "
            "filters, include_columns, exclude_columns, max_nesting, schema_contract, parent, "
            "include_from_parent, selected)");
  EXPECT_EQ(PipelineError(WithSource("    resource_defaults: {name: x}\n    resources: [a]\n")),
            "p.yaml: sources[0].resource_defaults.name: unknown key (expected one of: table, "
            "endpoint, write_disposition, primary_key, merge_strategy, incremental, filters, "
            "include_columns, exclude_columns, max_nesting, schema_contract, parent, "
            "include_from_parent, selected)");
  EXPECT_EQ(PipelineError(WithSource("      timeout_s: 1\n      timeout_s: 2\n"
                                     "    resources: [a]\n")),
            "p.yaml: sources[0].client.timeout_s: duplicate key");
}

TEST(ConfigErrors, WrongTypes) {
  EXPECT_EQ(PipelineError(WithSource("      timeout_s: abc\n    resources: [a]\n")),
            "p.yaml: sources[0].client.timeout_s: expects a number > 0, got \"abc\"");
  EXPECT_EQ(PipelineError(WithSource("      burst: 1.5\n    resources: [a]\n")),
            "p.yaml: sources[0].client.burst: expects an integer >= 1, got \"1.5\"");
  EXPECT_EQ(PipelineError(WithSource("    resources:\n      - {name: a, selected: maybe}\n")),
            "p.yaml: sources[0].resources[0].selected: expects true or false, got \"maybe\"");
  EXPECT_EQ(PipelineError(WithSource("      headers: [a, b]\n    resources: [a]\n")),
            "p.yaml: sources[0].client.headers: expects a map, got a list");
  EXPECT_EQ(PipelineError(WithSource("      headers: {X-A: {b: c}}\n    resources: [a]\n")),
            "p.yaml: sources[0].client.headers.X-A: expects a string, got a map");
  EXPECT_EQ(PipelineError(WithSource("    resources: a\n")),
            "p.yaml: sources[0].resources: expects a list, got \"a\"");
  EXPECT_EQ(PipelineError(WithSource("    resources:\n      - [a]\n")),
            "p.yaml: sources[0].resources[0]: expects a string or a map, got a list");
  EXPECT_EQ(PipelineError(WithSource("    resources:\n      - {name: a, primary_key: {a: b}}\n")),
            "p.yaml: sources[0].resources[0].primary_key: expects a string or a list of "
            "strings, got a map");
  EXPECT_EQ(PipelineError("pipeline: p\nmax_bad_rows: -1\nsources: []\n"),
            "p.yaml: max_bad_rows: expects an integer >= 0, got \"-1\"");
  EXPECT_EQ(PipelineError(WithSource("      timeout_s: 0\n    resources: [a]\n")),
            "p.yaml: sources[0].client.timeout_s: expects a number > 0, got \"0\"");
  EXPECT_EQ(PipelineError(WithSource("      max_concurrency: 0\n    resources: [a]\n")),
            "p.yaml: sources[0].client.max_concurrency: expects an integer >= 1, got \"0\"");
  EXPECT_EQ(
      PipelineError(WithSource("    resources:\n      - {name: a, max_nesting: 9999999999}\n")),
      "p.yaml: sources[0].resources[0].max_nesting: expects at most 2147483647");
  EXPECT_EQ(PipelineError("- a\n- b\n"), "p.yaml: expects a map, got a list");
  EXPECT_EQ(PipelineError(""), "p.yaml: expects a map, got nothing");
}

TEST(ConfigErrors, BadEnumValues) {
  EXPECT_EQ(PipelineError(WithSource("    resources:\n      - {name: a, write_disposition: "
                                     "upsert}\n")),
            "p.yaml: sources[0].resources[0].write_disposition: expects one of: append, "
            "replace, merge, got \"upsert\"");
  EXPECT_EQ(PipelineError(WithSource("      paginator: next_link\n    resources: [a]\n")),
            "p.yaml: sources[0].client.paginator.type: expects one of: auto, single_page, "
            "json_link, header_link, cursor, offset, page_number, relay, got \"next_link\"");
  EXPECT_EQ(PipelineError(WithSource("      auth: {type: oauth}\n    resources: [a]\n")),
            "p.yaml: sources[0].client.auth.type: expects one of: none, bearer, api_key, "
            "http_basic, basic, oauth2_client_credentials, got \"oauth\"");
  EXPECT_EQ(PipelineError("pipeline: p\nsources:\n  - type: soap\n"),
            "p.yaml: sources[0].type: expects one of: rest_api, graphql, got \"soap\"");
  EXPECT_EQ(PipelineError(WithSource("    resources:\n      - {name: a, filters: [{path: x, op: "
                                     "like, value: y}]}\n")),
            "p.yaml: sources[0].resources[0].filters[0].op: expects one of: equals, not_equals, "
            "in, not_in, exists, not_exists, greater, less, got \"like\"");
  EXPECT_EQ(PipelineError(WithSource("    resources:\n      - {name: a, schema_contract: "
                                     "strict}\n")),
            "p.yaml: sources[0].resources[0].schema_contract: expects one of: evolve, freeze, "
            "discard_row, discard_value, got \"strict\"");
}

TEST(ConfigErrors, MissingRequiredKeys) {
  EXPECT_EQ(PipelineError("sources: []\n"), "p.yaml: missing required key \"pipeline\"");
  EXPECT_EQ(PipelineError("pipeline: p\nsources:\n  - resources: [a]\n"),
            "p.yaml: sources[0]: missing required key \"client\"");
  EXPECT_EQ(PipelineError("pipeline: p\nsources:\n  - client: {}\n    resources: [a]\n"),
            "p.yaml: sources[0].client: missing required key \"base_url\"");
  EXPECT_EQ(PipelineError(WithSource("    resources:\n      - {table: t}\n")),
            "p.yaml: sources[0].resources[0]: missing required key \"name\"");
  EXPECT_EQ(PipelineError(WithSource("      auth: {type: api_key}\n    resources: [a]\n")),
            "p.yaml: sources[0].client.auth: missing required key \"api_key\"");
  EXPECT_EQ(PipelineError(WithSource("      paginator: {limit: 5}\n    resources: [a]\n")),
            "p.yaml: sources[0].client.paginator: missing required key \"type\"");
  EXPECT_EQ(PipelineError("pipeline: p\nsources:\n  - type: graphql\n    client: {base_url: "
                          "x}\n    resources: [a]\n"),
            "p.yaml: sources[0]: missing required key \"query\"");
}

TEST(ConfigErrors, ResourceGraph) {
  EXPECT_EQ(PipelineError(WithSource("    resources: [a, b, a]\n")),
            "p.yaml: sources[0].resources[2].name: duplicate resource name \"a\"");
  EXPECT_EQ(PipelineError(WithSource(R"(    resources:
      - issues
      - name: comments
        endpoint:
          path: issues/{n}/comments
          params: {n: {type: resolve, resource: isues, field: number}}
)")),
            "p.yaml: sources[0].resources[1].endpoint.params.n.resource: unknown resource "
            "\"isues\" (resources of this source: issues, comments)");
  EXPECT_EQ(PipelineError(WithSource(R"(    resources:
      - {name: a, parent: c}
      - {name: b, parent: a}
      - {name: c, parent: b}
)")),
            "p.yaml: sources[0].resources: parent cycle: a -> c -> b -> a");
  EXPECT_EQ(PipelineError(WithSource("    resources:\n      - {name: a, parent: a}\n")),
            "p.yaml: sources[0].resources: parent cycle: a -> a");
  EXPECT_EQ(PipelineError(WithSource(R"(    resources:
      - a
      - b
      - name: c
        parent: a
        endpoint:
          params: {x: {type: resolve, resource: b, field: id}}
)")),
            "p.yaml: sources[0].resources[2].endpoint.params.x.resource: \"b\" differs from the "
            "parent \"a\" named before (one parent per resource)");
  EXPECT_EQ(
      PipelineError(WithSource("    resources:\n      - name: a\n        endpoint: x/{id}\n")),
      "p.yaml: sources[0].resources[0].endpoint.path: placeholder {id} is not filled by a "
      "resolve param (params: {id: {type: resolve, resource: ..., field: ...}})");
  EXPECT_EQ(PipelineError(WithSource("    resources:\n      - {name: a, include_from_parent: "
                                     "[id]}\n")),
            "p.yaml: sources[0].resources[0].include_from_parent: the resource has no parent "
            "(add a resolve param)");
  EXPECT_EQ(PipelineError(R"(pipeline: p
sources:
  - {client: {base_url: x}, resources: [a]}
  - {client: {base_url: y}, resources: [b]}
)"),
            "p.yaml: sources[1].name: duplicate source name \"rest_api\" (give each source its "
            "own name)");
}

TEST(ConfigErrors, RelayIsForGraphqlSources) {
  EXPECT_EQ(PipelineError(WithSource("      paginator: relay\n    resources: [a]\n")),
            "p.yaml: sources[0].client.paginator.type: relay paginates GraphQL sources only");
  EXPECT_EQ(PipelineError(WithSource("    resources:\n      - name: a\n        endpoint: "
                                     "{paginator: relay}\n")),
            "p.yaml: sources[0].resources[0].endpoint.paginator.type: relay paginates GraphQL "
            "sources only");
}

TEST(ConfigErrors, IncrementalAndFilters) {
  EXPECT_EQ(PipelineError(WithSource(R"(    resources:
      - name: a
        incremental: {cursor_path: ts}
        endpoint:
          params: {since: {type: incremental, cursor_path: ts}}
)")),
            "p.yaml: sources[0].resources[0].endpoint.params.since: the resource already has "
            "an incremental cursor (one per resource)");
  EXPECT_EQ(PipelineError(WithSource("    resources:\n      - {name: a, incremental: {param: "
                                     "x}}\n")),
            "p.yaml: sources[0].resources[0].incremental: missing required key \"cursor_path\"");
  EXPECT_EQ(PipelineError(WithSource("    resources:\n      - {name: a, filters: [{path: x}]}\n")),
            "p.yaml: sources[0].resources[0].filters[0]: op equals needs a value");
  EXPECT_EQ(PipelineError(WithSource("    resources:\n      - {name: a, filters: [{path: x, op: "
                                     "exists, value: 1}]}\n")),
            "p.yaml: sources[0].resources[0].filters[0]: op exists takes no value");
  EXPECT_EQ(PipelineError(WithSource("    resources:\n      - {name: a, filters: [{path: x, "
                                     "value: 1, values: [2]}]}\n")),
            "p.yaml: sources[0].resources[0].filters[0]: give value or values, not both");
  EXPECT_EQ(PipelineError(WithSource("    resources:\n      - {name: a, filters: [{path: x, op: "
                                     "less, values: [1, 2]}]}\n")),
            "p.yaml: sources[0].resources[0].filters[0].values: op less compares with one value");
}

TEST(ConfigErrors, YamlSyntaxNamesLineAndColumn) {
  const std::string message = PipelineError("pipeline: p\nsources:\n  - client: {base_url: x\n");
  EXPECT_TRUE(message.starts_with("p.yaml:4:1: invalid YAML: ")) << message;
  EXPECT_EQ(PipelineError("pipeline: p\n  bad: indent\n"),
            "p.yaml:2:6: invalid YAML: illegal map value");
}

TEST(ConfigErrors, MissingFile) {
  EXPECT_EQ(UsageMessage([] { LoadPipelineConfig("/nonexistent/p.yaml", ""); }),
            "/nonexistent/p.yaml: cannot read the file");
}

}  // namespace
}  // namespace sluice
