#pragma once
// The little of JSON Web Tokens (RFC 7519) that Google's service-account flow needs: base64url
// without padding and an RS256 (RSASSA-PKCS1-v1_5 with SHA-256) signature, via OpenSSL.
// Hand-written because it is ~60 lines over OpenSSL; a JWT library would add a dependency for
// one call.
#include <string>
#include <string_view>

namespace sluice {

std::string Base64UrlEncode(std::string_view bytes);
// Decodes base64url with or without padding; returns false on a character outside the alphabet.
bool Base64UrlDecode(std::string_view text, std::string* bytes);

// "base64url(header).base64url(claims).base64url(signature)", the signature taken with the PEM
// private key (PKCS#8 or PKCS#1). Throws a usage error if the key cannot be read; the message
// never contains the key.
std::string SignJwtRs256(std::string_view header_json, std::string_view claims_json,
                         const std::string& private_key_pem);

}  // namespace sluice
