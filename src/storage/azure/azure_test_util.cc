#include "storage/azure/azure_test_util.h"

#include <cstdlib>
#include <ctime>
#include <random>

#include "core/error.h"
#include "storage/azure/shared_key_signer.h"

namespace sluice::testing {

std::optional<AzureConfig> AzuriteConfigFromEnvironment() {
  const char* connection_string = std::getenv("SLUICE_TEST_AZURE_CONNECTION_STRING");
  if (connection_string == nullptr || *connection_string == '\0') return std::nullopt;
  return ParseAzureConnectionString(connection_string);
}

std::string RandomAzureName(const std::string& prefix) {
  static const char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::random_device random;
  std::string name = prefix + "-";
  for (int i = 0; i < 12; i++) name.push_back(kAlphabet[random() % 36]);
  return name;
}

HttpResponse SendSignedAzureRequest(const AzureConfig& config, const std::string& method,
                                    const std::string& path_and_query) {
  HttpRequest request;
  request.method = method;
  request.url = BlobEndpointOf(config) + path_and_query;
  request.headers.emplace_back("x-ms-version", "2021-08-06");
  // Explicit, so no HTTP library default goes out unsigned.
  if (method == "PUT") request.headers.emplace_back("Content-Type", "application/octet-stream");
  const SharedKeySigner signer(config.account, config.account_key);
  request.sign = [&signer](HttpRequest& r) { signer.Sign(r, std::time(nullptr)); };
  HttpOptions options;
  options.max_attempts = 3;
  return HttpClient(options).Send(std::move(request));
}

void CreateAzureContainer(const AzureConfig& config, const std::string& container) {
  const HttpResponse r =
      SendSignedAzureRequest(config, "PUT", "/" + container + "?restype=container");
  if (r.status != 201 && r.status != 409) {
    throw IoError("Create Container " + container + ": HTTP " + std::to_string(r.status) + " " +
                  r.body);
  }
}

void DeleteAzureContainer(const AzureConfig& config, const std::string& container) {
  const HttpResponse r =
      SendSignedAzureRequest(config, "DELETE", "/" + container + "?restype=container");
  if (r.status != 202 && r.status != 404) {
    throw IoError("Delete Container " + container + ": HTTP " + std::to_string(r.status));
  }
}

std::string MakeAccountSas(const AzureConfig& config, const std::string& permissions) {
  const std::string version = "2021-08-06";
  const std::time_t expiry_time = std::time(nullptr) + 3600;
  std::tm tm{};
  gmtime_r(&expiry_time, &tm);
  char expiry[32];
  std::strftime(expiry, sizeof expiry, "%Y-%m-%dT%H:%M:%SZ", &tm);
  const std::string services = "b", resource_types = "sco", protocol = "https,http";
  // accountname, sp, ss, srt, st, se, sip, spr, sv, ses (encryption scope, since 2020-12-06),
  // each followed by a newline.
  const std::string string_to_sign = config.account + "\n" + permissions + "\n" + services + "\n" +
                                     resource_types + "\n" + "\n" + expiry + "\n" + "\n" +
                                     protocol + "\n" + version + "\n" + "\n";
  const std::string signature =
      Base64Encode(HmacSha256(Base64Decode(config.account_key), string_to_sign));
  return "sv=" + version + "&ss=" + services + "&srt=" + resource_types + "&sp=" + permissions +
         "&se=" + UriEncode(expiry, false) + "&spr=" + UriEncode(protocol, false) +
         "&sig=" + UriEncode(signature, false);
}

}  // namespace sluice::testing
