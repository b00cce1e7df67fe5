#include "formats/json/json_splitter.h"

namespace sluice {
namespace {

inline bool IsSpace(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

// Bytes that matter outside strings; everything else is skipped in the fast loop.
struct Specials {
  bool table[256] = {};
  constexpr Specials() {
    for (unsigned char c : {'"', '[', ']', '{', '}', ','}) table[c] = true;
  }
};
constexpr Specials kSpecials;

}  // namespace

size_t JsonScanner::Scan(const char* p, size_t n) {
  size_t cut = 0;
  size_t i = 0;
  while (i < n) {
    if (in_string_) {
      // Skip to the next quote or backslash.
      for (; i < n; i++) {
        const char c = p[i];
        if (escape_) {
          escape_ = false;
        } else if (c == '\\') {
          escape_ = true;
        } else if (c == '"') {
          in_string_ = false;
          i++;
          break;
        }
      }
      continue;
    }
    const unsigned char c = static_cast<unsigned char>(p[i]);
    i++;
    if (!kSpecials.table[c]) continue;
    switch (c) {
      case '"':
        in_string_ = true;
        break;
      case '[':
      case '{':
        if (depth_ == 0) top_is_array_ = c == '[';
        depth_++;
        break;
      case ']':
      case '}':
        if (depth_ > 0 && --depth_ == 0) cut = i;
        break;
      case ',':
        if (depth_ == 1 && top_is_array_) cut = i;
        break;
    }
  }
  return cut;
}

void SplitJsonDocuments(std::string_view data, bool in_array, std::vector<JsonPiece>* pieces,
                        uint64_t* lines) {
  constexpr size_t kNone = static_cast<size_t>(-1);
  int depth = in_array ? 1 : 0;
  bool top_is_array = in_array;
  bool in_string = false;
  bool escape = false;
  uint64_t line = 0;
  size_t start = kNone;  // begin of the document in progress
  uint64_t start_line = 0;
  auto finish = [&](size_t end, bool unterminated) {
    while (end > start && IsSpace(data[end - 1])) end--;
    pieces->push_back({start, end, start_line, unterminated});
    start = kNone;
  };
  auto begin = [&](size_t i) {
    start = i;
    start_line = line;
  };
  const size_t n = data.size();
  for (size_t i = 0; i < n; i++) {
    const char c = data[i];
    if (c == '\n') line++;
    if (in_string) {
      if (escape) {
        escape = false;
      } else if (c == '\\') {
        escape = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (depth == 0) {
      if (start != kNone) {
        // A stray top-level scalar (not a document): it ends at whitespace or a bracket.
        if (IsSpace(c) || c == '[' || c == '{') {
          finish(i, false);
        } else {
          if (c == '"') in_string = true;
          continue;
        }
      }
      if (IsSpace(c)) continue;
      if (c == '[' || c == '{') {
        depth = 1;
        top_is_array = c == '[';
        if (!top_is_array) begin(i);
        continue;
      }
      begin(i);
      if (c == '"') in_string = true;
      continue;
    }
    if (depth == 1 && top_is_array) {
      if (start == kNone) {
        if (IsSpace(c)) continue;
        if (c == ']') {
          depth = 0;
          continue;
        }
        begin(i);
        if (c == ',') {  // an empty element: let the parser report it
          finish(i + 1, false);
          continue;
        }
      } else if (c == ',') {
        finish(i, false);
        continue;
      } else if (c == ']') {
        finish(i, false);
        depth = 0;
        continue;
      }
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        depth++;
        break;
      case ']':
      case '}':
        if (--depth == 0) finish(i + 1, false);  // a top-level object document
        break;
      default:
        break;
    }
  }
  if (start != kNone) finish(n, depth >= 1 && top_is_array);
  *lines = line;
}

}  // namespace sluice
