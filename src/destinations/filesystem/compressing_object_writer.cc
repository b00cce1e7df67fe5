#include "destinations/filesystem/compressing_object_writer.h"

#include <zlib.h>
#include <zstd.h>

#include "core/error.h"

namespace sluice {
namespace {

constexpr size_t kOutBytes = 1 << 18;

class GzipWriter final : public ObjectWriter {
 public:
  GzipWriter(std::unique_ptr<ObjectWriter> inner, uint64_t* out_bytes)
      : inner_(std::move(inner)), out_bytes_(out_bytes), out_(kOutBytes, '\0') {
    // windowBits 15 + 16: a gzip header and trailer, as gunzip and DuckDB expect.
    if (deflateInit2(&z_, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
      throw Error(ErrorKind::kInternal, "zlib deflateInit2 failed");
    }
  }
  ~GzipWriter() override { deflateEnd(&z_); }
  void Write(const char* data, size_t size) override { Deflate(data, size, Z_NO_FLUSH); }
  void Commit() override {
    Deflate(nullptr, 0, Z_FINISH);
    inner_->Commit();
  }

 private:
  void Deflate(const char* data, size_t size, int flush) {
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data));
    z_.avail_in = static_cast<uInt>(size);
    int rc;
    do {
      z_.next_out = reinterpret_cast<Bytef*>(out_.data());
      z_.avail_out = static_cast<uInt>(out_.size());
      rc = deflate(&z_, flush);
      if (rc == Z_STREAM_ERROR) throw Error(ErrorKind::kInternal, "zlib deflate failed");
      const size_t n = out_.size() - z_.avail_out;
      if (n) {
        inner_->Write(out_.data(), n);
        *out_bytes_ += n;
      }
    } while (z_.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
  }

  std::unique_ptr<ObjectWriter> inner_;
  uint64_t* out_bytes_;
  std::string out_;
  z_stream z_{};
};

class ZstdWriter final : public ObjectWriter {
 public:
  ZstdWriter(std::unique_ptr<ObjectWriter> inner, uint64_t* out_bytes)
      : inner_(std::move(inner)), out_bytes_(out_bytes), out_(kOutBytes, '\0') {
    if (!cctx_) throw Error(ErrorKind::kInternal, "ZSTD_createCCtx failed");
    ZSTD_CCtx_setParameter(cctx_, ZSTD_c_compressionLevel, 3);
  }
  ~ZstdWriter() override { ZSTD_freeCCtx(cctx_); }
  void Write(const char* data, size_t size) override { Compress(data, size, ZSTD_e_continue); }
  void Commit() override {
    Compress(nullptr, 0, ZSTD_e_end);
    inner_->Commit();
  }

 private:
  void Compress(const char* data, size_t size, ZSTD_EndDirective mode) {
    ZSTD_inBuffer in{data, size, 0};
    size_t remaining;
    do {
      ZSTD_outBuffer out{out_.data(), out_.size(), 0};
      remaining = ZSTD_compressStream2(cctx_, &out, &in, mode);
      if (ZSTD_isError(remaining)) {
        throw Error(ErrorKind::kInternal,
                    std::string("zstd compression failed: ") + ZSTD_getErrorName(remaining));
      }
      if (out.pos) {
        inner_->Write(out_.data(), out.pos);
        *out_bytes_ += out.pos;
      }
    } while (mode == ZSTD_e_end ? remaining != 0 : in.pos < in.size);
  }

  std::unique_ptr<ObjectWriter> inner_;
  uint64_t* out_bytes_;
  std::string out_;
  ZSTD_CCtx* cctx_ = ZSTD_createCCtx();
};

}  // namespace

std::unique_ptr<ObjectWriter> MakeCompressingWriter(std::unique_ptr<ObjectWriter> inner,
                                                    const std::string& codec,
                                                    uint64_t* compressed_bytes) {
  if (codec == "gzip") return std::make_unique<GzipWriter>(std::move(inner), compressed_bytes);
  if (codec == "zstd") return std::make_unique<ZstdWriter>(std::move(inner), compressed_bytes);
  throw Error(ErrorKind::kInternal, "unknown text compression codec " + codec);
}

}  // namespace sluice
