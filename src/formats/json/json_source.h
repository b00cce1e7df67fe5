#pragma once
// The JSON / NDJSON reader: cuts files into chunks of whole documents (one reader thread) and
// flattens them into typed batches of a root table and child tables (any number of workers).
// Rules: docs/json.md.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "formats/json/json_options.h"
#include "io/input_stream.h"
#include "sources/source.h"

namespace sluice {

// Opens one input file as a decoded byte stream.
using JsonStreamOpener = std::function<std::unique_ptr<InputStream>(const InputFile&)>;

// Validates the options (throws a usage error) and returns a source reading `files` through
// sluice::OpenInput.
std::unique_ptr<Source> MakeJsonSource(std::vector<InputFile> files, JsonOptions options);
// The same with a custom opener (in-memory input for tests and fuzzing).
std::unique_ptr<Source> MakeJsonSource(std::vector<InputFile> files, JsonOptions options,
                                       JsonStreamOpener open);

// A stream over bytes in memory.
std::unique_ptr<InputStream> MakeJsonMemoryInput(std::string data);

}  // namespace sluice
