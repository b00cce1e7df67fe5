// libFuzzer target: the JSON reader end to end in memory (chunking, splitting, parsing,
// flattening, column building) for both layouts and several chunk sizes. Must never crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/error.h"
#include "formats/json/json_source.h"

namespace {

void Run(const std::string& text, sluice::JsonOptions::Layout layout, size_t chunk_bytes,
         int max_nesting) {
  sluice::JsonOptions options;
  options.table = "fuzz";
  options.layout = layout;
  options.chunk_bytes = chunk_bytes;
  options.max_nesting = max_nesting;
  auto source = sluice::MakeJsonSource({{"fuzz.json", -1}}, options, [&](const sluice::InputFile&) {
    return sluice::MakeJsonMemoryInput(text);
  });
  sluice::RawChunk chunk;
  while (source->ReadChunk(&chunk)) {
    sluice::ParsedChunk parsed = source->ParseChunk(std::move(chunk));
    chunk = sluice::RawChunk();
    for (const sluice::Batch& b : parsed.batches) {
      for (const sluice::Column& c : b.columns) {
        if (c.size() != b.num_rows) __builtin_trap();
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > (1 << 20)) return 0;
  const std::string text(reinterpret_cast<const char*>(data), size);
  // The first byte picks small variations so one input covers more paths.
  const uint8_t knob = size ? data[0] : 0;
  Run(text, sluice::JsonOptions::Layout::kAuto, 1 << 20, knob % 7);
  Run(text, sluice::JsonOptions::Layout::kArray, 1 + knob % 13, 5);
  Run(text, sluice::JsonOptions::Layout::kLines, 1 + knob % 5, 2);
  return 0;
}
