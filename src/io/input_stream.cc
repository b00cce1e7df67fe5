#include "io/input_stream.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "core/error.h"
#include "storage/local/local_storage.h"
#include "storage/storage.h"

namespace sluice {
namespace {

bool EndsWith(const std::string& s, const char* suffix) {
  const size_t n = std::strlen(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

class LocalFileInput final : public InputStream {
 public:
  LocalFileInput(int fd, std::string path) : fd_(fd), path_(std::move(path)) {
    posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
  }
  ~LocalFileInput() override { ::close(fd_); }
  size_t Read(char* out, size_t n) override {
    for (;;) {
      const ssize_t got = ::read(fd_, out, n);
      if (got >= 0) {
        read_ += uint64_t(got);
        return size_t(got);
      }
      if (errno != EINTR) throw IoError("cannot read " + path_ + ": " + std::strerror(errno));
    }
  }
  uint64_t StoredBytesRead() const override { return read_; }

 private:
  int fd_;
  std::string path_;
  uint64_t read_ = 0;
};

// Lets a decorator look at the first bytes of a stream and then read them again.
class PeekableInput final : public InputStream {
 public:
  explicit PeekableInput(std::unique_ptr<InputStream> inner) : inner_(std::move(inner)) {}
  std::string_view Peek(size_t n) {
    while (head_.size() < n) {
      char buf[512];
      const size_t got = inner_->Read(buf, std::min(sizeof buf, n - head_.size()));
      if (got == 0) break;
      head_.append(buf, got);
    }
    return head_;
  }
  size_t Read(char* out, size_t n) override {
    if (pos_ < head_.size()) {
      const size_t k = std::min(n, head_.size() - pos_);
      std::memcpy(out, head_.data() + pos_, k);
      pos_ += k;
      return k;
    }
    return inner_->Read(out, n);
  }
  uint64_t StoredBytesRead() const override { return inner_->StoredBytesRead(); }

 private:
  std::unique_ptr<InputStream> inner_;
  std::string head_;
  size_t pos_ = 0;
};

class GzipInput final : public InputStream {
 public:
  GzipInput(std::unique_ptr<InputStream> inner, std::string name)
      : inner_(std::move(inner)), name_(std::move(name)), in_(1 << 18) {
    std::memset(&z_, 0, sizeof z_);
    if (inflateInit2(&z_, 15 + 32) != Z_OK) throw IoError("zlib init failed");
  }
  ~GzipInput() override { inflateEnd(&z_); }
  size_t Read(char* out, size_t n) override {
    z_.next_out = reinterpret_cast<Bytef*>(out);
    z_.avail_out = static_cast<uInt>(n);
    while (z_.avail_out == n) {
      if (z_.avail_in == 0) {
        if (eof_) break;
        const size_t got = inner_->Read(in_.data(), in_.size());
        if (got == 0) {
          eof_ = true;
          if (!stream_ended_) throw InputError(name_ + ": truncated gzip stream");
          break;
        }
        z_.next_in = reinterpret_cast<Bytef*>(in_.data());
        z_.avail_in = static_cast<uInt>(got);
      }
      if (stream_ended_) {
        // Concatenated gzip members (as `cat a.gz b.gz` makes) continue the stream.
        inflateReset(&z_);
        stream_ended_ = false;
      }
      const int rc = inflate(&z_, Z_NO_FLUSH);
      if (rc == Z_STREAM_END) {
        stream_ended_ = true;
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        throw InputError(name_ + ": corrupt gzip data (" + (z_.msg ? z_.msg : "zlib error") + ")");
      }
    }
    return n - z_.avail_out;
  }
  uint64_t StoredBytesRead() const override { return inner_->StoredBytesRead(); }

 private:
  std::unique_ptr<InputStream> inner_;
  std::string name_;
  std::vector<char> in_;
  z_stream z_;
  bool eof_ = false;
  bool stream_ended_ = false;
};

class ZstdInput final : public InputStream {
 public:
  ZstdInput(std::unique_ptr<InputStream> inner, std::string name)
      : inner_(std::move(inner)), name_(std::move(name)), in_(ZSTD_DStreamInSize()) {
    ds_ = ZSTD_createDStream();
    ZSTD_initDStream(ds_);
  }
  ~ZstdInput() override { ZSTD_freeDStream(ds_); }
  size_t Read(char* out, size_t n) override {
    ZSTD_outBuffer output{out, n, 0};
    while (output.pos == 0) {
      if (input_.pos == input_.size) {
        const size_t got = inner_->Read(in_.data(), in_.size());
        if (got == 0) {
          if (!frame_done_) throw InputError(name_ + ": truncated zstd stream");
          break;
        }
        input_ = ZSTD_inBuffer{in_.data(), got, 0};
      }
      const size_t rc = ZSTD_decompressStream(ds_, &output, &input_);
      if (ZSTD_isError(rc)) {
        throw InputError(name_ + ": corrupt zstd data (" + ZSTD_getErrorName(rc) + ")");
      }
      frame_done_ = rc == 0;
    }
    return output.pos;
  }
  uint64_t StoredBytesRead() const override { return inner_->StoredBytesRead(); }

 private:
  std::unique_ptr<InputStream> inner_;
  std::string name_;
  std::vector<char> in_;
  ZSTD_DStream* ds_;
  ZSTD_inBuffer input_{nullptr, 0, 0};
  bool frame_done_ = true;
};

// Windows-1252 code points for bytes 0x80..0x9F (Latin-1 maps them to C1 controls).
constexpr uint16_t kCp1252High[32] = {
    0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD, 0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178};

class DecodingInput final : public InputStream {
 public:
  DecodingInput(std::unique_ptr<InputStream> inner, TextEncoding encoding)
      : inner_(std::move(inner)), encoding_(encoding) {}
  size_t Read(char* out, size_t n) override {
    size_t produced = 0;
    while (produced < n) {
      if (pending_pos_ < pending_.size()) {
        const size_t k = std::min(n - produced, pending_.size() - pending_pos_);
        std::memcpy(out + produced, pending_.data() + pending_pos_, k);
        pending_pos_ += k, produced += k;
        continue;
      }
      // Each input byte becomes at most 3 output bytes.
      raw_.resize(std::max<size_t>(n / 3, 1));
      const size_t got = inner_->Read(raw_.data(), raw_.size());
      if (got == 0) break;
      pending_.clear();
      pending_pos_ = 0;
      for (size_t i = 0; i < got; i++) Encode(static_cast<unsigned char>(raw_[i]));
    }
    return produced;
  }
  uint64_t StoredBytesRead() const override { return inner_->StoredBytesRead(); }

 private:
  void Encode(unsigned char b) {
    uint32_t cp = b;
    if (encoding_ == TextEncoding::kWindows1252 && b >= 0x80 && b < 0xA0)
      cp = kCp1252High[b - 0x80];
    if (cp < 0x80) {
      pending_.push_back(char(cp));
    } else if (cp < 0x800) {
      pending_.push_back(char(0xC0 | (cp >> 6)));
      pending_.push_back(char(0x80 | (cp & 0x3F)));
    } else {
      pending_.push_back(char(0xE0 | (cp >> 12)));
      pending_.push_back(char(0x80 | ((cp >> 6) & 0x3F)));
      pending_.push_back(char(0x80 | (cp & 0x3F)));
    }
  }
  std::unique_ptr<InputStream> inner_;
  TextEncoding encoding_;
  std::vector<char> raw_;
  std::string pending_;
  size_t pending_pos_ = 0;
};

}  // namespace

TextEncoding ParseTextEncoding(const std::string& name) {
  std::string n;
  for (char c : name) n.push_back(char(std::tolower(static_cast<unsigned char>(c))));
  if (n == "utf-8" || n == "utf8") return TextEncoding::kUtf8;
  if (n == "latin1" || n == "latin-1" || n == "iso-8859-1" || n == "iso8859-1") {
    return TextEncoding::kLatin1;
  }
  if (n == "windows-1252" || n == "cp1252" || n == "win1252") return TextEncoding::kWindows1252;
  throw UsageError("unknown --encoding '" + name + "': use utf-8, latin1 or windows-1252");
}

std::unique_ptr<InputStream> OpenLocalFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw InputError("cannot open " + path + ": " + std::strerror(errno));
  return std::make_unique<LocalFileInput>(fd, path);
}

std::unique_ptr<InputStream> MakeGzipInput(std::unique_ptr<InputStream> inner, std::string name) {
  return std::make_unique<GzipInput>(std::move(inner), std::move(name));
}
std::unique_ptr<InputStream> MakeZstdInput(std::unique_ptr<InputStream> inner, std::string name) {
  return std::make_unique<ZstdInput>(std::move(inner), std::move(name));
}
std::unique_ptr<InputStream> MakeDecodingInput(std::unique_ptr<InputStream> inner,
                                               TextEncoding encoding) {
  if (encoding == TextEncoding::kUtf8) return inner;
  return std::make_unique<DecodingInput>(std::move(inner), encoding);
}

std::unique_ptr<InputStream> OpenInput(const std::string& path, Compression compression,
                                       TextEncoding encoding) {
  // Plain paths are read directly; URIs (file://, http(s)://, s3://, gs://, az://) through their
  // storage backend.
  std::unique_ptr<InputStream> in =
      HasStorageScheme(path) ? StorageFor(path).OpenRead(path) : OpenLocalFile(LocalPath(path));
  if (compression == Compression::kAuto) {
    if (EndsWith(path, ".gz")) {
      compression = Compression::kGzip;
    } else if (EndsWith(path, ".zst")) {
      compression = Compression::kZstd;
    } else {
      auto peek = std::make_unique<PeekableInput>(std::move(in));
      const std::string_view head = peek->Peek(4);
      if (head.size() >= 2 && uint8_t(head[0]) == 0x1F && uint8_t(head[1]) == 0x8B) {
        compression = Compression::kGzip;
      } else if (head.size() >= 4 && head == std::string_view("\x28\xB5\x2F\xFD", 4)) {
        compression = Compression::kZstd;
      }
      in = std::move(peek);
    }
  }
  if (compression == Compression::kGzip) in = MakeGzipInput(std::move(in), path);
  if (compression == Compression::kZstd) in = MakeZstdInput(std::move(in), path);
  return MakeDecodingInput(std::move(in), encoding);
}

std::string StripCompressionSuffix(const std::string& path) {
  if (EndsWith(path, ".gz")) return path.substr(0, path.size() - 3);
  if (EndsWith(path, ".zst")) return path.substr(0, path.size() - 4);
  return path;
}

}  // namespace sluice
