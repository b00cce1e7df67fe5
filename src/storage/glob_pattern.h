#pragma once
// Glob patterns over object URIs, the same on every backend: `*` and `?` match within one path
// segment, `**` matches any number of segments (including none), `[abc]` / `[!a-z]` a character
// class, `{a,b}` alternatives. A pattern is split into the literal prefix to List() and the rest
// to match, so "s3://b/logs/2024-*/**/*.csv" lists only under "s3://b/logs/2024-".
#include <string>
#include <vector>

#include "storage/storage.h"

namespace sluice {

bool HasGlobCharacters(const std::string& pattern);
// The longest prefix of `pattern` without glob characters.
std::string LiteralPrefix(const std::string& pattern);
// True if the whole `text` matches `pattern`.
bool GlobMatch(const std::string& pattern, const std::string& text);
// Lists and matches `pattern` (a single object if it has no glob characters: Stat()), sorted by
// URI. Throws an input error naming the pattern when nothing matches.
std::vector<ObjectInfo> ExpandGlob(Storage& storage, const std::string& pattern);

}  // namespace sluice
