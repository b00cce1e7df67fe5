// The defaults docs/pipeline-reference.md states (declared in config_schema.cc) are the struct
// initializers of pipeline_config.h, which are what a file without the key gets.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/config_schema.h"
#include "config/pipeline_config.h"

namespace sluice {
namespace {

// The node at `path` (map keys; lists and free-key maps are stepped through; variant keys are
// looked up in every variant).
const SchemaNode* Find(const SchemaNode& root, const std::vector<std::string>& path) {
  const SchemaNode* at = &root;
  for (const auto& key : path) {
    while (at->kind == SchemaNode::Kind::kList) at = &at->children[0];
    const SchemaNode* next = nullptr;
    for (const auto& c : at->children) {
      if (c.name == key) next = &c;
    }
    for (const auto& v : at->variants) {
      for (const auto& c : v.children) {
        if (!next && c.name == key) next = &c;
      }
    }
    if (!next) return nullptr;
    at = next;
  }
  return at;
}

std::string Documented(const SchemaNode& root, const std::vector<std::string>& path) {
  const SchemaNode* n = Find(root, path);
  std::string joined;
  for (const auto& p : path) joined += "." + p;
  if (!n) {
    ADD_FAILURE() << "no key " << joined;
    return "";
  }
  return n->default_text == "\"\"" ? "" : n->default_text;
}

void ExpectDefault(const SchemaNode& root, const std::vector<std::string>& path,
                   const std::string& value) {
  EXPECT_EQ(Documented(root, path), value) << path.back();
}
void ExpectDefault(const SchemaNode& root, const std::vector<std::string>& path, double value) {
  EXPECT_EQ(std::stod(Documented(root, path)), value) << path.back();
}
void ExpectDefault(const SchemaNode& root, const std::vector<std::string>& path, bool value) {
  EXPECT_EQ(Documented(root, path), value ? "true" : "false") << path.back();
}

TEST(SchemaDefaults, PipelineFile) {
  const SchemaNode& root = PipelineFileSchema();
  const PipelineConfig pipeline;
  ExpectDefault(root, {"destination"}, pipeline.destination);
  ExpectDefault(root, {"max_bad_rows"}, double(pipeline.max_bad_rows));

  const ClientConfig c;
  const std::vector<std::string> client = {"sources", "client"};
  auto at = [](std::vector<std::string> base, const std::string& key) {
    base.push_back(key);
    return base;
  };
  ExpectDefault(root, at(client, "timeout_s"), c.timeout_s);
  ExpectDefault(root, at(client, "connect_timeout_s"), c.connect_timeout_s);
  ExpectDefault(root, at(client, "requests_per_second"), c.requests_per_second);
  ExpectDefault(root, at(client, "burst"), double(c.burst));
  ExpectDefault(root, at(client, "max_concurrency"), double(c.max_concurrency));
  ExpectDefault(root, at(client, "max_attempts"), double(c.max_attempts));
  ExpectDefault(root, at(client, "backoff_base_s"), c.backoff_base_s);
  ExpectDefault(root, at(client, "backoff_max_s"), c.backoff_max_s);

  const std::vector<std::string> auth = at(client, "auth");
  ExpectDefault(root, at(auth, "name"), AuthConfig().name);  // "" = chosen by location
  ExpectDefault(root, at(auth, "location"), std::string("header"));
  ExpectDefault(root, at(auth, "client_auth"), std::string("basic"));

  const PaginatorConfig p;
  const std::vector<std::string> pag = at(client, "paginator");
  ExpectDefault(root, at(pag, "next_url_path"), p.next_url_path);
  ExpectDefault(root, at(pag, "cursor_path"), p.cursor_path);
  ExpectDefault(root, at(pag, "cursor_param"), p.cursor_param);
  ExpectDefault(root, at(pag, "cursor_body_path"), p.cursor_body_path);
  ExpectDefault(root, at(pag, "limit"), double(p.limit));
  ExpectDefault(root, at(pag, "offset"), double(p.offset));
  ExpectDefault(root, at(pag, "offset_param"), p.offset_param);
  ExpectDefault(root, at(pag, "limit_param"), p.limit_param);
  ExpectDefault(root, at(pag, "total_path"), p.total_path);
  ExpectDefault(root, at(pag, "maximum_offset"), double(p.maximum_offset));
  ExpectDefault(root, at(pag, "page_param"), p.page_param);
  ExpectDefault(root, at(pag, "base_page"), double(p.base_page));
  ExpectDefault(root, at(pag, "maximum_page"), double(p.maximum_page));
  ExpectDefault(root, at(pag, "stop_after_empty_page"), p.stop_after_empty_page);
  ExpectDefault(root, at(pag, "page_info_path"), p.page_info_path);
  ExpectDefault(root, at(pag, "cursor_variable"), p.cursor_variable);
  ExpectDefault(root, at(pag, "max_pages"), double(p.max_pages));

  const ResourceConfig r;
  const std::vector<std::string> res = {"sources", "resources"};
  ExpectDefault(root, at(res, "write_disposition"), r.write_disposition);
  ExpectDefault(root, at(res, "merge_strategy"), r.merge_strategy);
  ExpectDefault(root, at(res, "max_nesting"), double(r.max_nesting));
  ExpectDefault(root, at(res, "schema_contract"), r.schema_contract);
  ExpectDefault(root, at(res, "parent"), r.parent);
  ExpectDefault(root, at(res, "selected"), r.selected);
  const EndpointConfig e;
  ExpectDefault(root, at(at(res, "endpoint"), "method"), e.method);
  ExpectDefault(root, at(at(res, "endpoint"), "data_selector"), e.data_selector);
  ExpectDefault(root, at(at(res, "endpoint"), "not_found_is_empty"), e.not_found_is_empty);

  const IncrementalConfig inc;
  const std::vector<std::string> incremental = at(res, "incremental");
  ExpectDefault(root, at(incremental, "initial_value"), inc.initial_value);
  ExpectDefault(root, at(incremental, "end_value"), inc.end_value);
  ExpectDefault(root, at(incremental, "param"), inc.param);
  ExpectDefault(root, at(incremental, "end_param"), inc.end_param);
  ExpectDefault(root, at(incremental, "lag"), inc.lag);
  ExpectDefault(root, at(incremental, "on_null"), std::string("reject"));
  ExpectDefault(root, at(incremental, "boundary_dedup"), inc.boundary_dedup);
  ExpectDefault(root, at(res, "filters"), std::string(""));
  ExpectDefault(root, {"sources", "resources", "filters", "op"}, std::string("equals"));
  ExpectDefault(root, {"sources", "errors"}, std::string("fail"));
}

TEST(SchemaDefaults, WebhookFile) {
  const SchemaNode& root = WebhookFileSchema();
  const WebhookConfig w;
  ExpectDefault(root, {"pipeline"}, w.pipeline);
  ExpectDefault(root, {"destination"}, w.destination);
  ExpectDefault(root, {"listen"}, w.listen);
  ExpectDefault(root, {"spool_dir"}, w.spool_dir);
  ExpectDefault(root, {"max_body_bytes"}, double(w.max_body_bytes));
  ExpectDefault(root, {"batch_rows"}, double(w.batch_rows));
  ExpectDefault(root, {"batch_interval_s"}, w.batch_interval_s);
  const WebhookRouteConfig route;
  ExpectDefault(root, {"routes", "id_path"}, route.id_path);
  ExpectDefault(root, {"routes", "max_nesting"}, double(route.max_nesting));
  const SignatureConfig sig;
  const std::vector<std::string> s = {"routes", "signature"};
  ExpectDefault(root, {"routes", "signature", "tolerance_s"}, double(sig.tolerance_s));
  ExpectDefault(root, {"routes", "signature", "algorithm"}, sig.algorithm);
  ExpectDefault(root, {"routes", "signature", "encoding"}, sig.encoding);
  ExpectDefault(root, {"routes", "signature", "prefix"}, sig.prefix);
  EXPECT_EQ(Find(root, s)->default_variant, "none");
}

}  // namespace
}  // namespace sluice
