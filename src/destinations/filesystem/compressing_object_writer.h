#pragma once
// gzip or zstd compression in front of an ObjectWriter, for CSV and JSONL files
// (?compression=gzip|zstd): bytes are compressed as they stream through, so memory stays at the
// compressor's window and one output buffer.
#include <cstdint>
#include <memory>
#include <string>

#include "storage/storage.h"

namespace sluice {

// `codec` is "gzip" or "zstd". The returned writer's Commit() ends the stream and commits
// `inner`; `*compressed_bytes` (owned by the caller, outliving the writer) counts what reached
// `inner`.
std::unique_ptr<ObjectWriter> MakeCompressingWriter(std::unique_ptr<ObjectWriter> inner,
                                                    const std::string& codec,
                                                    uint64_t* compressed_bytes);

}  // namespace sluice
