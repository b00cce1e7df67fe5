#pragma once
// Where an S3 (or S3-compatible) backend sends its requests and with which credentials, read
// from the environment and the AWS CLI's shared files the way the AWS SDKs read them
// (docs/storage-s3.md, "Configuration"). Google Cloud Storage's XML API with HMAC keys is the
// same protocol and gets an S3Config too (scheme "gs").
#include <cstddef>
#include <map>
#include <string>

namespace sluice {

struct S3Config {
  std::string endpoint;  // "scheme://host[:port]"; empty: AWS (https://s3.<region>.amazonaws.com)
  std::string region = "us-east-1";
  std::string access_key_id;  // empty (with the secret): anonymous, unsigned requests
  std::string secret_access_key;
  std::string session_token;
  // Path-style (endpoint/bucket/key) instead of virtual-hosted (bucket.endpoint/key) URLs.
  // Buckets whose names are not DNS labels use path style regardless.
  bool path_style = false;
  std::string scheme = "s3";   // URI scheme of the objects: "s3" or "gs"
  int list_page_size = 1000;   // ListObjectsV2 max-keys
  size_t part_size = 8 << 20;  // multipart upload part size; S3's minimum is 5 MiB
  int upload_parallelism = 4;  // multipart parts uploading at once per writer

  bool Anonymous() const { return access_key_id.empty() && secret_access_key.empty(); }
};

// AWS credentials, region and endpoint for `bucket`:
// - keys: AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN), else the profile
//   (AWS_PROFILE, default "default") in AWS_SHARED_CREDENTIALS_FILE (~/.aws/credentials,
//   sections "[name]"), then in AWS_CONFIG_FILE (~/.aws/config, sections "[profile name]", and
//   "[default]"); none at all: anonymous;
// - region: AWS_REGION, AWS_DEFAULT_REGION, the profile's region, else us-east-1;
// - endpoint: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, the profile's endpoint_url (top level or
//   in its "s3 =" sub-section), else AWS;
// - addressing: SLUICE_S3_ADDRESSING=path|virtual; default path with a custom endpoint,
//   virtual-hosted on AWS;
// - SLUICE_S3_PART_SIZE (bytes, at least 5 MiB), SLUICE_S3_UPLOAD_PARALLELISM (1..16) and
//   SLUICE_S3_LIST_PAGE_SIZE (1..1000).
// Throws a usage error for malformed settings (e.g. a profile that was asked for by name and
// does not exist, or a key without its secret).
S3Config S3ConfigFromEnvironment(const std::string& bucket);

// Google Cloud Storage's S3-compatible XML API with HMAC keys: GCS_HMAC_ACCESS_ID /
// GCS_HMAC_SECRET, endpoint https://storage.googleapis.com (SLUICE_GCS_XML_ENDPOINT overrides),
// region "auto", path style, scheme "gs".
S3Config GcsXmlConfigFromEnvironment();
// True when both GCS_HMAC_ACCESS_ID and GCS_HMAC_SECRET are set.
bool GcsHmacConfigured();

// True if `bucket` can be a DNS label in a virtual-hosted URL (lower-case letters, digits and
// hyphens; no dots, which TLS wildcard certificates do not cover). Other buckets are always
// addressed path-style.
bool S3BucketIsVirtualHostable(const std::string& bucket);

// An INI file as the AWS CLI writes it: section -> key -> value. Keys are lower-cased; lines
// starting with '#' or ';' are comments; an indented "key = value" after "name =" (nothing
// after the '=') belongs to the sub-section `name` and is stored as "name.key".
using IniSections = std::map<std::string, std::map<std::string, std::string>>;
IniSections ParseAwsIni(const std::string& text);

}  // namespace sluice
