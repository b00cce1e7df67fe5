#pragma once
// Finds document boundaries in the "array" layout without parsing: a stream of top-level JSON
// values where each top-level array is unwrapped one level (its elements are the documents) and
// top-level objects are documents themselves. Only string/escape state and bracket depth are
// tracked, so huge array files stream in bounded memory. The reader (JsonScanner) and the
// parse workers (SplitJsonDocuments) apply the same transitions, so they agree on boundaries.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace sluice {

// Incremental scanner used by the reader thread to find where a chunk may end.
class JsonScanner {
 public:
  // Scans the next `n` bytes of the stream. Returns one past the last cut point in p[0, n) (after
  // a ',' between elements of a top-level array, or after a bracket that closes a top-level
  // value), or 0 if there is none.
  size_t Scan(const char* p, size_t n);
  // True if the stream is positioned inside a top-level array (after a cut at a ',').
  bool in_array() const { return depth_ >= 1 && top_is_array_; }

 private:
  int depth_ = 0;
  bool in_string_ = false;
  bool escape_ = false;
  bool top_is_array_ = false;
};

struct JsonPiece {
  size_t begin = 0;  // byte range of one document's text in the chunk, whitespace trimmed
  size_t end = 0;
  uint64_t line = 0;  // line breaks in the chunk before `begin`
  // The chunk ended inside a top-level array before this element was followed by ',' or ']':
  // only possible at the end of a truncated file.
  bool unterminated = false;
};

// Splits a chunk cut by JsonScanner into documents. `in_array`: the chunk starts inside a
// top-level array (JsonScanner::in_array() at the cut). Sets *lines to the chunk's line breaks.
void SplitJsonDocuments(std::string_view data, bool in_array, std::vector<JsonPiece>* pieces,
                        uint64_t* lines);

}  // namespace sluice
