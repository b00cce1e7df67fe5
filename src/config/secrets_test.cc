// ${NAME} interpolation (environment, then the secrets file) and the redaction registry.
#include "config/secrets.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <thread>
#include <vector>

#include "config/config_test_helpers.h"
#include "config/pipeline_config.h"

namespace sluice {
namespace {

using config_test::ConfigDir;
using config_test::UsageMessage;

const char* kPipeline = R"(
pipeline: p
sources:
  - client:
      base_url: ${SLUICE_TEST_BASE_URL}
      headers: {Authorization: "Bearer ${SLUICE_TEST_HEADER_TOKEN}"}
      auth: {type: api_key, api_key: "${SLUICE_TEST_API_KEY}"}
      timeout_s: ${SLUICE_TEST_TIMEOUT}
    resources:
      - name: items
        endpoint:
          params: {region: "${SLUICE_TEST_REGION}-1"}
)";

class Interpolation : public ::testing::Test {
 protected:
  void SetUp() override {
    ClearSecretsForTesting();
    for (const char* name : {"SLUICE_TEST_BASE_URL", "SLUICE_TEST_HEADER_TOKEN",
                             "SLUICE_TEST_API_KEY", "SLUICE_TEST_TIMEOUT", "SLUICE_TEST_REGION"}) {
      unsetenv(name);
    }
  }
  void TearDown() override { ClearSecretsForTesting(); }
};

TEST_F(Interpolation, EnvironmentThenSecretsFile) {
  ConfigDir dir;
  setenv("SLUICE_TEST_BASE_URL", "https://api.example.com/", 1);
  setenv("SLUICE_TEST_TIMEOUT", "7.5", 1);
  setenv("SLUICE_TEST_REGION", "eu", 1);
  // The environment wins over the secrets file.
  setenv("SLUICE_TEST_API_KEY", "env-key-value", 1);
  const std::string secrets = dir.Write("secrets.yaml",
                                        "SLUICE_TEST_HEADER_TOKEN: header-token-value\n"
                                        "SLUICE_TEST_API_KEY: file-key-value\n"
                                        "UNUSED_SECRET: unused-secret-value\n");
  const PipelineConfig c = LoadPipelineConfig(dir.Write("p.yaml", kPipeline), secrets);
  const ApiSourceConfig& s = c.sources.at(0);
  EXPECT_EQ(s.client.base_url, "https://api.example.com/");
  EXPECT_EQ(s.client.headers.at("Authorization"), "Bearer header-token-value");
  EXPECT_EQ(s.client.auth.api_key, "env-key-value");
  EXPECT_EQ(s.client.timeout_s, 7.5);  // interpolated before its type is checked
  EXPECT_EQ(s.resources.at(0).endpoint.params.at("region"), "eu-1");

  // Every secrets-file value, the auth value and the ${} inside headers are secrets; the base
  // URL and the region are not.
  EXPECT_EQ(RedactSecrets("header-token-value file-key-value unused-secret-value env-key-value "
                          "https://api.example.com/ eu-1"),
            "*** *** *** *** https://api.example.com/ eu-1");
}

// The issue's (and dlt's) spelling: a reference inside a flow map, where YAML would otherwise
// read its braces as the map's end.
TEST_F(Interpolation, ReferencesInsideFlowMapsNeedNoQuotes) {
  ConfigDir dir;
  setenv("SLUICE_TEST_FLOW_TOKEN", "flow-token-value", 1);
  const PipelineConfig c = LoadPipelineConfig(
      dir.Write("p.yaml",
                "pipeline: p\nsources:\n  - type: rest_api\n    client: {base_url: "
                "'https://x.test', auth: {type: bearer, token: ${SLUICE_TEST_FLOW_TOKEN}}}\n"
                "    resources: [{name: r, endpoint: {path: '/a/${SLUICE_TEST_FLOW_TOKEN}'}}]\n"),
      "");
  EXPECT_EQ(c.sources.at(0).client.auth.token, "flow-token-value");
  EXPECT_EQ(c.sources.at(0).resources.at(0).endpoint.path, "/a/flow-token-value");
}

TEST_F(Interpolation, UnsetVariableNamesItAndTheKey) {
  ConfigDir dir;
  setenv("SLUICE_TEST_BASE_URL", "https://api.example.com/", 1);
  const std::string file = dir.Write("p.yaml", kPipeline);
  EXPECT_EQ(UsageMessage([&] { LoadPipelineConfig(file, ""); }),
            file +
                ": sources[0].client.headers.Authorization: ${SLUICE_TEST_HEADER_TOKEN} is not "
                "set (neither in the environment nor in the secrets file)");
}

TEST_F(Interpolation, InterpolatedValuesAreTypeChecked) {
  ConfigDir dir;
  setenv("SLUICE_TEST_BASE_URL", "x", 1);
  setenv("SLUICE_TEST_HEADER_TOKEN", "h", 1);
  setenv("SLUICE_TEST_API_KEY", "k", 1);
  setenv("SLUICE_TEST_REGION", "r", 1);
  setenv("SLUICE_TEST_TIMEOUT", "soon", 1);
  const std::string file = dir.Write("p.yaml", kPipeline);
  EXPECT_EQ(UsageMessage([&] { LoadPipelineConfig(file, ""); }),
            file + ": sources[0].client.timeout_s: expects a number > 0, got \"soon\"");
}

TEST_F(Interpolation, MessagesAreRedacted) {
  ConfigDir dir;
  const std::string secrets = dir.Write("s.yaml", "BAD_URL: secret-in-a-bad-place\n");
  // A secret used where it does not belong still never shows in a message.
  const std::string file = dir.Write("p.yaml", R"(
pipeline: p
sources:
  - client: {base_url: x, burst: "${BAD_URL}"}
    resources: [a]
)");
  EXPECT_EQ(UsageMessage([&] { LoadPipelineConfig(file, secrets); }),
            file + ": sources[0].client.burst: expects an integer >= 1, got \"***\"");
}

TEST_F(Interpolation, SecretsFileErrors) {
  ConfigDir dir;
  const std::string p = dir.Write("p.yaml", "pipeline: p\nsources: []\n");
  const std::string list = dir.Write("list.yaml", "- a\n");
  EXPECT_EQ(UsageMessage([&] { LoadPipelineConfig(p, list); }),
            list + ": a secrets file maps NAME: value");
  const std::string nested = dir.Write("nested.yaml", "A: {b: c}\n");
  EXPECT_EQ(UsageMessage([&] { LoadPipelineConfig(p, nested); }),
            nested + ": A: expects a single value");
  EXPECT_EQ(UsageMessage([&] { LoadPipelineConfig(p, dir.Write("x", "") + ".missing"); }),
            dir.Write("x", "") + ".missing: cannot read the secrets file");
}

TEST(Secrets, RedactsRegisteredValuesOfFourOrMoreCharacters) {
  ClearSecretsForTesting();
  RegisterSecret("abc");  // too short to substitute: "abc" is in too many words
  RegisterSecret("s3cr3t");
  RegisterSecret("s3cr3t-long");  // contains another secret: hidden whole
  RegisterSecret("");
  EXPECT_EQ(RedactSecrets("abc s3cr3t s3cr3t-long s3cr3ts3cr3t"), "abc *** *** ******");
  EXPECT_EQ(RedactSecrets(""), "");
  ClearSecretsForTesting();
  EXPECT_EQ(RedactSecrets("s3cr3t"), "s3cr3t");
}

TEST(Secrets, PercentEncodedSpellingsAreRedactedToo) {
  RegisterSecret("k3y+with/slash=");
  EXPECT_EQ(RedactSecrets("GET /items?key=k3y%2Bwith%2Fslash%3D failed; raw k3y+with/slash="),
            "GET /items?key=*** failed; raw ***");
}

TEST(Secrets, ThreadSafe) {
  ClearSecretsForTesting();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < 200; ++i) {
        RegisterSecret("secret-" + std::to_string(t) + "-" + std::to_string(i));
        RedactSecrets("text with secret-0-0 inside");
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(RedactSecrets("secret-3-199 secret-0-0"), "*** ***");
  ClearSecretsForTesting();
}

}  // namespace
}  // namespace sluice
