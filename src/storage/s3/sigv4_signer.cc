#include "storage/s3/sigv4_signer.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <map>
#include <utility>
#include <vector>

#include "core/error.h"

namespace sluice {
namespace {

constexpr char kAlgorithm[] = "AWS4-HMAC-SHA256";

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Hex(const unsigned char* data, size_t size) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out(size * 2, '0');
  for (size_t i = 0; i < size; ++i) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 0xf];
  }
  return out;
}

std::string HmacSha256(const std::string& key, const std::string& message) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
            reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest,
            &size)) {
    throw Error(ErrorKind::kInternal, "HMAC-SHA256 failed");
  }
  return std::string(reinterpret_cast<const char*>(digest), size);
}

// Headers the transport adds or rewrites (or proxies may) are not signed: a signature over them
// would break for reasons that have nothing to do with the request.
bool IsUnsignedHeader(const std::string& lower_name) {
  return lower_name == "authorization" || lower_name == "user-agent" ||
         lower_name == "content-length" || lower_name == "expect" || lower_name == "connection" ||
         lower_name == "transfer-encoding" || lower_name == "accept-encoding" ||
         lower_name == "x-amzn-trace-id";
}

// Trims the value and collapses runs of spaces and tabs into one space (SigV4's "Trimall").
std::string TrimAll(const std::string& value) {
  std::string out;
  bool pending_space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += c;
  }
  return out;
}

struct UrlParts {
  std::string scheme;
  std::string host;  // as the Host header carries it: host[:port], default ports dropped
  std::string path;
  std::string query;
};

UrlParts SplitUrl(const std::string& url) {
  UrlParts parts;
  size_t rest = 0;
  size_t scheme_end = url.find("://");
  if (scheme_end != std::string::npos) {
    parts.scheme = Lower(url.substr(0, scheme_end));
    rest = scheme_end + 3;
  }
  size_t path_start = url.find_first_of("/?#", rest);
  std::string authority =
      url.substr(rest, path_start == std::string::npos ? std::string::npos : path_start - rest);
  size_t at = authority.rfind('@');
  if (at != std::string::npos) authority = authority.substr(at + 1);
  size_t colon = authority.rfind(':');
  if (colon != std::string::npos && authority.find(']', colon) == std::string::npos) {
    std::string port = authority.substr(colon + 1);
    if ((parts.scheme == "http" && port == "80") || (parts.scheme == "https" && port == "443")) {
      authority = authority.substr(0, colon);
    }
  }
  parts.host = Lower(authority);
  if (path_start == std::string::npos) return parts;
  size_t fragment = url.find('#', path_start);
  std::string target = url.substr(
      path_start, fragment == std::string::npos ? std::string::npos : fragment - path_start);
  size_t question = target.find('?');
  parts.path = target.substr(0, question);
  if (question != std::string::npos) parts.query = target.substr(question + 1);
  return parts;
}

// S3 flavour of the canonical URI: encoded once, no "." / ".." / "//" normalization (object
// keys may contain them). Decoding first makes an already-encoded and a raw path sign alike.
std::string CanonicalUri(const std::string& path) {
  if (path.empty()) return "/";
  return AwsUriEncode(PercentDecode(path), /*keep_slash=*/true);
}

std::string CanonicalQuery(const std::string& query) {
  std::vector<std::pair<std::string, std::string>> params;
  size_t start = 0;
  while (start <= query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string::npos) end = query.size();
    std::string param = query.substr(start, end - start);
    if (!param.empty()) {
      size_t eq = param.find('=');
      std::string name = param.substr(0, eq);
      std::string value = eq == std::string::npos ? "" : param.substr(eq + 1);
      params.emplace_back(AwsUriEncode(PercentDecode(name), false),
                          AwsUriEncode(PercentDecode(value), false));
    }
    start = end + 1;
  }
  // Sorted by encoded name, then by encoded value (byte order).
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out += '&';
    out += name + "=" + value;
  }
  return out;
}

void RemoveHeader(HttpHeaders& headers, const std::string& lower_name) {
  headers.erase(std::remove_if(headers.begin(), headers.end(),
                               [&](const auto& h) { return Lower(h.first) == lower_name; }),
                headers.end());
}

const std::string* FindHeader(const HttpHeaders& headers, const std::string& lower_name) {
  for (const auto& [name, value] : headers) {
    if (Lower(name) == lower_name) return &value;
  }
  return nullptr;
}

}  // namespace

