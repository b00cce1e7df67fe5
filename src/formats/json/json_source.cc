#include "formats/json/json_source.h"

#include <atomic>
#include <cstring>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include "core/error.h"
#include "core/identifiers.h"
#include "formats/json/json_splitter.h"
#include "normalize/json_flattener.h"

namespace sluice {

static_assert(kChunkPadding >= kJsonPadding, "chunks must carry simdjson's padding");

namespace {

class MemoryInput final : public InputStream {
 public:
  explicit MemoryInput(std::string data) : data_(std::move(data)) {}
  size_t Read(char* out, size_t n) override {
    const size_t k = std::min(n, data_.size() - pos_);
    std::memcpy(out, data_.data() + pos_, k);
    pos_ += k;
    return k;
  }
  uint64_t StoredBytesRead() const override { return pos_; }

 private:
  std::string data_;
  size_t pos_ = 0;
};

inline bool IsSpace(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

bool StartsWithBom(std::string_view s) {
  return s.size() >= 3 && s[0] == '\xEF' && s[1] == '\xBB' && s[2] == '\xBF';
}

enum class FileLayout : uint8_t { kUnknown, kLines, kArray };

class JsonSource final : public Source {
 public:
  JsonSource(std::vector<InputFile> files, JsonOptions options, JsonStreamOpener open)
      : files_(std::move(files)),
        options_(std::move(options)),
        open_(std::move(open)),
        layouts_(new std::atomic<FileLayout>[files_.size()]),
        flattener_(JsonFlattenOptions{options_.table, options_.max_nesting, options_.primary_key}) {
    for (size_t i = 0; i < files_.size(); i++) layouts_[i] = FileLayout::kUnknown;
  }

  const std::vector<InputFile>& files() const override { return files_; }
  const std::string& table() const override { return options_.table; }

  bool ReadChunk(RawChunk* chunk) override {
    for (;;) {
      if (!stream_) {
        if (next_file_ >= files_.size()) return false;
        OpenFile(next_file_++);
      }
      if (EmitChunk(chunk)) return true;
    }
  }

  void HintColumnType(const std::string& table, const std::string& column,
                      InferredType type) override {
    flattener_.tracker().Observe(table, column, type);
  }

  ParsedChunk ParseChunk(RawChunk chunk) override {
    ParsedChunk out;
    out.sequence = chunk.sequence;
    out.file_index = chunk.file_index;
    out.first_in_file = chunk.first_in_file;
    out.stored_bytes = chunk.stored_bytes;
    // The contract promises padding; make sure anyway, it is cheap.
    if (chunk.data.capacity() - chunk.data.size() < kChunkPadding) {
      chunk.data.reserve(chunk.data.size() + kChunkPadding);
    }
    const std::string_view data = chunk.data;
    const std::string& path = files_[chunk.file_index].path;
    std::unique_ptr<JsonBatchBuilder> pooled = TakeBuilder();
    JsonBatchBuilder& builder = *pooled;
    std::string error;
    auto add = [&](size_t begin, size_t end, uint64_t line) {
      const std::string_view doc = data.substr(begin, end - begin);
      if (builder.Add(doc, path, chunk.byte_offset + begin, line, &error)) return true;
      Reject(path, line, chunk.byte_offset + begin, doc, error, &out);
      return false;
    };
    size_t skip = chunk.first_in_file && StartsWithBom(data) ? 3 : 0;
    if (layouts_[chunk.file_index].load() == FileLayout::kArray) {
      bool in_array = false;
      {
        std::lock_guard<std::mutex> lock(mu_);
        auto it = starts_in_array_.find(chunk.sequence);
        if (it != starts_in_array_.end()) {
          in_array = true;
          starts_in_array_.erase(it);
        }
      }
      bool ends_unclosed;
      {
        std::lock_guard<std::mutex> lock(mu_);
        ends_unclosed = ends_unclosed_.erase(chunk.sequence) > 0;
      }
      std::vector<JsonPiece> pieces;
      SplitJsonDocuments(data.substr(skip), in_array, &pieces, &out.lines);
      bool reported = false;
      for (const JsonPiece& p : pieces) {
        const bool ok = add(p.begin + skip, p.end + skip, p.line + 1);
        if (p.unterminated) reported = true;  // rejected as a document, or reported here
        if (ok && p.unterminated) {
          Reject(path, p.line + 1, chunk.byte_offset + p.begin + skip, {},
                 "unexpected end of input: the top-level array is not closed", &out);
        }
      }
      if (ends_unclosed && !reported) {
        Reject(path, out.lines + 1, chunk.byte_offset + data.size(), {},
               "unexpected end of input: the top-level array is not closed", &out);
      }
    } else {
      uint64_t line = 0;
      size_t pos = skip;
      while (pos < data.size()) {
        const char* nl =
            static_cast<const char*>(std::memchr(data.data() + pos, '\n', data.size() - pos));
        const size_t eol = nl ? size_t(nl - data.data()) : data.size();
        size_t begin = pos, end = eol;
        while (begin < end && IsSpace(data[begin])) begin++;
        while (end > begin && IsSpace(data[end - 1])) end--;
        if (begin < end) add(begin, end, line + 1);
        if (nl) line++;
        pos = eol + 1;
      }
      out.lines = line;
    }
    out.batches = builder.Finish();
    ReturnBuilder(std::move(pooled));
    // Everything was copied out; the reader reuses the buffer (no fresh pages per chunk).
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (free_buffers_.size() < kMaxFreeBuffers) {
        chunk.data.clear();
        free_buffers_.push_back(std::move(chunk.data));
      }
    }
    return out;
  }

 private:
  // Builders keep their staging buffers between chunks, so workers reuse them.
  std::unique_ptr<JsonBatchBuilder> TakeBuilder() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!builders_.empty()) {
        auto b = std::move(builders_.back());
        builders_.pop_back();
        return b;
      }
    }
    return std::make_unique<JsonBatchBuilder>(&flattener_);
  }
  void ReturnBuilder(std::unique_ptr<JsonBatchBuilder> b) {
    std::lock_guard<std::mutex> lock(mu_);
    builders_.push_back(std::move(b));
  }

  void Reject(const std::string& path, uint64_t line, uint64_t offset, std::string_view raw,
              const std::string& reason, ParsedChunk* out) {
    RejectedRecord r;
    r.table = options_.table;
    r.source = path;
    r.line = line;
    r.byte_offset = offset;
    r.raw = std::string(raw.substr(0, RejectedRecord::kMaxRawBytes));
    r.reason = reason;
    out->rejects.push_back(std::move(r));
  }

  void OpenFile(size_t index) {
    file_index_ = index;
    stream_ = open_(files_[index]);
    buf_.clear();
    scanned_ = 0;
    cut_ = 0;
    eof_ = false;
    first_ = true;
    file_offset_ = 0;
    stored_reported_ = 0;
    scanner_ = JsonScanner();
    cut_in_array_ = false;
    next_starts_in_array_ = false;
    layout_ = FileLayout::kUnknown;
    if (options_.layout == JsonOptions::Layout::kLines) layout_ = FileLayout::kLines;
    if (options_.layout == JsonOptions::Layout::kArray) layout_ = FileLayout::kArray;
    layouts_[index] = layout_;
  }

  // Appends up to `want` bytes from the stream to buf_; sets eof_ at the end.
  void Fill(size_t want) {
    const size_t old = buf_.size();
    if (buf_.capacity() < old + want + kChunkPadding) buf_.reserve(old + want + kChunkPadding);
    buf_.resize(old + want);
    const size_t got = stream_->Read(buf_.data() + old, want);
    buf_.resize(old + got);
    if (got == 0) eof_ = true;
  }

  // Decides kAuto from the first non-whitespace byte (after a byte order mark).
  bool DetectLayout() {
    if (layout_ != FileLayout::kUnknown) return true;
    if (buf_.size() < 3 && !eof_ && std::string_view("\xEF\xBB\xBF").starts_with(buf_)) {
      return false;  // maybe a byte order mark, not yet complete
    }
    size_t i = StartsWithBom(buf_) ? 3 : 0;
    while (i < buf_.size() && IsSpace(buf_[i])) i++;
    if (i == buf_.size() && !eof_) return false;
    layout_ = i < buf_.size() && buf_[i] == '[' ? FileLayout::kArray : FileLayout::kLines;
    layouts_[file_index_] = layout_;
    return true;
  }

  // Scans buf_[scanned_, size) for cut points.
  void ScanNew() {
    if (layout_ == FileLayout::kUnknown) return;
    const char* p = buf_.data() + scanned_;
    const size_t n = buf_.size() - scanned_;
    if (layout_ == FileLayout::kLines) {
      const void* nl = n ? memrchr(p, '\n', n) : nullptr;
      if (nl) cut_ = size_t(static_cast<const char*>(nl) - buf_.data()) + 1;
    } else {
      const size_t c = scanner_.Scan(p, n);
      if (c) {
        cut_ = scanned_ + c;
        cut_in_array_ = scanner_.in_array();
      }
    }
    scanned_ = buf_.size();
  }

  bool EmitChunk(RawChunk* chunk) {
    const size_t target = options_.chunk_bytes;
    // Read until there is a full chunk with a boundary in it, or the end of the file.
    while (!eof_ && (buf_.size() < target || cut_ == 0)) {
      Fill(buf_.size() < target ? target - buf_.size() : target);
      if (!DetectLayout()) continue;
      ScanNew();
    }
    const size_t cut = eof_ ? buf_.size() : cut_;
    if (cut == 0 && !first_) {
      stream_.reset();
      return false;
    }
    chunk->sequence = sequence_++;
    chunk->file_index = file_index_;
    chunk->first_in_file = first_;
    chunk->byte_offset = file_offset_;
    const uint64_t stored = stream_->StoredBytesRead();
    chunk->stored_bytes = stored - stored_reported_;
    stored_reported_ = stored;
    if (!first_ && next_starts_in_array_) {
      std::lock_guard<std::mutex> lock(mu_);
      starts_in_array_[chunk->sequence] = true;
    }
    next_starts_in_array_ = cut_in_array_;
    if (eof_ && cut == buf_.size() && layout_ == FileLayout::kArray && scanner_.in_array()) {
      // The file ended inside a top-level array, perhaps right after a ',' (no open element).
      std::lock_guard<std::mutex> lock(mu_);
      ends_unclosed_.insert(chunk->sequence);
    }
    first_ = false;
    // Hand the big buffer over and keep only the tail after the cut.
    std::string next;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!free_buffers_.empty()) {
        next = std::move(free_buffers_.back());
        free_buffers_.pop_back();
      }
    }
    next.assign(buf_.data() + cut, buf_.size() - cut);
    chunk->data = std::move(buf_);
    chunk->data.resize(cut);
    if (chunk->data.capacity() < cut + kChunkPadding) chunk->data.reserve(cut + kChunkPadding);
    buf_ = std::move(next);
    file_offset_ += cut;
    scanned_ -= std::min(scanned_, cut);
    cut_ = 0;
    if (eof_) stream_.reset();
    return true;
  }

  const std::vector<InputFile> files_;
  const JsonOptions options_;
  JsonStreamOpener open_;
  std::unique_ptr<std::atomic<FileLayout>[]> layouts_;
  JsonFlattener flattener_;

  // Chunks (by sequence) that start inside a top-level array; written by the reader, consumed
  // by workers.
  std::mutex mu_;
  std::unordered_map<uint64_t, bool> starts_in_array_;
  std::unordered_set<uint64_t> ends_unclosed_;  // last chunks of files cut off inside an array
  std::vector<std::unique_ptr<JsonBatchBuilder>> builders_;
  static constexpr size_t kMaxFreeBuffers = 8;
  std::vector<std::string> free_buffers_;  // chunk buffers parsed and ready for reuse

  // Reader state (reader thread only).
  std::unique_ptr<InputStream> stream_;
  size_t next_file_ = 0;
  size_t file_index_ = 0;
  uint64_t sequence_ = 0;
  std::string buf_;
  size_t scanned_ = 0;
  size_t cut_ = 0;
  bool cut_in_array_ = false;
  bool next_starts_in_array_ = false;
  bool eof_ = false;
  bool first_ = true;
  uint64_t file_offset_ = 0;
  uint64_t stored_reported_ = 0;
  JsonScanner scanner_;
  FileLayout layout_ = FileLayout::kUnknown;
};

}  // namespace

std::unique_ptr<InputStream> MakeJsonMemoryInput(std::string data) {
  return std::make_unique<MemoryInput>(std::move(data));
}

std::unique_ptr<Source> MakeJsonSource(std::vector<InputFile> files, JsonOptions options,
                                       JsonStreamOpener open) {
  options.Validate();
  options.table = NormalizeIdentifier(options.table);
  return std::make_unique<JsonSource>(std::move(files), std::move(options), std::move(open));
}

std::unique_ptr<Source> MakeJsonSource(std::vector<InputFile> files, JsonOptions options) {
  const Compression compression = options.compression;
  const TextEncoding encoding = options.encoding;
  return MakeJsonSource(std::move(files), std::move(options), [=](const InputFile& f) {
    return OpenInput(f.path, compression, encoding);
  });
}

}  // namespace sluice
