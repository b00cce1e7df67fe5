#pragma once
// Azure Storage "Shared Key" authorization (Blob service, version 2009-09-19 and later): an
// HMAC-SHA256, keyed with the decoded account key, over a canonical form of the request. See
// docs/storage-azure.md, "Signing". Hand-written on OpenSSL: the Azure SDK for C++ would bring
// its own HTTP stack and dependencies for ~150 lines of canonicalization.
#include <ctime>
#include <string>
#include <string_view>

#include "storage/http/http_client.h"

namespace sluice {

// Standard base64 with padding (what Azure uses for keys, block ids and signatures).
std::string Base64Encode(std::string_view bytes);
// Throws a usage error on anything that is not canonical padded base64.
std::string Base64Decode(std::string_view text);
std::string HmacSha256(std::string_view key, std::string_view data);

// RFC 1123 date in GMT, as x-ms-date wants it: "Sun, 11 Oct 2009 21:49:13 GMT".
std::string HttpDate(std::time_t t);

// The string a Shared Key request signs: the verb, the standard headers (Content-Length empty
// when 0), the x-ms-* headers lower-cased and sorted, and the canonicalized resource
// "/account/path" with each query parameter on its own line ("name:v1,v2", names lower-cased
// and sorted, values decoded). Content-Length comes from the header if the request has one,
// else from the body size.
std::string SharedKeyStringToSign(const HttpRequest& request, const std::string& account);

class SharedKeySigner {
 public:
  // Throws a usage error if the key is not base64 (without printing it).
  SharedKeySigner(std::string account, const std::string& base64_key);
  // Sets x-ms-date to `now` and adds "Authorization: SharedKey account:signature" (replacing
  // earlier ones, so a retried request is signed afresh).
  void Sign(HttpRequest& request, std::time_t now) const;
  std::string Signature(const std::string& string_to_sign) const;

 private:
  std::string account_;
  std::string key_;  // decoded
};

// Replaces every header named `name` (any case) with one `name: value`.
void SetHeader(HttpHeaders& headers, const std::string& name, const std::string& value);

}  // namespace sluice
