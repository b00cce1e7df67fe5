#include "normalize/json_ids.h"

#include <xxhash.h>

#include <cstring>

namespace sluice {
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
  std::memcpy(out, canonical.digest, kJsonIdLength);
  // An RFC 9562 version 8 ("custom") UUID: 122 hash bits plus the version and variant bits.
  out[6] = char((out[6] & 0x0F) | 0x80);
  out[8] = char((out[8] & 0x3F) | 0x80);
}

}  // namespace sluice
