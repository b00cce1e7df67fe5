#include "storage/s3/s3_config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>

#include "core/error.h"

namespace sluice {
namespace {

namespace fs = std::filesystem;

const char* const kVariables[] = {"HOME",
                                  "AWS_ACCESS_KEY_ID",
                                  "AWS_SECRET_ACCESS_KEY",
                                  "AWS_SESSION_TOKEN",
                                  "AWS_PROFILE",
                                  "AWS_SHARED_CREDENTIALS_FILE",
                                  "AWS_CONFIG_FILE",
                                  "AWS_REGION",
                                  "AWS_DEFAULT_REGION",
                                  "AWS_ENDPOINT_URL_S3",
                                  "AWS_ENDPOINT_URL",
                                  "SLUICE_S3_ADDRESSING",
                                  "SLUICE_S3_PART_SIZE",
                                  "SLUICE_S3_LIST_PAGE_SIZE",
                                  "GCS_HMAC_ACCESS_ID",
                                  "GCS_HMAC_SECRET",
                                  "SLUICE_GCS_XML_ENDPOINT",
                                  "SLUICE_S3_UPLOAD_PARALLELISM"};

// Every test starts from an empty AWS environment with HOME in a fresh directory (so the
// machine's own ~/.aws never leaks in) and gets the original environment back afterwards.
class S3ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : kVariables) {
      const char* value = std::getenv(name);
      saved_[name] = value ? std::optional<std::string>(value) : std::nullopt;
      unsetenv(name);
    }
    home_ = fs::temp_directory_path() /
            ("sluice_s3_config_" + std::to_string(getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(home_);
    fs::create_directories(home_ / ".aws");
    setenv("HOME", home_.c_str(), 1);
  }
  void TearDown() override {
    for (const auto& [name, value] : saved_) {
      if (value) {
        setenv(name.c_str(), value->c_str(), 1);
      } else {
        unsetenv(name.c_str());
      }
    }
    fs::remove_all(home_);
  }
  void Write(const std::string& relative, const std::string& text) {
    std::ofstream(home_ / relative) << text;
  }

  fs::path home_;
  std::map<std::string, std::optional<std::string>> saved_;
};

TEST_F(S3ConfigTest, NothingConfiguredMeansAnonymousVirtualHostedAwsInUsEast1) {
  S3Config config = S3ConfigFromEnvironment("my-bucket");
  EXPECT_TRUE(config.Anonymous());
  EXPECT_EQ(config.region, "us-east-1");
  EXPECT_EQ(config.endpoint, "");
  EXPECT_FALSE(config.path_style);
  EXPECT_EQ(config.scheme, "s3");
  EXPECT_EQ(config.part_size, size_t{8} << 20);
  EXPECT_EQ(config.list_page_size, 1000);
}

TEST_F(S3ConfigTest, EnvironmentKeysWinOverTheProfile) {
  Write(".aws/credentials", "[default]\naws_access_key_id = FROMFILE\naws_secret_access_key = s\n");
  setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "secretenv", 1);
  setenv("AWS_SESSION_TOKEN", "tokenenv", 1);
  S3Config config = S3ConfigFromEnvironment("b");
  EXPECT_EQ(config.access_key_id, "AKIDENV");
  EXPECT_EQ(config.secret_access_key, "secretenv");
  EXPECT_EQ(config.session_token, "tokenenv");
}

TEST_F(S3ConfigTest, AKeyWithoutItsSecretIsAUsageError) {
  setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
  try {
    S3ConfigFromEnvironment("b");
    FAIL() << "expected a usage error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUsage);
  }
}

TEST_F(S3ConfigTest, DefaultProfileFromTheCredentialsFileWithCommentsAndWhitespace) {
  Write(".aws/credentials",
        "# a comment\n"
        "; another comment\n"
        "\n"
        "[other]\n"
        "aws_access_key_id=OTHER\n"
        "aws_secret_access_key=othersecret\n"
        "\n"
        "  [ default ]  \n"
        "  AWS_Access_Key_Id   =   AKIDFILE  \r\n"
        "\taws_secret_access_key\t=\twJalr/K7+MDENG=\t\n"
        "aws_session_token = FQoG/token+with=chars\n");
  S3Config config = S3ConfigFromEnvironment("b");
  EXPECT_EQ(config.access_key_id, "AKIDFILE");
  EXPECT_EQ(config.secret_access_key, "wJalr/K7+MDENG=");
  EXPECT_EQ(config.session_token, "FQoG/token+with=chars");
}

