#pragma once
// One interface to every place files live: local disk, HTTP(S), S3 (and S3-compatible stores),
// Google Cloud Storage and Azure Blob Storage. A backend is chosen by the URI's scheme
// (OpenStorage); sources list, stat and read through it, the filesystem destination writes
// through it. Objects are addressed by their full URI ("s3://bucket/a/b.csv",
// "/data/a.csv", "https://host/x.csv").
//
// Every method is safe to call from several threads at once (range reads run in parallel).
// Failures throw sluice::Error: kInput for "not found" and "access denied", kIo (retriable)
// for failures that outlived the backend's own retries.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "io/input_stream.h"

namespace sluice {

struct ObjectInfo {
  std::string uri;       // full URI, as passed to Stat/OpenRead
  int64_t size = -1;     // bytes; -1 if the backend cannot tell
  std::string etag;      // entity tag without quotes; empty if the backend has none
  int64_t mtime_ns = 0;  // last modification, ns since the epoch; 0 if unknown
};

// Receives an object's bytes in order. Nothing is visible at the URI until Commit() returns
// (local: rename of a temporary file; S3: CompleteMultipartUpload; Azure: Put Block List), so
// readers never see a partial object. Destroying an uncommitted writer aborts it.
class ObjectWriter {
 public:
  virtual ~ObjectWriter() = default;
  virtual void Write(const char* data, size_t size) = 0;
  virtual void Commit() = 0;
};

class Storage {
 public:
  virtual ~Storage() = default;
  // Every object whose URI starts with `prefix` (a directory, a key prefix, or one object),
  // recursively, sorted by URI. An empty result is not an error.
  virtual std::vector<ObjectInfo> List(const std::string& prefix) = 0;
  // List() for glob expansion: objects at most `max_depth` '/'-separated levels below the
  // prefix's directory (-1: any depth). Object stores list flat and ignore the limit; the local
  // backend uses it so "/tmp/x*.csv" does not walk all of /tmp.
  virtual std::vector<ObjectInfo> ListForGlob(const std::string& prefix, int max_depth) {
    return List(prefix);
  }
  // Throws an input error naming the URI if there is no such object.
  virtual ObjectInfo Stat(const std::string& uri) = 0;
  // Reads [offset, offset + length) into `out`; returns the bytes read, fewer only at the end of
  // the object. Never returns a truncated body as if complete: a short response throws.
  virtual size_t ReadRange(const std::string& uri, uint64_t offset, size_t length, char* out) = 0;
  // A sequential reader in bounded memory. Remote backends prefetch ranges in parallel.
  virtual std::unique_ptr<InputStream> OpenRead(const std::string& uri) = 0;
  virtual std::unique_ptr<ObjectWriter> OpenWrite(const std::string& uri) = 0;
  // Removes the object; no error if it does not exist.
  virtual void Remove(const std::string& uri) = 0;
};

// True for "s3://", "gs://", "az://", "abfs(s)://", "http(s)://" and "file://" URIs; false for
// plain local paths.
bool HasStorageScheme(const std::string& uri);
// The URI as it may be stored and printed: an http(s) URL without its query string (signed
// links carry their signature there) and without user:password; everything else unchanged.
std::string RedactedUri(const std::string& uri);
// The backend for the URI's scheme, configured from the environment (docs/configuration.md,
// "Storage"). Backends are cached per scheme and authority; the returned reference lives for the
// whole process.
Storage& StorageFor(const std::string& uri);

}  // namespace sluice
