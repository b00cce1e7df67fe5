#pragma once
// Plain http:// and https:// URLs: read-only objects. Stat is a HEAD (size, ETag,
// Last-Modified); reads are Range requests, several in flight for large objects. Redirects are
// followed. HTTP has no listing, so a glob pattern over a URL is a usage error.
#include <memory>

#include "storage/http/http_client.h"
#include "storage/storage.h"

namespace sluice {

std::unique_ptr<Storage> MakeHttpStorage(HttpOptions options);

// "Wed, 21 Oct 2015 07:28:00 GMT" -> ns since the epoch; 0 if unparsable.
int64_t ParseHttpDate(const std::string& value);

}  // namespace sluice