TEST_F(S3ConfigTest, NamedProfileReadsCredentialsAndProfileSectionOfTheConfigFile) {
  Write(".aws/credentials",
        "[default]\naws_access_key_id = DEF\naws_secret_access_key = defsecret\n"
        "[dev]\naws_access_key_id = DEV\naws_secret_access_key = devsecret\n");
  Write(".aws/config",
        "[default]\nregion = us-west-2\n"
        "[profile dev]\nregion = eu-central-1\nendpoint_url = http://minio.local:9000/\n");
  setenv("AWS_PROFILE", "dev", 1);
  S3Config config = S3ConfigFromEnvironment("b");
  EXPECT_EQ(config.access_key_id, "DEV");
  EXPECT_EQ(config.secret_access_key, "devsecret");
  EXPECT_EQ(config.region, "eu-central-1");
  EXPECT_EQ(config.endpoint, "http://minio.local:9000");
  EXPECT_TRUE(config.path_style) << "a custom endpoint defaults to path-style addressing";
}

TEST_F(S3ConfigTest, DefaultProfileRegionComesFromTheConfigFilesDefaultSection) {
  Write(".aws/config", "[default]\nregion = ap-southeast-2\n");
  EXPECT_EQ(S3ConfigFromEnvironment("b").region, "ap-southeast-2");
}

TEST_F(S3ConfigTest, KeysMayLiveInTheConfigFileProfile) {
  Write(".aws/config",
        "[profile ci]\naws_access_key_id = CI\naws_secret_access_key = cisecret\n"
        "aws_session_token = citoken\n");
  setenv("AWS_PROFILE", "ci", 1);
  S3Config config = S3ConfigFromEnvironment("b");
  EXPECT_EQ(config.access_key_id, "CI");
  EXPECT_EQ(config.session_token, "citoken");
}

TEST_F(S3ConfigTest, ExplicitFilePathsReplaceTheHomeDirectoryFiles) {
  Write(".aws/credentials", "[default]\naws_access_key_id = HOME\naws_secret_access_key = x\n");
  Write("elsewhere-credentials",
        "[default]\naws_access_key_id = ELSE\naws_secret_access_key = y\n");
  Write("elsewhere-config", "[default]\nregion = sa-east-1\n");
  setenv("AWS_SHARED_CREDENTIALS_FILE", (home_ / "elsewhere-credentials").c_str(), 1);
  setenv("AWS_CONFIG_FILE", (home_ / "elsewhere-config").c_str(), 1);
  S3Config config = S3ConfigFromEnvironment("b");
  EXPECT_EQ(config.access_key_id, "ELSE");
  EXPECT_EQ(config.region, "sa-east-1");
}

TEST_F(S3ConfigTest, AMissingExplicitFileOrProfileIsAUsageError) {
  setenv("AWS_SHARED_CREDENTIALS_FILE", (home_ / "nope").c_str(), 1);
  EXPECT_THROW(S3ConfigFromEnvironment("b"), Error);
  unsetenv("AWS_SHARED_CREDENTIALS_FILE");
  setenv("AWS_PROFILE", "ghost", 1);
  try {
    S3ConfigFromEnvironment("b");
    FAIL() << "expected a usage error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUsage);
    EXPECT_NE(std::string(e.what()).find("ghost"), std::string::npos);
  }
}

TEST_F(S3ConfigTest, RoleAndSsoProfilesAreRejectedWithAWorkaroundInsteadOfGoingAnonymous) {
  Write(".aws/config", "[profile sso]\nsso_start_url = https://example.awsapps.com/start\n");
  setenv("AWS_PROFILE", "sso", 1);
  try {
    S3ConfigFromEnvironment("b");
    FAIL() << "expected a usage error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("export-credentials"), std::string::npos);
  }
}

TEST_F(S3ConfigTest, RegionFromEnvironmentOrderAwsRegionThenDefaultRegionThenProfile) {
  Write(".aws/config", "[default]\nregion = from-profile\n");
  setenv("AWS_DEFAULT_REGION", "from-default-region", 1);
  EXPECT_EQ(S3ConfigFromEnvironment("b").region, "from-default-region");
  setenv("AWS_REGION", "from-region", 1);
  EXPECT_EQ(S3ConfigFromEnvironment("b").region, "from-region");
}

TEST_F(S3ConfigTest, EndpointOrderServiceVariableGeneralVariableServiceSectionProfile) {
  Write(".aws/config",
        "[default]\nendpoint_url = https://profile.example\n"
        "s3 =\n  endpoint_url = https://profile-s3.example\n  addressing_style = path\n"
        "region = eu-west-1\n");
  S3Config config = S3ConfigFromEnvironment("b");
  EXPECT_EQ(config.endpoint, "https://profile-s3.example");
  EXPECT_EQ(config.region, "eu-west-1") << "a top-level key after the s3 block ends it";
  setenv("AWS_ENDPOINT_URL", "http://general:1", 1);
  EXPECT_EQ(S3ConfigFromEnvironment("b").endpoint, "http://general:1");
  setenv("AWS_ENDPOINT_URL_S3", "http://s3only:2/", 1);
  EXPECT_EQ(S3ConfigFromEnvironment("b").endpoint, "http://s3only:2");
  setenv("AWS_ENDPOINT_URL_S3", "minio:9000", 1);
  EXPECT_THROW(S3ConfigFromEnvironment("b"), Error) << "an endpoint needs its scheme";
}

