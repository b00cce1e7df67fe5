#pragma once
// Deterministic row ids for flattened JSON (`_sluice_id`): 96 bits of XXH3-128 over the
// identifying parts, as 16 characters of unpadded base64url.
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
  // Writes kJsonIdLength characters to `out` and resets the hasher.
  void Finish(char* out);

 private:
  void* state_;  // XXH3_state_t, kept out of the header
};

}  // namespace sluice
