#pragma once
// Reading what the Blob service answers: List Blobs pages (XML, parsed with expat), error
// bodies, and HTTP dates.
#include <cstdint>
#include <string>
#include <vector>

namespace sluice {

struct ListedBlob {
  std::string name;  // decoded (the service percent-encodes names with Encoded="true")
  int64_t size = -1;
  std::string etag;  // without quotes
  int64_t mtime_ns = 0;
  bool is_directory = false;  // hierarchical-namespace folder marker (metadata hdi_isfolder)
};

struct ListBlobsPage {
  std::vector<ListedBlob> blobs;
  std::string next_marker;  // "" on the last page
};

// Throws a retriable I/O error if the body is not a List Blobs result.
ListBlobsPage ParseListBlobsPage(const std::string& xml);

struct AzureErrorBody {
  std::string code;     // "BlobNotFound", "AuthenticationFailed", ...
  std::string message;  // first line of <Message>
};
// Best effort: empty fields if the body is not an Azure error document.
AzureErrorBody ParseAzureErrorBody(const std::string& xml);

// "Sun, 11 Oct 2009 21:49:13 GMT" -> ns since the epoch; 0 if unparsable.
int64_t ParseHttpDateNs(const std::string& date);
// Removes surrounding double quotes from an ETag.
std::string UnquoteEtag(std::string etag);

}  // namespace sluice
