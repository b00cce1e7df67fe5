#pragma once
// gs://bucket/object over Google Cloud Storage's JSON API with OAuth2 bearer tokens
// (docs/storage-gcs.md). HMAC keys over the XML API are the S3 backend's job (an S3-compatible
// configuration); this backend is the one for service-account keys and access tokens.
#include <memory>

#include "storage/gcs/gcs_config.h"
#include "storage/http/http_client.h"
#include "storage/storage.h"

namespace sluice {

// Credentials: config.bearer_token if set, else the service-account key file; throws a usage
// error when neither is configured or the key file is unusable.
std::unique_ptr<Storage> MakeGcsStorage(GcsConfig config, HttpOptions http_options);

// Splits "gs://bucket/a/b" into bucket and object name; throws a usage error for anything else.
// An empty object name is allowed (a whole-bucket prefix).
void SplitGcsUri(const std::string& uri, std::string* bucket, std::string* object);

}  // namespace sluice