std::string AmzDate(int64_t epoch_seconds) {
  std::time_t t = static_cast<std::time_t>(epoch_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y%m%dT%H%M%SZ", &tm);
  return buffer;
}

std::string Sha256Hex(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (!EVP_Digest(data.data(), data.size(), digest, &size, EVP_sha256(), nullptr)) {
    throw Error(ErrorKind::kInternal, "SHA-256 failed");
  }
  return Hex(digest, size);
}

std::string AwsUriEncode(const std::string& s, bool keep_slash) {
  static const char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~' || (c == '/' && keep_slash)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kDigits[c >> 4];
      out += kDigits[c & 0xf];
    }
  }
  return out;
}

std::string PercentDecode(const std::string& s, bool plus_is_space) {
  auto hex_value = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else if (s[i] == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

SigV4Signer::SigV4Signer(SigV4Credentials credentials, std::string region, std::string service,
                         bool add_content_sha256)
    : credentials_(std::move(credentials)),
      region_(std::move(region)),
      service_(std::move(service)),
      add_content_sha256_(add_content_sha256) {}

SigV4Signature SigV4Signer::Compute(const HttpRequest& request, const std::string& amz_date) const {
  UrlParts url = SplitUrl(request.url);

  // Header values grouped by lower-case name, in request order; std::map sorts the names.
  std::map<std::string, std::vector<std::string>> headers;
  for (const auto& [name, value] : request.headers) {
    std::string lower = Lower(name);
    if (IsUnsignedHeader(lower)) continue;
    headers[lower].push_back(TrimAll(value));
  }
  if (!headers.count("host")) headers["host"].push_back(url.host);

  std::string canonical_headers;
  std::string signed_headers;
  for (const auto& [name, values] : headers) {
    canonical_headers += name + ":";
    for (size_t i = 0; i < values.size(); ++i) {
      if (i) canonical_headers += ',';
      canonical_headers += values[i];
    }
    canonical_headers += '\n';
    if (!signed_headers.empty()) signed_headers += ';';
    signed_headers += name;
  }

  const std::string* declared_hash = FindHeader(request.headers, "x-amz-content-sha256");
  std::string payload_hash = declared_hash ? TrimAll(*declared_hash) : Sha256Hex(request.body);

  SigV4Signature result;
  result.canonical_request = request.method + "\n" + CanonicalUri(url.path) + "\n" +
                             CanonicalQuery(url.query) + "\n" + canonical_headers + "\n" +
                             signed_headers + "\n" + payload_hash;

  std::string date = amz_date.substr(0, 8);
  std::string scope = date + "/" + region_ + "/" + service_ + "/aws4_request";
  result.string_to_sign = std::string(kAlgorithm) + "\n" + amz_date + "\n" + scope + "\n" +
                          Sha256Hex(result.canonical_request);

  std::string key = HmacSha256("AWS4" + credentials_.secret_access_key, date);
  key = HmacSha256(key, region_);
  key = HmacSha256(key, service_);
  key = HmacSha256(key, "aws4_request");
  std::string signature = HmacSha256(key, result.string_to_sign);

  result.authorization =
      std::string(kAlgorithm) + " Credential=" + credentials_.access_key_id + "/" + scope +
      ", SignedHeaders=" + signed_headers + ", Signature=" +
      Hex(reinterpret_cast<const unsigned char*>(signature.data()), signature.size());
  return result;
}

void SigV4Signer::Sign(HttpRequest& request, const std::string& amz_date) const {
  RemoveHeader(request.headers, "authorization");
  RemoveHeader(request.headers, "x-amz-date");
  request.headers.emplace_back("x-amz-date", amz_date);
  if (!credentials_.session_token.empty()) {
    RemoveHeader(request.headers, "x-amz-security-token");
    request.headers.emplace_back("x-amz-security-token", credentials_.session_token);
  }
  if (add_content_sha256_ && !FindHeader(request.headers, "x-amz-content-sha256")) {
    request.headers.emplace_back("x-amz-content-sha256", Sha256Hex(request.body));
  }
  request.headers.emplace_back("Authorization", Compute(request, amz_date).authorization);
}

void SigV4Signer::SignNow(HttpRequest& request) const {
  auto now = std::chrono::system_clock::now();
  Sign(request,
       AmzDate(std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count()));
}

}  // namespace sluice
