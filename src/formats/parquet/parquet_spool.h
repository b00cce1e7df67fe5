#pragma once
// Remote Parquet objects are copied to a local temporary file before DuckDB reads them: the
// shipped libduckdb has no httpfs, and Parquet readers seek (footer first, then column chunks),
// which a sequential remote stream cannot do. The copy costs local disk equal to the object's
// size, for one object at a time (docs/parquet.md, "Remote objects").
#include <memory>
#include <string>

#include "io/input_stream.h"

namespace sluice {

class SpooledFile {
 public:
  // Copies `in` into a new file in $TMPDIR (default /tmp). `display` names the object in errors.
  SpooledFile(InputStream& in, const std::string& display);
  ~SpooledFile();  // removes the file
  SpooledFile(const SpooledFile&) = delete;
  SpooledFile& operator=(const SpooledFile&) = delete;

  const std::string& path() const { return path_; }
  uint64_t bytes() const { return bytes_; }

 private:
  std::string path_;
  uint64_t bytes_ = 0;
};

// Opens a remote object through the storage layer (StorageFor(uri).OpenRead(uri)).
std::unique_ptr<InputStream> OpenRemoteObject(const std::string& uri);

// The URI without its query string (which may hold a SAS token or signature).
std::string ObjectForDisplay(const std::string& uri);

}  // namespace sluice
