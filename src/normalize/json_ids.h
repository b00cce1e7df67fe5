#pragma once
// Deterministic row ids for flattened JSON (`_sluice_id`): XXH3-128 over the identifying parts,
// shaped as an RFC 9562 version 8 UUID (16 bytes, loaded as a UUID column). A fixed-width id is
// far cheaper to store and join than text, and 122 hash bits make collisions negligible.
#include <cstdint>
#include <string_view>

namespace sluice {

inline constexpr size_t kJsonIdLength = 16;

// Incrementally hashes length-prefixed parts, so ("ab", "c") and ("a", "bc") differ.
class JsonIdHasher {
 public:
  JsonIdHasher();
  ~JsonIdHasher();
  JsonIdHasher(const JsonIdHasher&) = delete;
  JsonIdHasher& operator=(const JsonIdHasher&) = delete;

  void Add(std::string_view part);
  void Add(uint64_t part);
  // Writes the kJsonIdLength UUID bytes (big-endian order) to `out` and resets the hasher.
  void Finish(char* out);

 private:
  void* state_;  // XXH3_state_t, kept out of the header
};

}  // namespace sluice
