#include "storage/glob_pattern.h"

#include <algorithm>

#include "core/error.h"

namespace sluice {
namespace {

// The index of the ']' closing the class that opens at pattern[p] == '[' (a ']' right after
// '[' or '[!' is a member, not the end); npos if the class is not closed (then '[' is literal).
size_t ClassEnd(const std::string& pattern, size_t p) {
  size_t i = p + 1;
  if (i < pattern.size() && (pattern[i] == '!' || pattern[i] == '^')) i++;
  if (i < pattern.size()) i++;  // the first member, even ']'
  return pattern.find(']', i);
}

// Expands {a,b} alternatives (nested ones too) into plain patterns.
void ExpandBraces(const std::string& pattern, std::vector<std::string>* out) {
  int depth = 0;
  size_t open = std::string::npos;
  for (size_t i = 0; i < pattern.size(); i++) {
    if (pattern[i] == '[') {  // braces inside a class are literal
      const size_t close = ClassEnd(pattern, i);
      if (close != std::string::npos) i = close;
      continue;
    }
    if (pattern[i] == '{') {
      if (depth++ == 0) open = i;
    } else if (pattern[i] == '}' && depth > 0 && --depth == 0) {
      std::vector<std::string> alternatives;
      size_t start = open + 1;
      int inner = 0;
      for (size_t j = open + 1; j < i; j++) {
        if (pattern[j] == '{') inner++;
        if (pattern[j] == '}') inner--;
        if (pattern[j] == ',' && inner == 0) {
          alternatives.push_back(pattern.substr(start, j - start));
          start = j + 1;
        }
      }
      alternatives.push_back(pattern.substr(start, i - start));
      for (const auto& alt : alternatives) {
        ExpandBraces(pattern.substr(0, open) + alt + pattern.substr(i + 1), out);
      }
      return;
    }
  }
  out->push_back(pattern);
}

// Matches one character against the class pattern[p..end] ('[' ... ']').
bool MatchClass(const std::string& pattern, size_t p, size_t end, char c) {
  size_t i = p + 1;
  bool negate = false;
  if (pattern[i] == '!' || pattern[i] == '^') {
    negate = true;
    i++;
  }
  bool matched = false;
  for (; i < end; i++) {
    if (i + 2 < end && pattern[i + 1] == '-') {
      if (c >= pattern[i] && c <= pattern[i + 2]) matched = true;
      i += 2;
    } else if (pattern[i] == c) {
      matched = true;
    }
  }
  return matched != negate && c != '/';
}

// Iterative matcher with backtracking for the last '*' and the last '**'.
bool MatchSimple(const std::string& pattern, const std::string& text) {
  struct Frame {
    size_t p, t;
  };
  std::vector<Frame> stack{{0, 0}};
  while (!stack.empty()) {
    auto [p, t] = stack.back();
    stack.pop_back();
    for (;;) {
      if (p == pattern.size()) {
        if (t == text.size()) return true;
        break;
      }
      const char pc = pattern[p];
      if (pc == '*') {
        const bool globstar = p + 1 < pattern.size() && pattern[p + 1] == '*';
        if (globstar) {
          size_t next = p + 2;
          // "**/" also matches no directory at all: "a/**/b" matches "a/b".
          if (next < pattern.size() && pattern[next] == '/') stack.push_back({next + 1, t});
          // Any number of characters, '/' included.
          for (size_t k = text.size(); k > t; k--) stack.push_back({next, k});
          p = next;
          continue;
        }
        // Any run without '/': try every end of the run.
        size_t end = t;
        while (end < text.size() && text[end] != '/') end++;
        for (size_t k = end; k > t; k--) stack.push_back({p + 1, k});
        p = p + 1;
        continue;
      }
      if (t == text.size()) break;
      if (pc == '?') {
        if (text[t] == '/') break;
        p++;
        t++;
        continue;
      }
      if (pc == '[') {
        if (const size_t end = ClassEnd(pattern, p); end != std::string::npos) {
          if (!MatchClass(pattern, p, end, text[t])) break;
          p = end + 1;
          t++;
          continue;
        }
      }
      if (pc == '\\' && p + 1 < pattern.size()) p++;
      if (pattern[p] != text[t]) break;
      p++;
      t++;
    }
  }
  return false;
}

}  // namespace

bool HasGlobCharacters(const std::string& pattern) {
  return pattern.find_first_of("*?[{") != std::string::npos;
}

std::string LiteralPrefix(const std::string& pattern) {
  const size_t first = pattern.find_first_of("*?[{\\");
  return first == std::string::npos ? pattern : pattern.substr(0, first);
}

bool GlobMatch(const std::string& pattern, const std::string& text) {
  std::vector<std::string> patterns;
  ExpandBraces(pattern, &patterns);
  return std::any_of(patterns.begin(), patterns.end(),
                     [&](const std::string& p) { return MatchSimple(p, text); });
}

std::vector<ObjectInfo> ExpandGlob(Storage& storage, const std::string& pattern) {
  std::vector<ObjectInfo> out;
  if (!HasGlobCharacters(pattern)) {
    out.push_back(storage.Stat(pattern));
    return out;
  }
  const std::string prefix = LiteralPrefix(pattern);
  const std::string rest = pattern.substr(prefix.size());
  const int max_depth = rest.find("**") != std::string::npos
                            ? -1
                            : static_cast<int>(std::count(rest.begin(), rest.end(), '/')) + 1;
  for (auto& object : storage.ListForGlob(prefix, max_depth)) {
    if (GlobMatch(pattern, object.uri)) out.push_back(std::move(object));
  }
  if (out.empty()) {
    throw InputError("no input file matches '" + pattern +
                     "': check the path, or quote the pattern so the shell does not expand it");
  }
  std::sort(out.begin(), out.end(),
            [](const ObjectInfo& a, const ObjectInfo& b) { return a.uri < b.uri; });
  return out;
}

}  // namespace sluice
