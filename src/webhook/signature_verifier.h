#pragma once
// Checks that a webhook request was signed by the sender holding the route's secret
// (docs/webhooks.md, "Signatures"): Stripe (timestamped, replay window), GitHub, and a generic
// HMAC header. Expected failures are values, not exceptions: a forged request is routine.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "config/pipeline_config.h"

namespace sluice {

enum class SignatureStatus {
  kValid,
  kMissing,    // the signature header is absent
  kMalformed,  // the header does not parse (no t=, no v1=, bad hex/base64, wrong prefix)
  kMismatch,   // no digest matches the body
  kStale,      // stripe: the signed timestamp is outside the tolerance (replay or clock skew)
};
const char* SignatureStatusName(SignatureStatus status);

// Header lookup, case-insensitive by the caller's convention; "" = absent.
using HeaderLookup = std::function<std::string(const std::string& name)>;

class SignatureVerifier {
 public:
  // Throws UsageError for an unknown algorithm or encoding, or a scheme without a secret.
  explicit SignatureVerifier(SignatureConfig config);
  // `now_s`: the current Unix time (a parameter so tests can pin it).
  SignatureStatus Verify(const HeaderLookup& header, std::string_view body, int64_t now_s) const;
  // The header the scheme reads ("" for kNone).
  const std::string& header_name() const { return header_; }

 private:
  SignatureStatus VerifyStripe(const std::string& value, std::string_view body,
                               int64_t now_s) const;
  SignatureStatus VerifyHmac(const std::string& value, std::string_view body) const;
  SignatureConfig config_;
  std::string header_;
};

// Raw HMAC digest of `data` with `key`; `algorithm` is sha256, sha1 or sha512.
std::string HmacDigest(const std::string& algorithm, std::string_view key, std::string_view data);
std::string HexEncode(std::string_view bytes);
// Decoders return false on invalid input (odd length, bad characters, bad padding).
bool HexDecode(std::string_view hex, std::string* out);
bool Base64Decode(std::string_view text, std::string* out);
// Equal length and equal bytes, in time independent of where they differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace sluice
