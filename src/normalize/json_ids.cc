#include "normalize/json_ids.h"

#include <xxhash.h>

namespace sluice {
namespace {
constexpr char kBase64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
}  // namespace

JsonIdHasher::JsonIdHasher() : state_(XXH3_createState()) {
  XXH3_128bits_reset(static_cast<XXH3_state_t*>(state_));
}

JsonIdHasher::~JsonIdHasher() {
  XXH3_freeState(static_cast<XXH3_state_t*>(state_));
}

void JsonIdHasher::Add(std::string_view part) {
  Add(uint64_t{part.size()});
  XXH3_128bits_update(static_cast<XXH3_state_t*>(state_), part.data(), part.size());
}

void JsonIdHasher::Add(uint64_t part) {
  unsigned char bytes[8];  // little-endian, so ids do not depend on the host
  for (int i = 0; i < 8; i++) bytes[i] = static_cast<unsigned char>(part >> (8 * i));
  XXH3_128bits_update(static_cast<XXH3_state_t*>(state_), bytes, sizeof bytes);
}

void JsonIdHasher::Finish(char* out) {
  auto* state = static_cast<XXH3_state_t*>(state_);
  XXH128_canonical_t canonical;
  XXH128_canonicalFromHash(&canonical, XXH3_128bits_digest(state));
  XXH3_128bits_reset(state);
  // 12 bytes = 96 bits = exactly 16 base64 characters, no padding needed.
  const unsigned char* b = canonical.digest;
  for (int i = 0; i < 4; i++) {
    const uint32_t v = uint32_t(b[3 * i]) << 16 | uint32_t(b[3 * i + 1]) << 8 | b[3 * i + 2];
    out[4 * i] = kBase64Url[v >> 18];
    out[4 * i + 1] = kBase64Url[(v >> 12) & 63];
    out[4 * i + 2] = kBase64Url[(v >> 6) & 63];
    out[4 * i + 3] = kBase64Url[v & 63];
  }
}

}  // namespace sluice
