#include "storage/azure/shared_key_signer.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <vector>

#include "core/error.h"

namespace sluice {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool EqualsIgnoreCase(const std::string& a, const std::string& b) {
  return Lower(a) == Lower(b);
}

std::string HeaderValue(const HttpHeaders& headers, const std::string& name) {
  for (const auto& [k, v] : headers) {
    if (EqualsIgnoreCase(k, name)) return v;
  }
  return "";
}

// Trims and folds runs of whitespace to one space, as the canonical header form requires.
std::string CanonicalHeaderValue(const std::string& value) {
  std::string out;
  bool pending_space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); i++) {
    if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 && HexValue(s[i + 2]) >= 0) {
      out.push_back(char(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// "/account" + the URL's path (as sent, percent-encoded) + "\nname:values" per query parameter.
std::string CanonicalizedResource(const std::string& url, const std::string& account) {
  const size_t scheme_end = url.find("://");
  const size_t path_begin = url.find('/', scheme_end == std::string::npos ? 0 : scheme_end + 3);
  const size_t query_begin = url.find('?');
  std::string path = "/";
  if (path_begin != std::string::npos && path_begin < query_begin) {
    path = url.substr(path_begin, query_begin - path_begin);
  }
  std::string out = "/" + account + path;
  if (query_begin == std::string::npos) return out;

  std::map<std::string, std::vector<std::string>> params;  // sorted by name
  const std::string query = url.substr(query_begin + 1);
  size_t pos = 0;
  while (pos < query.size()) {
    size_t end = query.find('&', pos);
    if (end == std::string::npos) end = query.size();
    const std::string pair = query.substr(pos, end - pos);
    pos = end + 1;
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    const std::string name = Lower(PercentDecode(pair.substr(0, eq)));
    params[name].push_back(eq == std::string::npos ? "" : PercentDecode(pair.substr(eq + 1)));
  }
  for (auto& [name, values] : params) {
    std::sort(values.begin(), values.end());
    out += "\n" + name + ":";
    for (size_t i = 0; i < values.size(); i++) out += (i ? "," : "") + values[i];
  }
  return out;
}

}  // namespace

std::string Base64Encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(bytes.data()), int(bytes.size()));
  out.resize(size_t(n));
  return out;
}

std::string Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) throw UsageError("not base64 (length is not a multiple of 4)");
  for (size_t i = 0; i < text.size(); i++) {
    const char c = text[i];
    const bool padding_ok =
        c == '=' && i + 2 >= text.size() && (i + 1 == text.size() || text[i + 1] == '=');
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || padding_ok)) {
      throw UsageError("not base64 (character " + std::to_string(i + 1) + ")");
    }
  }
  std::string out(3 * (text.size() / 4), '\0');
  const int n =
      EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(text.data()), int(text.size()));
  if (n < 0) throw UsageError("not base64");
  // EVP_DecodeBlock counts padding bytes as data.
  size_t padding = 0;
  if (!text.empty() && text.back() == '=') padding++;
  if (text.size() > 1 && text[text.size() - 2] == '=') padding++;
  out.resize(size_t(n) - padding);
  return out;
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), int(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest, &length);
  return std::string(reinterpret_cast<const char*>(digest), length);
}

std::string HttpDate(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  static const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

std::string SharedKeyStringToSign(const HttpRequest& request, const std::string& account) {
  const HttpHeaders& h = request.headers;
  std::string content_length = HeaderValue(h, "Content-Length");
  if (content_length.empty() && !request.body.empty()) {
    content_length = std::to_string(request.body.size());
  }
  if (content_length == "0") content_length = "";  // since version 2015-02-21
  std::string out = request.method + "\n";
  out += HeaderValue(h, "Content-Encoding") + "\n";
  out += HeaderValue(h, "Content-Language") + "\n";
  out += content_length + "\n";
  out += HeaderValue(h, "Content-MD5") + "\n";
  out += HeaderValue(h, "Content-Type") + "\n";
  out += HeaderValue(h, "Date") + "\n";
  out += HeaderValue(h, "If-Modified-Since") + "\n";
  out += HeaderValue(h, "If-Match") + "\n";
  out += HeaderValue(h, "If-None-Match") + "\n";
  out += HeaderValue(h, "If-Unmodified-Since") + "\n";
  out += HeaderValue(h, "Range") + "\n";
  std::map<std::string, std::string> ms_headers;
  for (const auto& [name, value] : h) {
    const std::string lower = Lower(name);
    if (lower.rfind("x-ms-", 0) == 0) ms_headers[lower] = CanonicalHeaderValue(value);
  }
  for (const auto& [name, value] : ms_headers) out += name + ":" + value + "\n";
  out += CanonicalizedResource(request.url, account);
  return out;
}

SharedKeySigner::SharedKeySigner(std::string account, const std::string& base64_key)
    : account_(std::move(account)) {
  try {
    key_ = Base64Decode(base64_key);
  } catch (const Error& e) {
    throw UsageError("the Azure account key for '" + account_ + "' is " + e.what());
  }
}

std::string SharedKeySigner::Signature(const std::string& string_to_sign) const {
  return Base64Encode(HmacSha256(key_, string_to_sign));
}

void SharedKeySigner::Sign(HttpRequest& request, std::time_t now) const {
  SetHeader(request.headers, "x-ms-date", HttpDate(now));
  SetHeader(request.headers, "Authorization",
            "SharedKey " + account_ + ":" + Signature(SharedKeyStringToSign(request, account_)));
}

void SetHeader(HttpHeaders& headers, const std::string& name, const std::string& value) {
  headers.erase(std::remove_if(headers.begin(), headers.end(),
                               [&](const auto& h) { return EqualsIgnoreCase(h.first, name); }),
                headers.end());
  headers.emplace_back(name, value);
}

}  // namespace sluice
