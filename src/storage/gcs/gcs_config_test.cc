#include "storage/gcs/gcs_config.h"

#include <gtest/gtest.h>

#include <unistd.h>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "core/error.h"

namespace sluice {
namespace {

class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old, had_ = true;
    setenv(name, value, 1);
  }
  ~ScopedEnv() { had_ ? setenv(name_, old_.c_str(), 1) : unsetenv(name_); }

 private:
  const char* name_;
  std::string old_;
  bool had_ = false;
};

std::string WriteTemp(const std::string& contents) {
  char path[] = "/tmp/sluice-gcs-config-test-XXXXXX";
  int fd = mkstemp(path);
  EXPECT_GE(fd, 0);
  close(fd);
  std::ofstream(path) << contents;
  return path;
}

template <typename F>
std::string UsageErrorOf(F f) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUsage) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "expected a usage error";
  return "";
}

TEST(GcsConfig, DefaultsToGoogleWithEightMiBChunksAndFullPages) {
  GcsConfig config;
  EXPECT_EQ(config.endpoint, "https://storage.googleapis.com");
  EXPECT_EQ(config.upload_chunk_size, 8u << 20);
  EXPECT_EQ(config.list_page_size, 1000);
  config.Validate();
}

TEST(GcsConfig, FromEnvironmentReadsEveryVariable) {
  ScopedEnv a("SLUICE_GCS_ENDPOINT", "http://127.0.0.1:4443/");
  ScopedEnv b("GCS_OAUTH_TOKEN", "tok");
  ScopedEnv c("GOOGLE_APPLICATION_CREDENTIALS", "/keys/sa.json");
  ScopedEnv d("SLUICE_GCS_LIST_PAGE_SIZE", "17");
  ScopedEnv e("SLUICE_GCS_UPLOAD_CHUNK_SIZE", "524288");
  GcsConfig config = GcsConfigFromEnvironment();
  EXPECT_EQ(config.endpoint, "http://127.0.0.1:4443");
  EXPECT_EQ(config.bearer_token, "tok");
  EXPECT_EQ(config.service_account_key_file, "/keys/sa.json");
  EXPECT_EQ(config.list_page_size, 17);
  EXPECT_EQ(config.upload_chunk_size, 524288u);
}

TEST(GcsConfig, ChunkSizeMustBeAMultipleOf256KiBAndPagesAtMost1000) {
  {
    ScopedEnv e("SLUICE_GCS_UPLOAD_CHUNK_SIZE", "1000000");
    EXPECT_NE(UsageErrorOf([] { GcsConfigFromEnvironment(); }).find("262144"), std::string::npos);
  }
  {
    ScopedEnv e("SLUICE_GCS_UPLOAD_CHUNK_SIZE", "-5");
    UsageErrorOf([] { GcsConfigFromEnvironment(); });
  }
  ScopedEnv d("SLUICE_GCS_LIST_PAGE_SIZE", "1001");
  UsageErrorOf([] { GcsConfigFromEnvironment(); });
}

TEST(LoadServiceAccountKey, ReadsTheFieldsTheFlowNeeds) {
  std::string path =
      WriteTemp(R"({"type":"service_account","client_email":"a@b.iam.gserviceaccount.com",)"
                R"("private_key":"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",)"
                R"("private_key_id":"k1","token_uri":"https://oauth2.example/token"})");
  ServiceAccountKey key = LoadServiceAccountKey(path);
  EXPECT_EQ(key.client_email, "a@b.iam.gserviceaccount.com");
  EXPECT_EQ(key.private_key_pem, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
  EXPECT_EQ(key.private_key_id, "k1");
  EXPECT_EQ(key.token_uri, "https://oauth2.example/token");
  std::remove(path.c_str());
}

TEST(LoadServiceAccountKey, MissingFieldNamesFileAndFieldButNotTheKey) {
  std::string path = WriteTemp(R"({"type":"service_account","private_key":"SECRET-PEM"})");
  std::string message = UsageErrorOf([&] { LoadServiceAccountKey(path); });
  EXPECT_NE(message.find(path), std::string::npos);
  EXPECT_NE(message.find("client_email"), std::string::npos);
  EXPECT_EQ(message.find("SECRET-PEM"), std::string::npos);
  std::remove(path.c_str());
}

TEST(LoadServiceAccountKey, UserCredentialsAndMissingFilesAreUsageErrors) {
  std::string path = WriteTemp(R"({"type":"authorized_user","refresh_token":"r"})");
  EXPECT_NE(UsageErrorOf([&] { LoadServiceAccountKey(path); }).find("authorized_user"),
            std::string::npos);
  std::remove(path.c_str());
  UsageErrorOf([] { LoadServiceAccountKey("/nonexistent/sa.json"); });
  std::string not_json = WriteTemp("private_key: nope");
  UsageErrorOf([&] { LoadServiceAccountKey(not_json); });
  std::remove(not_json.c_str());
}

}  // namespace
}  // namespace sluice
