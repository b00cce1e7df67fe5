#pragma once
// Sequential byte streams with decorators (Arrow's InputStream is the model): a local file,
// gzip and zstd decompression, and decoding of single-byte encodings to UTF-8. OpenInput()
// stacks the right decorators for a path.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace sluice {

class InputStream {
 public:
  virtual ~InputStream() = default;
  // Reads up to `n` bytes; returns 0 only at end of stream. Throws sluice::Error on failure.
  virtual size_t Read(char* out, size_t n) = 0;
  // Bytes consumed from the underlying storage so far (for progress on compressed input).
  virtual uint64_t StoredBytesRead() const = 0;
};

enum class Compression { kAuto, kNone, kGzip, kZstd };
enum class TextEncoding { kUtf8, kLatin1, kWindows1252 };

// Parses "utf-8", "latin1" / "iso-8859-1", "windows-1252" / "cp1252"; throws a usage error.
TextEncoding ParseTextEncoding(const std::string& name);

std::unique_ptr<InputStream> OpenLocalFile(const std::string& path);
std::unique_ptr<InputStream> MakeGzipInput(std::unique_ptr<InputStream> inner, std::string name);
std::unique_ptr<InputStream> MakeZstdInput(std::unique_ptr<InputStream> inner, std::string name);
// Decodes Latin-1 or Windows-1252 to UTF-8.
std::unique_ptr<InputStream> MakeDecodingInput(std::unique_ptr<InputStream> inner,
                                               TextEncoding encoding);

// Opens `path` with decompression chosen by extension (.gz, .zst) or, for kAuto, magic bytes,
// and decoding to UTF-8. A UTF-8 byte order mark at the start is NOT removed here (readers
// decide); the encoding decorator never produces one.
std::unique_ptr<InputStream> OpenInput(const std::string& path, Compression compression,
                                       TextEncoding encoding);

// File names without compression suffix: "a/b.csv.gz" -> "a/b.csv".
std::string StripCompressionSuffix(const std::string& path);

}  // namespace sluice
