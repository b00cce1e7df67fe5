#pragma once
// Where an Azure Blob Storage account is and how to authorize against it, and how az:// and
// abfs(s):// URIs name containers and blobs (docs/storage-azure.md).
#include <cstddef>
#include <string>

namespace sluice {

struct AzureConfig {
  std::string account;
  std::string account_key;  // base64, as the portal shows it; empty: no SharedKey signing
  std::string sas_token;    // query string without the leading '?'; used when there is no key
  // Without a trailing '/'. Empty means https://ACCOUNT.blob.core.windows.net; azurite serves
  // http://127.0.0.1:PORT/devstoreaccount1 (the account is the first path segment there).
  std::string blob_endpoint;
  int list_page_size = 5000;     // List Blobs maxresults (the service caps it at 5000)
  size_t block_size = 8u << 20;  // Put Block size; smaller objects go up in one Put Blob
  // Put Block calls in flight per writer; a writer holds up to (this + 1) x block_size bytes.
  int upload_parallelism = 4;
};

// The Blob service endpoint the config addresses (blob_endpoint or the public-cloud default).
std::string BlobEndpointOf(const AzureConfig& config);

// Parses an Azure Storage connection string ("AccountName=...;AccountKey=...;..." or
// "UseDevelopmentStorage=true"). Throws a usage error naming the offending key (never a value:
// values hold secrets).
AzureConfig ParseAzureConnectionString(const std::string& connection_string);

// The configuration for `account_hint` (the account an abfs(s):// URL names; "" for az:// URLs,
// whose account comes from the environment): AZURE_STORAGE_CONNECTION_STRING, else
// AZURE_STORAGE_ACCOUNT with AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN; plus
// SLUICE_AZURE_BLOCK_SIZE, SLUICE_AZURE_UPLOAD_PARALLELISM and SLUICE_AZURE_LIST_PAGE_SIZE. Throws
// a usage error when no account is known.
AzureConfig AzureConfigFromEnvironment(const std::string& account_hint);

// A blob (or a prefix of blob names) named by a URI:
//   az://container/path/blob                              account from the configuration
//   abfs[s]://container@account.dfs.core.windows.net/path account from the host
struct AzureBlobUri {
  std::string scheme;   // "az", "abfs" or "abfss"
  std::string account;  // from abfs(s) hosts; "" for az://
  std::string container;
  std::string blob;  // the blob name or name prefix, not percent-encoded; may be ""
  std::string root;  // the URI up to the blob name ("az://c/"): root + name = the blob's URI
};

// Throws a usage error for URIs that are not az://, abfs:// or abfss:// or lack a container.
AzureBlobUri ParseAzureBlobUri(const std::string& uri);
// The account an az/abfs(s) URI names ("" for az://): what StorageFor passes as account_hint.
std::string AzureAccountOfUri(const std::string& uri);

}  // namespace sluice
