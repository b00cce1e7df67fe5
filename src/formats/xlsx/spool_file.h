#pragma once
// Copies a remote object (s3://, gs://, az://, http(s)://) into an unlinked temporary file and
// returns its descriptor, positioned at 0. An .xlsx needs random access (the zip directory is at
// the end of the file), which a sequential stream cannot give; the file vanishes when the
// descriptor is closed, even if the process dies.
#include <string>

namespace sluice {

// The temporary file lives in $TMPDIR (default /tmp). Throws an input error for a missing
// object and an I/O error (retriable) if the copy fails.
int SpoolToTemporaryFile(const std::string& uri);

}  // namespace sluice