TEST_F(S3ConfigTest, AddressingIsChosenBySluiceS3AddressingOrByBucketName) {
  setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9000", 1);
  setenv("SLUICE_S3_ADDRESSING", "virtual", 1);
  EXPECT_FALSE(S3ConfigFromEnvironment("bucket").path_style);
  unsetenv("AWS_ENDPOINT_URL");
  setenv("SLUICE_S3_ADDRESSING", "path", 1);
  EXPECT_TRUE(S3ConfigFromEnvironment("bucket").path_style);
  unsetenv("SLUICE_S3_ADDRESSING");
  EXPECT_TRUE(S3ConfigFromEnvironment("my.dotted.bucket").path_style)
      << "dots break virtual-hosted TLS";
  EXPECT_TRUE(S3ConfigFromEnvironment("Legacy_Bucket").path_style);
  setenv("SLUICE_S3_ADDRESSING", "sideways", 1);
  EXPECT_THROW(S3ConfigFromEnvironment("bucket"), Error);
}

TEST_F(S3ConfigTest, PartSizeUploadParallelismAndPageSizeFromTheEnvironmentAreValidated) {
  setenv("SLUICE_S3_PART_SIZE", "5242880", 1);
  setenv("SLUICE_S3_LIST_PAGE_SIZE", "2", 1);
  S3Config config = S3ConfigFromEnvironment("b");
  EXPECT_EQ(config.part_size, size_t{5} << 20);
  EXPECT_EQ(config.list_page_size, 2);
  setenv("SLUICE_S3_PART_SIZE", "1048576", 1);
  EXPECT_THROW(S3ConfigFromEnvironment("b"), Error) << "below S3's 5 MiB minimum";
  setenv("SLUICE_S3_PART_SIZE", "5242880", 1);
  setenv("SLUICE_S3_LIST_PAGE_SIZE", "0", 1);
  EXPECT_THROW(S3ConfigFromEnvironment("b"), Error);
  unsetenv("SLUICE_S3_LIST_PAGE_SIZE");
  EXPECT_EQ(S3ConfigFromEnvironment("b").upload_parallelism, 4);
  setenv("SLUICE_S3_UPLOAD_PARALLELISM", "1", 1);
  EXPECT_EQ(S3ConfigFromEnvironment("b").upload_parallelism, 1);
  setenv("SLUICE_S3_UPLOAD_PARALLELISM", "17", 1);
  EXPECT_THROW(S3ConfigFromEnvironment("b"), Error);
}

TEST_F(S3ConfigTest, GcsHmacKeysMakeAPathStyleGsConfigForTheXmlApi) {
  EXPECT_FALSE(GcsHmacConfigured());
  setenv("GCS_HMAC_ACCESS_ID", "GOOG1EXAMPLE", 1);
  EXPECT_FALSE(GcsHmacConfigured());
  setenv("GCS_HMAC_SECRET", "gcssecret", 1);
  EXPECT_TRUE(GcsHmacConfigured());
  S3Config config = GcsXmlConfigFromEnvironment();
  EXPECT_EQ(config.scheme, "gs");
  EXPECT_EQ(config.endpoint, "https://storage.googleapis.com");
  EXPECT_EQ(config.region, "auto");
  EXPECT_TRUE(config.path_style);
  EXPECT_EQ(config.access_key_id, "GOOG1EXAMPLE");
  EXPECT_EQ(config.secret_access_key, "gcssecret");
  setenv("SLUICE_GCS_XML_ENDPOINT", "http://127.0.0.1:4443/", 1);
  EXPECT_EQ(GcsXmlConfigFromEnvironment().endpoint, "http://127.0.0.1:4443");
}

TEST(ParseAwsIni, SectionsKeysSubsectionsAndComments) {
  IniSections ini = ParseAwsIni(
      "key_before_any_section = ignored\n"
      "[profile  a]\n"
      "Region=us-east-2\n"
      "# region = commented\n"
      "s3 =\n"
      "    endpoint_url = http://x\n"
      "\tmax_concurrent_requests = 5\n"
      "output = json\n"
      "not a key value line\n");
  ASSERT_EQ(ini.size(), 1u);
  const auto& a = ini.at("profile a");
  EXPECT_EQ(a.at("region"), "us-east-2");
  EXPECT_EQ(a.at("s3.endpoint_url"), "http://x");
  EXPECT_EQ(a.at("s3.max_concurrent_requests"), "5");
  EXPECT_EQ(a.at("output"), "json");
  EXPECT_EQ(a.size(), 4u);
}

}  // namespace
}  // namespace sluice
