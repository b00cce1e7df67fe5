// docs/pipeline-reference.md is rendered from the schema declaration; this keeps the committed
// file in step with the code.
#include "config/config_reference.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/config_schema.h"

namespace sluice {
namespace {

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(Reference, DocsFileMatchesTheSchema) {
  const std::filesystem::path committed =
      std::filesystem::path(SLUICE_SOURCE_DIR) / "docs" / "pipeline-reference.md";
  const std::string fresh = RenderPipelineReference();
  if (const char* update = std::getenv("SLUICE_UPDATE_REFERENCE"); update && *update == '1') {
    std::ofstream(committed, std::ios::binary) << fresh;
  }
  if (ReadFile(committed) == fresh) return;
  // Next to the test binary (the build directory), for a look or a copy.
  const std::filesystem::path rendered =
      std::filesystem::canonical("/proc/self/exe").parent_path() / "pipeline-reference.md";
  std::ofstream(rendered, std::ios::binary) << fresh;
  FAIL() << committed << " differs from the schema in src/config/config_schema.cc. The fresh "
         << "text is in " << rendered << ". Regenerate with:\n  SLUICE_UPDATE_REFERENCE=1 "
         << std::filesystem::canonical("/proc/self/exe").string()
         << " --gtest_filter=Reference.DocsFileMatchesTheSchema";
}

// Every key of both file kinds appears in the reference with its path.
TEST(Reference, DocumentsEveryKey) {
  const std::string text = RenderPipelineReference();
  for (const char* path :
       {"`sources[].client.auth.token`", "`sources[].client.paginator.cursor_param`",
        "`sources[].resources[].endpoint.params.<name>.cursor_path`",
        "`sources[].resources[].endpoint.params.<name>.field`",
        "`sources[].resources[].filters[].op`", "`sources[].variables.<name>`",
        "`sources[].resources[].primary_key`", "`routes[].signature.tolerance_s`", "`tls.key_file`",
        "`sources[].type`"}) {
    EXPECT_NE(text.find(path), std::string::npos) << path;
  }
}

// The reference is only as good as its doc lines.
void ExpectDocumented(const SchemaNode& n, const std::string& path) {
  if (!n.name.empty()) {
    EXPECT_FALSE(n.doc.empty()) << path;
  }
  for (const auto& c : n.children) ExpectDocumented(c, path + "." + c.name);
  for (const auto& v : n.variants) {
    EXPECT_FALSE(v.doc.empty()) << path << " variant " << v.value;
    for (const auto& c : v.children) ExpectDocumented(c, path + "." + c.name);
  }
}

TEST(Reference, EveryKeyHasADocLine) {
  ExpectDocumented(PipelineFileSchema(), "");
  ExpectDocumented(WebhookFileSchema(), "");
}

}  // namespace
}  // namespace sluice
