#include "api/url.h"

#include <cctype>

#include "storage/http/http_client.h"

namespace sluice {
namespace {

bool HasScheme(const std::string& url) {
  return url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0;
}

}  // namespace

std::string JoinUrl(const std::string& base_url, const std::string& path) {
  if (HasScheme(path) || base_url.empty()) return path;
  if (path.empty()) return base_url;
  if (path[0] == '?') return base_url + path;
  const bool base_slash = base_url.back() == '/';
  const bool path_slash = path.front() == '/';
  if (base_slash && path_slash) return base_url + path.substr(1);
  if (!base_slash && !path_slash) return base_url + "/" + path;
  return base_url + path;
}

std::string UrlOrigin(const std::string& url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return "";
  std::string scheme = url.substr(0, scheme_end);
  for (char& c : scheme) c = char(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != "http" && scheme != "https") return "";
  const size_t start = scheme_end + 3;
  std::string authority = url.substr(start, url.find_first_of("/?#", start) - start);
  if (const size_t at = authority.rfind('@'); at != std::string::npos) {
    authority.erase(0, at + 1);
  }
  for (char& c : authority) c = char(std::tolower(static_cast<unsigned char>(c)));
  // A port follows the last ':' unless that ':' is inside an IPv6 literal ("[::1]").
  const size_t colon = authority.rfind(':');
  const bool has_port =
      colon != std::string::npos && authority.find(']', colon) == std::string::npos;
  std::string host = has_port ? authority.substr(0, colon) : authority;
  std::string port = has_port ? authority.substr(colon + 1) : "";
  if (port.empty()) port = scheme == "https" ? "443" : "80";
  if (host.empty()) return "";
  return scheme + "://" + host + ":" + port;
}

std::string ResolveUrl(const std::string& current_url, const std::string& link) {
  if (HasScheme(link) || link.empty()) return link;
  const size_t scheme_end = current_url.find("://");
  if (scheme_end == std::string::npos) return link;
  const size_t path_start = current_url.find('/', scheme_end + 3);
  const std::string origin = path_start == std::string::npos
                                 ? current_url.substr(0, current_url.find('?'))
                                 : current_url.substr(0, path_start);
  if (link.rfind("//", 0) == 0) return current_url.substr(0, scheme_end + 1) + link;
  if (link[0] == '/') return origin + link;
  std::string path = path_start == std::string::npos ? "/" : current_url.substr(path_start);
  path = path.substr(0, path.find_first_of("?#"));
  if (link[0] == '?') return origin + path + link;
  return origin + path.substr(0, path.rfind('/') + 1) + link;
}

std::vector<std::string> QueryParamNames(const std::string& url) {
  std::vector<std::string> names;
  const size_t q = url.find('?');
  if (q == std::string::npos) return names;
  const std::string query = url.substr(q + 1, url.find('#', q) - q - 1);
  size_t start = 0;
  while (start <= query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string::npos) end = query.size();
    const std::string pair = query.substr(start, end - start);
    if (!pair.empty()) names.push_back(pair.substr(0, pair.find('=')));
    start = end + 1;
  }
  return names;
}

std::string AppendQueryParam(const std::string& url, const std::string& name,
                             const std::string& value) {
  const size_t hash = url.find('#');
  std::string head = url.substr(0, hash);
  const std::string fragment = hash == std::string::npos ? "" : url.substr(hash);
  const char separator = head.find('?') == std::string::npos          ? '?'
                         : (head.back() == '?' || head.back() == '&') ? '\0'
                                                                      : '&';
  if (separator) head += separator;
  return head + UriEncode(name, false) + "=" + UriEncode(value, false) + fragment;
}

}  // namespace sluice
