#pragma once
// What identifies the content of an input file between runs: path, size, modification time and
// a hash of the bytes. Stored in the destination's pipeline state with the data loaded from the
// file, so a rerun can skip files that have not changed.
#include <cstdint>
#include <string>

#include "sources/source.h"

namespace sluice {

struct FileFingerprint {
  std::string path;  // absolute, symlinks resolved
  int64_t size = 0;
  int64_t mtime_ns = 0;
  std::string content_hash;  // XXH3-64 of the stored bytes, 16 hex digits; empty = not computed

  // {"size":..,"mtime_ns":..,"xxh3":".."} as stored in _sluice_state.value.
  std::string ToJson() const;
  // Size and mtime from the file system; throws an input error if the file cannot be read.
  static FileFingerprint Stat(const std::string& path);
  // Reads the whole file to fill content_hash.
  void ComputeHash();
  // The state key for this file ("file:" + path).
  std::string StateKey() const { return "file:" + path; }
};

// True if `stored` (a ToJson() value) describes the same size, mtime and hash as `current`.
// Computes current's hash only when size and mtime already match.
bool SameContent(FileFingerprint& current, const std::string& stored);

}  // namespace sluice
