#pragma once
// S3 and S3-compatible object stores (MinIO, R2, Ceph, s3rver, Google Cloud Storage's XML API
// with HMAC keys) as a sluice::Storage: objects are "s3://bucket/key" (or "gs://bucket/key"
// when the config's scheme is "gs"). See docs/storage-s3.md.
#include <memory>
#include <string>

#include "storage/http/http_client.h"
#include "storage/s3/s3_config.h"
#include "storage/storage.h"

namespace sluice {

// One backend serves every bucket of its scheme: the bucket is taken from each URI.
std::unique_ptr<Storage> MakeS3Storage(S3Config config, HttpOptions http_options);

// The request URL for `key` in `bucket` (key "" addresses the bucket itself), virtual-hosted or
// path-style as the config and the bucket's name allow; `query` is appended after '?' as given
// (already encoded).
std::string S3RequestUrl(const S3Config& config, const std::string& bucket, const std::string& key,
                         const std::string& query = "");

}  // namespace sluice
