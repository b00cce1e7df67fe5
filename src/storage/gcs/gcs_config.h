#pragma once
// How sluice reaches Google Cloud Storage's JSON API (docs/storage-gcs.md): the endpoint, the
// credentials (a bearer token given directly, or a service-account key exchanged for tokens) and
// the request sizes. Read from the environment by GcsConfigFromEnvironment().
#include <cstddef>
#include <string>

namespace sluice {

inline constexpr size_t kGcsUploadChunkMultiple = 256 * 1024;  // the JSON API's unit for chunks

struct GcsConfig {
  // Scheme and authority only; tests point it at the in-test server (SLUICE_GCS_ENDPOINT).
  std::string endpoint = "https://storage.googleapis.com";
  // A ready OAuth2 access token (GCS_OAUTH_TOKEN). Used as is and never refreshed; wins over a
  // key file.
  std::string bearer_token;
  // A service-account key file (GOOGLE_APPLICATION_CREDENTIALS): JSON with client_email,
  // private_key (PEM), private_key_id and token_uri.
  std::string service_account_key_file;
  // maxResults per objects.list page (SLUICE_GCS_LIST_PAGE_SIZE); the API caps it at 1000.
  int list_page_size = 1000;
  // Bytes per resumable-upload chunk (SLUICE_GCS_UPLOAD_CHUNK_SIZE); a multiple of 256 KiB.
  // Objects up to this size go up in one single-request media upload.
  size_t upload_chunk_size = 8 << 20;

  // Throws a usage error naming the bad setting.
  void Validate() const;
};

// Reads SLUICE_GCS_ENDPOINT, GCS_OAUTH_TOKEN, GOOGLE_APPLICATION_CREDENTIALS,
// SLUICE_GCS_LIST_PAGE_SIZE and SLUICE_GCS_UPLOAD_CHUNK_SIZE; validates the result.
GcsConfig GcsConfigFromEnvironment();

// The fields of a service-account key file sluice needs.
struct ServiceAccountKey {
  std::string client_email;
  std::string private_key_pem;
  std::string private_key_id;
  std::string token_uri = "https://oauth2.googleapis.com/token";
};

// Parses a key file (simdjson). Throws a usage error naming the file (never its contents) if it
// cannot be read, is not a service-account key, or lacks a field.
ServiceAccountKey LoadServiceAccountKey(const std::string& path);

}  // namespace sluice
