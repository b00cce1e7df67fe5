#include "webhook/signature_verifier.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cctype>

#include "core/error.h"

namespace sluice {

const char* SignatureStatusName(SignatureStatus status) {
  switch (status) {
    case SignatureStatus::kValid:
      return "valid";
    case SignatureStatus::kMissing:
      return "missing";
    case SignatureStatus::kMalformed:
      return "malformed";
    case SignatureStatus::kMismatch:
      return "mismatch";
    case SignatureStatus::kStale:
      return "stale";
  }
  return "?";
}

namespace {

const EVP_MD* Md(const std::string& algorithm) {
  if (algorithm == "sha256") return EVP_sha256();
  if (algorithm == "sha1") return EVP_sha1();
  if (algorithm == "sha512") return EVP_sha512();
  return nullptr;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;  // standard and URL-safe alphabets
  if (c == '/' || c == '_') return 63;
  return -1;
}

}  // namespace

std::string HmacDigest(const std::string& algorithm, std::string_view key, std::string_view data) {
  const EVP_MD* md = Md(algorithm);
  if (!md)
    throw UsageError("signature algorithm '" + algorithm + "': expected sha256, sha1 or sha512");
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!HMAC(md, key.data(), static_cast<int>(key.size()),
            reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len)) {
    throw Error(ErrorKind::kInternal, "HMAC failed");
  }
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::string HexEncode(std::string_view bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

bool HexDecode(std::string_view hex, std::string* out) {
  if (hex.size() % 2) return false;
  out->clear();
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int hi = HexValue(hex[i]), lo = HexValue(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>(hi << 4 | lo));
  }
  return true;
}

bool Base64Decode(std::string_view text, std::string* out) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.size() % 4 == 1) return false;
  out->clear();
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    const int v = Base64Value(c);
    if (v < 0) return false;
    acc = acc << 6 | uint32_t(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>(acc >> bits & 0xFF));
    }
  }
  return true;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  // Lengths are public (the digest size); only the contents must not leak through timing.
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

SignatureVerifier::SignatureVerifier(SignatureConfig config) : config_(std::move(config)) {
  switch (config_.scheme) {
    case SignatureConfig::Scheme::kNone:
      return;
    case SignatureConfig::Scheme::kStripe:
      header_ = config_.header.empty() ? "Stripe-Signature" : config_.header;
      config_.algorithm = "sha256";
      break;
    case SignatureConfig::Scheme::kGithub:
      header_ = config_.header.empty() ? "X-Hub-Signature-256" : config_.header;
      config_.algorithm = "sha256";
      config_.encoding = "hex";
      config_.prefix = "sha256=";
      break;
    case SignatureConfig::Scheme::kHmac:
      header_ = config_.header;
      if (header_.empty()) throw UsageError("signature scheme hmac needs a header");
      if (!Md(config_.algorithm)) {
        throw UsageError("signature algorithm '" + config_.algorithm +
                         "': expected sha256, sha1 or sha512");
      }
      if (config_.encoding != "hex" && config_.encoding != "base64") {
        throw UsageError("signature encoding '" + config_.encoding + "': expected hex or base64");
      }
      break;
  }
  if (config_.secret.empty()) throw UsageError("a signature scheme needs a secret");
}

SignatureStatus SignatureVerifier::Verify(const HeaderLookup& header, std::string_view body,
                                          int64_t now_s) const {
  if (config_.scheme == SignatureConfig::Scheme::kNone) return SignatureStatus::kValid;
  const std::string value = header(header_);
  if (Trim(value).empty()) return SignatureStatus::kMissing;
  if (config_.scheme == SignatureConfig::Scheme::kStripe) return VerifyStripe(value, body, now_s);
  return VerifyHmac(value, body);
}

SignatureStatus SignatureVerifier::VerifyStripe(const std::string& value, std::string_view body,
                                                int64_t now_s) const {
  std::string_view rest = value, timestamp;
  std::vector<std::string_view> candidates;
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    const std::string_view item = Trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view key = item.substr(0, eq), val = item.substr(eq + 1);
    if (key == "t") timestamp = val;
    if (key == "v1") candidates.push_back(val);  // v0 and others are test-mode or legacy
  }
  if (timestamp.empty() || candidates.empty()) return SignatureStatus::kMalformed;
  int64_t t = 0;
  for (char c : timestamp) {
    if (c < '0' || c > '9' || t > (INT64_MAX - 9) / 10) return SignatureStatus::kMalformed;
    t = t * 10 + (c - '0');
  }
  std::string signed_payload;
  signed_payload.reserve(timestamp.size() + 1 + body.size());
  signed_payload.append(timestamp).append(".").append(body);
  const std::string expected = HmacDigest("sha256", config_.secret, signed_payload);
  bool match = false;
  std::string decoded;
  for (std::string_view candidate : candidates) {
    // Every candidate is checked, so timing does not reveal which one matched.
    if (HexDecode(candidate, &decoded) && ConstantTimeEquals(decoded, expected)) match = true;
  }
  if (!match) return SignatureStatus::kMismatch;
  // Checked after the digest: only a genuine signature can be called stale.
  if (config_.tolerance_s > 0 &&
      (now_s - t > config_.tolerance_s || t - now_s > config_.tolerance_s)) {
    return SignatureStatus::kStale;
  }
  return SignatureStatus::kValid;
}

SignatureStatus SignatureVerifier::VerifyHmac(const std::string& value,
                                              std::string_view body) const {
  std::string_view text = Trim(value);
  if (text.substr(0, config_.prefix.size()) != config_.prefix) return SignatureStatus::kMalformed;
  text.remove_prefix(config_.prefix.size());
  std::string decoded;
  const bool ok =
      config_.encoding == "base64" ? Base64Decode(text, &decoded) : HexDecode(text, &decoded);
  if (!ok || decoded.empty()) return SignatureStatus::kMalformed;
  const std::string expected = HmacDigest(config_.algorithm, config_.secret, body);
  return ConstantTimeEquals(decoded, expected) ? SignatureStatus::kValid
                                               : SignatureStatus::kMismatch;
}

}  // namespace sluice
