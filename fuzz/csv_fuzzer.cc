// libFuzzer target for the CSV reader: sniffing, chunking and parsing of arbitrary bytes. Besides
// "never crash" it checks that cutting the input into tiny chunks gives the same rows and rejects
// as one big chunk (the chunker and the tokenizer must agree on record boundaries).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/error.h"
#include "formats/csv/csv_source.h"

namespace {

struct Outcome {
  size_t rows = 0;
  std::vector<std::pair<uint64_t, std::string>> rejects;  // absolute line, raw
  bool failed = false;
};

Outcome Run(const std::string& text, sluice::CsvOptions options) {
  Outcome out;
  try {
    auto source = sluice::MakeCsvSourceFromString(text, options, "fuzz.csv");
    sluice::RawChunk chunk;
    uint64_t lines = 0;
    while (source->ReadChunk(&chunk)) {
      sluice::ParsedChunk parsed = source->ParseChunk(std::move(chunk));
      chunk = sluice::RawChunk();
      for (const auto& r : parsed.rejects) out.rejects.emplace_back(r.line + lines, r.raw);
      lines += parsed.lines;
      for (const auto& b : parsed.batches) out.rows += b.num_rows;
    }
  } catch (const sluice::Error&) {
    out.failed = true;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  sluice::CsvOptions options;
  options.table = "fuzz";
  options.ragged = static_cast<sluice::CsvOptions::RaggedPolicy>(data[0] % 3);
  if (data[0] & 0x10) options.escape = '\\';
  if (data[0] & 0x20) options.header = sluice::CsvOptions::HeaderMode::kNo;
  if (data[0] & 0x40) options.encoding = sluice::TextEncoding::kWindows1252;
  options.compression = sluice::Compression::kNone;
  options.sample_bytes = 64 + data[1];
  const std::string text(reinterpret_cast<const char*>(data) + 2, size - 2);

  options.chunk_bytes = 1 << 20;
  const Outcome whole = Run(text, options);
  options.chunk_bytes = 1 + data[1] % 48;
  const Outcome pieces = Run(text, options);
  if (whole.failed != pieces.failed ||
      (!whole.failed && (whole.rows != pieces.rows || whole.rejects != pieces.rejects))) {
    std::abort();  // chunking changed the result
  }
  return 0;
}
