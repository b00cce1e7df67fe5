#pragma once
// Reading the JSON API's response bodies: object resources (objects.get, the upload responses),
// objects.list pages and Google's error envelope.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice {

struct GcsObjectMetadata {
  std::string name;
  int64_t size = -1;
  // Hex MD5 of the content (from md5Hash), the same tag the XML API's ETag carries, so a gs://
  // object keeps its fingerprint whichever API read it; objects without md5Hash (composite
  // objects) fall back to the JSON API's own etag.
  std::string etag;
  int64_t mtime_ns = 0;  // "updated" (RFC 3339)
  int64_t generation = 0;
};

struct GcsListPage {
  std::vector<GcsObjectMetadata> items;
  std::string next_page_token;  // empty on the last page
};

// Return false if the body is not the expected JSON shape.
bool ParseGcsObject(std::string_view body, GcsObjectMetadata* out);
bool ParseGcsListPage(std::string_view body, GcsListPage* out);
// {"error": {"code": 403, "message": "..."}} -> the message; "" if the body has none.
std::string GoogleErrorMessage(std::string_view body);

}  // namespace sluice
