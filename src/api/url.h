#pragma once
// URL pieces the API client and its paginators share: joining a base URL with a path, resolving
// a next link against the page it came from, and reading a query string's parameter names.
#include <string>
#include <vector>

namespace sluice {

// base_url + path with exactly one '/' between them; `path` kept when it is an absolute URL;
// `base_url` alone when `path` is empty.
std::string JoinUrl(const std::string& base_url, const std::string& path);
// A link as found in a response (absolute, "/abs/path?q", "rel/path", "?q") resolved against
// the absolute URL of the page it came from (RFC 3986 section 5, without dot segments).
std::string ResolveUrl(const std::string& current_url, const std::string& link);
// "scheme://host:port" of an absolute http(s) URL, lower-cased, with the scheme's default port
// made explicit and any user:password@ dropped ("HTTPS://u:p@Api.Example/x" ->
// "https://api.example:443"); "" for anything else.
std::string UrlOrigin(const std::string& url);
// Decoded-as-is names of the parameters in the URL's query string ("a=1&b" -> {a, b}).
std::vector<std::string> QueryParamNames(const std::string& url);
// Appends name=value (both percent-encoded) with '?' or '&', before any '#fragment'.
std::string AppendQueryParam(const std::string& url, const std::string& name,
                             const std::string& value);

}  // namespace sluice
