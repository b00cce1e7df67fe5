#pragma once
// Azure Blob Storage behind the Storage interface (az://container/blob and
// abfs[s]://container@account.dfs.core.windows.net/blob), over the Blob REST API with Shared Key
// signing or a SAS token. docs/storage-azure.md.
#include <memory>
#include <string>

#include "storage/azure/azure_config.h"
#include "storage/http/http_client.h"
#include "storage/storage.h"

namespace sluice {

// One storage per account. abfs(s) URIs that name another account are refused (StorageFor
// makes one storage per account: AzureConfigFromEnvironment(AzureAccountOfUri(uri))).
std::unique_ptr<Storage> MakeAzureStorage(AzureConfig config, HttpOptions http_options);

}  // namespace sluice
