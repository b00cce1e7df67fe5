#pragma once
// For tests against azurite: its configuration comes from SLUICE_TEST_AZURE_CONNECTION_STRING
// (scripts/storage_emulators.sh); containers are made per test with random names.
#include <optional>
#include <string>

#include "storage/azure/azure_config.h"
#include "storage/http/http_client.h"

namespace sluice::testing {

// nullopt when SLUICE_TEST_AZURE_CONNECTION_STRING is unset.
std::optional<AzureConfig> AzuriteConfigFromEnvironment();
// A valid container name: lower-case letters, digits and '-', random suffix.
std::string RandomAzureName(const std::string& prefix);
// Create Container (an existing one is fine) / Delete Container (a missing one is fine).
void CreateAzureContainer(const AzureConfig& config, const std::string& container);
void DeleteAzureContainer(const AzureConfig& config, const std::string& container);
// A SharedKey-signed request straight to the Blob service (for what Storage does not expose,
// e.g. Get Block List). `path_and_query` follows the endpoint: "/container/blob?comp=blocklist".
HttpResponse SendSignedAzureRequest(const AzureConfig& config, const std::string& method,
                                    const std::string& path_and_query);
// An account SAS for the Blob service signed with the config's key ("Create an account SAS"):
// services b, resource types sco, the given permissions (e.g. "rwdlac"), valid for an hour.
std::string MakeAccountSas(const AzureConfig& config, const std::string& permissions);

}  // namespace sluice::testing
