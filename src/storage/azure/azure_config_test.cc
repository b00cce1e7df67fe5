#include "storage/azure/azure_config.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <functional>
#include <map>

#include "core/error.h"

namespace sluice {
namespace {

constexpr const char* kKey = "c2VjcmV0LWtleS1ieXRlcw==";  // base64("secret-key-bytes")

std::string ErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "<no error>";
}

// Sets variables for one test and restores the previous values afterwards.
class ScopedEnvironment {
 public:
  explicit ScopedEnvironment(const std::map<std::string, std::string>& values) {
    for (const char* name :
         {"AZURE_STORAGE_CONNECTION_STRING", "AZURE_STORAGE_ACCOUNT", "AZURE_STORAGE_KEY",
          "AZURE_STORAGE_SAS_TOKEN", "SLUICE_AZURE_BLOCK_SIZE", "SLUICE_AZURE_LIST_PAGE_SIZE"}) {
      const char* old = std::getenv(name);
      if (old) saved_[name] = old;
      unsetenv(name);
    }
    for (const auto& [name, value] : values) setenv(name.c_str(), value.c_str(), 1);
  }
  ~ScopedEnvironment() {
    for (const char* name :
         {"AZURE_STORAGE_CONNECTION_STRING", "AZURE_STORAGE_ACCOUNT", "AZURE_STORAGE_KEY",
          "AZURE_STORAGE_SAS_TOKEN", "SLUICE_AZURE_BLOCK_SIZE", "SLUICE_AZURE_LIST_PAGE_SIZE"}) {
      unsetenv(name);
    }
    for (const auto& [name, value] : saved_) setenv(name.c_str(), value.c_str(), 1);
  }

