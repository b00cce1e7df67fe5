#pragma once
// Paginators (config: paginator, docs/pipeline-reference.md): given a response, decide whether
// there is a next page and how to request it. Every type stops on its own signal and on an empty
// page where that is the API's convention; the caller additionally refuses a request identical to
// one already sent (a repeating cursor) and enforces max_pages, so no paginator can loop forever.
#include <simdjson.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "config/pipeline_config.h"
#include "storage/http/http_client.h"

namespace sluice {

// One page's request: the URL (absolute, or relative to the client's base_url, without a query
// string unless a next link carried one), query parameters, and a JSON body for POST.
struct PageRequest {
  std::string url;
  std::vector<std::pair<std::string, std::string>> params;  // appended to the URL, encoded
  std::string json_body;                                    // "" = none
  // Sets (replaces) a parameter.
  void SetParam(const std::string& name, const std::string& value);
};

class Paginator {
 public:
  virtual ~Paginator() = default;
  // Prepares the first request (e.g. adds offset=0&limit=100).
  virtual void Init(PageRequest* request) = 0;
  // After a page whose data selector found `records` records: true and *request updated if
  // there is a next page. `body` is the parsed response. Throws InputError (naming the URL)
  // when the response lacks what the paginator needs (e.g. a cursor path that is not there while
  // the page was full is not an error: it ends the pages).
  virtual bool Next(const HttpResponse& response, simdjson::dom::element body, size_t records,
                    PageRequest* request) = 0;
};

// kAuto is resolved on the first response. Throws UsageError for inconsistent settings.
// `base_url` (the client's) makes relative request URLs absolute, so relative next links
// resolve against the page they came from.
std::unique_ptr<Paginator> MakePaginator(const PaginatorConfig& config,
                                         const std::string& base_url = "");

// The target of the rel="next" link in a Link header value (RFC 8288), or "".
std::string NextLinkFromHeader(const std::string& header);

}  // namespace sluice
