// What webhook files (`sluice serve CONFIG.yaml`) mean.
#include <gtest/gtest.h>

#include <cstdlib>

#include "config/config_test_helpers.h"
#include "config/pipeline_config.h"
#include "config/secrets.h"

namespace sluice {
namespace {

using config_test::ConfigDir;
using config_test::UsageMessage;

TEST(WebhookConfig, FullFile) {
  ConfigDir dir;
  setenv("SLUICE_TEST_STRIPE_SECRET", "whsec_test_123", 1);
  const std::string file = dir.Write("serve.yaml", R"(
pipeline: hooks
destination: duckdb:///events.duckdb
listen: 0.0.0.0:9000
tls: {cert_file: cert.pem, key_file: key.pem}
spool_dir: /var/spool/sluice
max_body_bytes: 65536
batch_rows: 500
batch_interval_s: 0.25
routes:
  - path: /hooks/stripe
    table: stripe_events
    signature: {scheme: stripe, secret: "${SLUICE_TEST_STRIPE_SECRET}", tolerance_s: 60}
    id_path: id
  - path: /hooks/github
    table: github_events
    signature: {scheme: github, secret: gh-literal-secret}
    id_path: $.delivery
    max_nesting: 1
  - path: /hooks/shop
    table: shop_events
    signature:
      scheme: hmac
      secret: shop-secret
      header: X-Shop-Hmac-Sha256
      algorithm: sha512
      encoding: base64
      prefix: "v1="
  - path: /hooks/open
    table: open_events
)");
  const WebhookConfig c = LoadWebhookConfig(file, "");
  EXPECT_EQ(c.file, file);
  EXPECT_EQ(c.pipeline, "hooks");
  EXPECT_EQ(c.destination, "duckdb:///events.duckdb");
  EXPECT_EQ(c.listen, "0.0.0.0:9000");
  EXPECT_EQ(c.tls_cert_file, "cert.pem");
  EXPECT_EQ(c.tls_key_file, "key.pem");
  EXPECT_EQ(c.spool_dir, "/var/spool/sluice");
  EXPECT_EQ(c.max_body_bytes, 65536u);
  EXPECT_EQ(c.batch_rows, 500u);
  EXPECT_EQ(c.batch_interval_s, 0.25);
  ASSERT_EQ(c.routes.size(), 4u);
  using S = SignatureConfig::Scheme;
  EXPECT_EQ(c.routes[0].path, "/hooks/stripe");
  EXPECT_EQ(c.routes[0].table, "stripe_events");
  EXPECT_EQ(c.routes[0].signature.scheme, S::kStripe);
  EXPECT_EQ(c.routes[0].signature.secret, "whsec_test_123");
  EXPECT_EQ(c.routes[0].signature.tolerance_s, 60);
  EXPECT_EQ(c.routes[0].id_path, "id");
  EXPECT_EQ(c.routes[1].signature.scheme, S::kGithub);
  EXPECT_EQ(c.routes[1].id_path, "$.delivery");
  EXPECT_EQ(c.routes[1].max_nesting, 1);
  const SignatureConfig& hmac = c.routes[2].signature;
  EXPECT_EQ(hmac.scheme, S::kHmac);
  EXPECT_EQ(hmac.header, "X-Shop-Hmac-Sha256");
  EXPECT_EQ(hmac.algorithm, "sha512");
  EXPECT_EQ(hmac.encoding, "base64");
  EXPECT_EQ(hmac.prefix, "v1=");
  EXPECT_EQ(c.routes[3].signature.scheme, S::kNone);
  EXPECT_EQ(c.routes[3].max_nesting, 5);
  EXPECT_EQ(RedactSecrets("whsec_test_123 gh-literal-secret shop-secret"), "*** *** ***");
}

TEST(WebhookConfig, Defaults) {
  ConfigDir dir;
  const WebhookConfig c =
      LoadWebhookConfig(dir.Write("serve.yaml", "routes: [{path: /h, table: t}]\n"), "");
  const WebhookConfig d;
  EXPECT_EQ(c.pipeline, d.pipeline);
  EXPECT_EQ(c.destination, d.destination);
  EXPECT_EQ(c.listen, d.listen);
  EXPECT_EQ(c.spool_dir, d.spool_dir);
  EXPECT_EQ(c.max_body_bytes, d.max_body_bytes);
  EXPECT_EQ(c.batch_rows, d.batch_rows);
  EXPECT_EQ(c.batch_interval_s, d.batch_interval_s);
  EXPECT_TRUE(c.tls_cert_file.empty());
  EXPECT_EQ(c.routes.at(0).signature.algorithm, "sha256");
  EXPECT_EQ(c.routes.at(0).signature.encoding, "hex");
}

std::string WebhookError(const std::string& yaml) {
  ConfigDir dir;
  const std::string file = dir.Write("w.yaml", yaml);
  std::string message = UsageMessage([&] { LoadWebhookConfig(file, ""); });
  if (message.starts_with(file)) message = "w.yaml" + message.substr(file.size());
  return message;
}

TEST(WebhookConfig, Errors) {
  EXPECT_EQ(WebhookError("routes: [{path: /h, table: t, signature: {scheme: stripe, secret: "
                         "abcd, header: X}}]\n"),
            "w.yaml: routes[0].signature.header: unknown key (expected one of: scheme, secret, "
            "tolerance_s)");
  EXPECT_EQ(
      WebhookError("routes: [{path: /h, table: t, signature: {scheme: hmac, secret: abcd}}]\n"),
      "w.yaml: routes[0].signature: missing required key \"header\"");
  EXPECT_EQ(WebhookError("routes: [{path: /h, table: t, signature: {scheme: github}}]\n"),
            "w.yaml: routes[0].signature: missing required key \"secret\"");
  EXPECT_EQ(WebhookError("routes: [{path: /h, table: t, signature: {scheme: md5}}]\n"),
            "w.yaml: routes[0].signature.scheme: expects one of: none, stripe, github, hmac, "
            "got \"md5\"");
  EXPECT_EQ(WebhookError("routes: [{path: /h, table: t, signature: {scheme: hmac, secret: abcd, "
                         "header: X, algorithm: md5}}]\n"),
            "w.yaml: routes[0].signature.algorithm: expects one of: sha256, sha1, sha512, got "
            "\"md5\"");
  EXPECT_EQ(WebhookError("routes: [{path: /h, table: t}, {path: /h, table: u}]\n"),
            "w.yaml: routes[1].path: duplicate route \"/h\"");
  EXPECT_EQ(WebhookError("routes: [{path: h, table: t}]\n"),
            "w.yaml: routes[0].path: a route path starts with /, got \"h\"");
  EXPECT_EQ(WebhookError("tls: {cert_file: c}\nroutes: [{path: /h, table: t}]\n"),
            "w.yaml: tls: missing required key \"key_file\"");
  EXPECT_EQ(WebhookError("batch_rows: many\nroutes: []\n"),
            "w.yaml: batch_rows: expects an integer >= 1, got \"many\"");
  EXPECT_EQ(WebhookError("routes: [{path: /h}]\n"),
            "w.yaml: routes[0]: missing required key \"table\"");
  EXPECT_EQ(WebhookError("sources: []\n"),
            "w.yaml: sources: unknown key (expected one of: pipeline, destination, listen, tls, "
            "spool_dir, max_body_bytes, batch_rows, batch_interval_s, routes)");
}

}  // namespace
}  // namespace sluice
