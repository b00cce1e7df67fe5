#pragma once
// What identifies the content of an input file between runs. Local files: path, size,
// modification time and a hash of the bytes. Remote objects (S3, GCS, Azure, HTTP): URI, size,
// ETag and last-modified time as the store reports them (hashing would mean downloading). Stored
// in the destination's pipeline state with the data loaded from the file, so a rerun can skip
// files that have not changed.
#include <cstdint>
#include <string>

#include "sources/source.h"

namespace sluice {

struct FileFingerprint {
  std::string path;  // absolute, symlinks resolved
  int64_t size = 0;
  int64_t mtime_ns = 0;
  std::string content_hash;  // XXH3-64 of the stored bytes, 16 hex digits; empty = not computed
  std::string etag;          // remote objects only (may be empty: a server without ETags)
  bool remote = false;       // identified by size + ETag (or mtime), never hashed

  // {"size":..,"mtime_ns":..,"xxh3":".."} (local) or {"size":..,"mtime_ns":..,"etag":".."}
  // (remote) as stored in _sluice_state.value.
  std::string ToJson() const;
  // Local files are stat'ed (Stat below); remote objects take what listing reported.
  static FileFingerprint Of(const InputFile& file);
  // Size and mtime from the file system; throws an input error if the file cannot be read.
  static FileFingerprint Stat(const std::string& path);
  // Reads the whole (local) file to fill content_hash; remote objects are identified by ETag.
  void ComputeHash();
  // The state key for this file ("file:" + path).
  std::string StateKey() const { return "file:" + path; }
};

// True if `stored` (a ToJson() value) describes the same content as `current`: for remote
// objects the same size and ETag (an ETag changes whenever the content does), or without an
// ETag the same size and a known, unchanged last-modified time; for local files the same size
// and content hash (computed only when the size matches; mtime alone decides nothing).
bool SameContent(FileFingerprint& current, const std::string& stored);

}  // namespace sluice