 private:
  std::map<std::string, std::string> saved_;
};

TEST(AzureConnectionString, BuildsThePublicEndpointFromProtocolAndSuffix) {
  const AzureConfig c = ParseAzureConnectionString(
      "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=" + std::string(kKey) +
      ";EndpointSuffix=core.chinacloudapi.cn");
  EXPECT_EQ(c.account, "acct");
  EXPECT_EQ(c.account_key, kKey);  // '=' inside the value is kept
  EXPECT_EQ(c.blob_endpoint, "https://acct.blob.core.chinacloudapi.cn");
  EXPECT_EQ(c.sas_token, "");
}

TEST(AzureConnectionString, DefaultsToHttpsAndCoreWindowsNet) {
  const AzureConfig c =
      ParseAzureConnectionString("AccountName=acct;AccountKey=" + std::string(kKey) + ";");
  EXPECT_EQ(BlobEndpointOf(c), "https://acct.blob.core.windows.net");
}

TEST(AzureConnectionString, AnExplicitBlobEndpointWinsAndKeysAreCaseInsensitive) {
  const AzureConfig c = ParseAzureConnectionString(
      " accountname=devstoreaccount1 ; ACCOUNTKEY=" + std::string(kKey) +
      ";BlobEndpoint=http://127.0.0.1:10480/devstoreaccount1/;QueueEndpoint=http://x/q");
  EXPECT_EQ(c.account, "devstoreaccount1");
  EXPECT_EQ(c.blob_endpoint, "http://127.0.0.1:10480/devstoreaccount1");
}

TEST(AzureConnectionString, UseDevelopmentStorageMeansTheWellKnownEmulatorAccount) {
  const AzureConfig c = ParseAzureConnectionString("UseDevelopmentStorage=true");
  EXPECT_EQ(c.account, "devstoreaccount1");
  EXPECT_EQ(c.blob_endpoint, "http://127.0.0.1:10000/devstoreaccount1");
  EXPECT_EQ(c.account_key.substr(0, 8), "Eby8vdM0");
}

TEST(AzureConnectionString, ASasConnectionStringTakesTheAccountFromTheEndpoint) {
  const AzureConfig a = ParseAzureConnectionString(
      "BlobEndpoint=https://"
      "acct.blob.core.windows.net;SharedAccessSignature=?sv=2021-08-06&sig=a%2Bb");
  EXPECT_EQ(a.account, "acct");
  EXPECT_EQ(a.sas_token, "sv=2021-08-06&sig=a%2Bb");
  EXPECT_EQ(a.account_key, "");
  const AzureConfig b = ParseAzureConnectionString(
      "BlobEndpoint=http://127.0.0.1:10480/devstoreaccount1;SharedAccessSignature=sv=x&sig=y");
  EXPECT_EQ(b.account, "devstoreaccount1");
}

TEST(AzureConnectionString, ErrorsNameTheProblemButNeverAValue) {
  const std::string malformed =
      ErrorOf([] { ParseAzureConnectionString("AccountName=acct;c2VjcmV0LWtleS1ieXRlcw"); });
  EXPECT_NE(malformed.find("not KEY=VALUE"), std::string::npos) << malformed;
  EXPECT_EQ(malformed.find("c2VjcmV0"), std::string::npos) << malformed;
  EXPECT_NE(ErrorOf([] {
              ParseAzureConnectionString("AccountName=acct");
            }).find("needs AccountKey or SharedAccessSignature"),
            std::string::npos);
  EXPECT_NE(ErrorOf([] {
              ParseAzureConnectionString("AccountKey=" + std::string(kKey));
            }).find("needs AccountName or BlobEndpoint"),
            std::string::npos);
  EXPECT_NE(ErrorOf([] {
              ParseAzureConnectionString("DefaultEndpointsProtocol=ftp;AccountName=a;AccountKey=" +
                                         std::string(kKey));
            }).find("DefaultEndpointsProtocol"),
            std::string::npos);
}

TEST(AzureConfigFromEnvironment, PrefersTheConnectionString) {
  ScopedEnvironment env(
      {{"AZURE_STORAGE_CONNECTION_STRING", "AccountName=fromcs;AccountKey=" + std::string(kKey)},
       {"AZURE_STORAGE_ACCOUNT", "fromenv"},
       {"AZURE_STORAGE_KEY", "b3RoZXI="}});
  const AzureConfig c = AzureConfigFromEnvironment("");
  EXPECT_EQ(c.account, "fromcs");
  EXPECT_EQ(c.account_key, kKey);
  EXPECT_EQ(c.block_size, 8u << 20);
  EXPECT_EQ(c.list_page_size, 5000);
}

TEST(AzureConfigFromEnvironment, UsesAccountWithKeyOrSasToken) {
  {
    ScopedEnvironment env({{"AZURE_STORAGE_ACCOUNT", "acct"}, {"AZURE_STORAGE_KEY", kKey}});
    const AzureConfig c = AzureConfigFromEnvironment("");
    EXPECT_EQ(c.account, "acct");
    EXPECT_EQ(c.account_key, kKey);
    EXPECT_EQ(BlobEndpointOf(c), "https://acct.blob.core.windows.net");
  }
  {
    ScopedEnvironment env({{"AZURE_STORAGE_ACCOUNT", "acct"},
                           {"AZURE_STORAGE_SAS_TOKEN", "?sv=2021-08-06&sig=x"},
                           {"SLUICE_AZURE_BLOCK_SIZE", "4194304"},
                           {"SLUICE_AZURE_LIST_PAGE_SIZE", "2"}});
    const AzureConfig c = AzureConfigFromEnvironment("");
    EXPECT_EQ(c.sas_token, "sv=2021-08-06&sig=x");
    EXPECT_EQ(c.account_key, "");
    EXPECT_EQ(c.block_size, 4194304u);
    EXPECT_EQ(c.list_page_size, 2);
  }
}

TEST(AzureConfigFromEnvironment, AnAbfsAccountNeverGetsAnotherAccountsCredentials) {
  ScopedEnvironment env(
      {{"AZURE_STORAGE_CONNECTION_STRING", "AccountName=mine;AccountKey=" + std::string(kKey)},
       {"AZURE_STORAGE_ACCOUNT", "mine"},
       {"AZURE_STORAGE_KEY", kKey}});
  const AzureConfig same = AzureConfigFromEnvironment("mine");
  EXPECT_EQ(same.account_key, kKey);
  const AzureConfig other = AzureConfigFromEnvironment("theirs");
  EXPECT_EQ(other.account, "theirs");
  EXPECT_EQ(other.account_key, "");  // anonymous: only public containers
  EXPECT_EQ(BlobEndpointOf(other), "https://theirs.blob.core.windows.net");
}

TEST(AzureConfigFromEnvironment, WithoutAnAccountSaysWhatToSet) {
  ScopedEnvironment env({});
  const std::string error = ErrorOf([] { AzureConfigFromEnvironment(""); });
  EXPECT_NE(error.find("AZURE_STORAGE_CONNECTION_STRING"), std::string::npos) << error;
  EXPECT_NE(error.find("AZURE_STORAGE_ACCOUNT"), std::string::npos) << error;
}

TEST(AzureBlobUri, AzUrisNameContainerAndBlob) {
  const AzureBlobUri u = ParseAzureBlobUri("az://logs/2024/01/a b.csv");
  EXPECT_EQ(u.scheme, "az");
  EXPECT_EQ(u.account, "");
  EXPECT_EQ(u.container, "logs");
  EXPECT_EQ(u.blob, "2024/01/a b.csv");
  EXPECT_EQ(u.root, "az://logs/");
  const AzureBlobUri container_only = ParseAzureBlobUri("az://logs");
  EXPECT_EQ(container_only.blob, "");
  EXPECT_EQ(container_only.root, "az://logs/");
}

TEST(AzureBlobUri, AbfsUrisTakeTheAccountFromTheHostAndKeepTheirScheme) {
  const AzureBlobUri u =
      ParseAzureBlobUri("abfss://raw@acct.dfs.core.windows.net/events/2024/x.parquet");
  EXPECT_EQ(u.scheme, "abfss");
  EXPECT_EQ(u.account, "acct");
  EXPECT_EQ(u.container, "raw");
  EXPECT_EQ(u.blob, "events/2024/x.parquet");
  EXPECT_EQ(u.root, "abfss://raw@acct.dfs.core.windows.net/");
  EXPECT_EQ(AzureAccountOfUri("abfs://raw@other.blob.core.windows.net/"), "other");
  EXPECT_EQ(AzureAccountOfUri("az://raw/x"), "");
}

TEST(AzureBlobUri, RejectsUrisWithoutContainerOrAccount) {
  EXPECT_NE(ErrorOf([] { ParseAzureBlobUri("az:///x"); }).find("no container"), std::string::npos);
  EXPECT_NE(ErrorOf([] {
              ParseAzureBlobUri("abfs://acct.dfs.core.windows.net/x");
            }).find("container@account"),
            std::string::npos);
  EXPECT_NE(ErrorOf([] { ParseAzureBlobUri("s3://b/k"); }).find("not an Azure Blob URI"),
            std::string::npos);
  EXPECT_THROW(ParseAzureBlobUri("azure://c/k"), Error);  // one spelling per scheme
}

}  // namespace
}  // namespace sluice
