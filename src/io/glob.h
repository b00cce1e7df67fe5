#pragma once
// Expands a source argument into the files it names: a path or URI, or a glob pattern (*, ?,
// [..], {a,b}, ** across directories) on any storage backend (storage/glob_pattern.h). Matches
// are sorted, so multi-file loads are deterministic.
#include <string>
#include <vector>

#include "sources/source.h"

namespace sluice {

// Throws an input error naming the pattern when nothing matches.
std::vector<InputFile> ExpandSourcePattern(const std::string& pattern);

}  // namespace sluice
