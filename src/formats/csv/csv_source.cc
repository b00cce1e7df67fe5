#include "formats/csv/csv_source.h"

#include <cstring>

#include "core/error.h"
#include "core/identifiers.h"
#include "formats/csv/csv_tokenizer.h"
#include "formats/csv/dialect_sniffer.h"

namespace sluice {
namespace {

class StringInput final : public InputStream {
 public:
  explicit StringInput(std::shared_ptr<const std::string> s) : s_(std::move(s)) {}
  size_t Read(char* out, size_t n) override {
    const size_t k = std::min(n, s_->size() - pos_);
    std::memcpy(out, s_->data() + pos_, k);
    pos_ += k;
    return k;
  }
  uint64_t StoredBytesRead() const override { return pos_; }

 private:
  std::shared_ptr<const std::string> s_;
  size_t pos_ = 0;
};

constexpr size_t kMinRead = size_t{64} << 10;

// Line breaks as the tokenizer counts them: LF, CRLF and lone CR count one each.
uint64_t CountLineBreaks(std::string_view s) {
  uint64_t lines = 0;
  const char* p = s.data();
  const char* const end = p + s.size();
  for (const char* q = p; (q = static_cast<const char*>(std::memchr(q, '\n', end - q))); ++q) {
    ++lines;
  }
  for (const char* q = p; (q = static_cast<const char*>(std::memchr(q, '\r', end - q))); ++q) {
    if (q + 1 == end || q[1] != '\n') ++lines;
  }
  return lines;
}

std::string DescribeChar(char c) {
  return c == '\t' ? "'\\t'" : std::string("'") + c + "'";
}

}  // namespace

CsvSource::CsvSource(std::vector<InputFile> files, CsvOptions options, Opener opener)
    : files_(std::move(files)),
      options_(std::move(options)),
      opener_(std::move(opener)),
      parser_(options_, &tracker_) {
  options_.Validate();
  if (files_.empty()) throw UsageError("csv: no input files");
  layouts_.resize(files_.size());
  OpenFile(next_file_++);
}

void CsvSource::Fill(size_t target) {
  while (!eof_ && buf_.size() < target) {
    const size_t old = buf_.size();
    const size_t want = std::max(target - old, kMinRead);
    buf_.resize(old + want);
    const size_t got = in_->Read(buf_.data() + old, want);
    buf_.resize(old + got);
    if (got == 0) eof_ = true;
  }
}

void CsvSource::OpenFile(size_t index) {
  const InputFile& file = files_[index];
  in_ = opener_(file);
  current_file_ = index;
  eof_ = false;
  first_chunk_pending_ = true;
  stored_reported_ = 0;
  lines_read_ = 0;
  buf_.clear();
  buf_.reserve(std::max(options_.chunk_bytes, options_.sample_bytes) + kChunkPadding + kMinRead);
  Fill(options_.sample_bytes);
  const size_t bom = Utf8BomLength(buf_);
  buf_.erase(0, bom);
  buf_offset_ = bom;

  const SniffResult sniff = SniffCsvDialect(buf_, eof_, options_);
  auto layout = std::make_unique<CsvFileLayout>();
  layout->path = file.path;
  if (index == 0) {
    dialect_ = sniff.dialect;
    layout->dialect = dialect_;
  } else {
    const CsvDialect& got = sniff.dialect;
    if (sniff.delimiter_confident && got.delimiter != dialect_.delimiter) {
      throw InputError(file.path + ": delimiter " + DescribeChar(got.delimiter) +
                       " differs from the first file's " + DescribeChar(dialect_.delimiter) +
                       "; load files with different dialects separately");
    }
    layout->dialect = dialect_;
    layout->dialect.header = got.header;
  }
  layout->dialect.terminator = sniff.dialect.terminator;
  const CsvDialect& d = layout->dialect;

  // Find the first record (whole, even if it is longer than the sample).
  CsvTokens tokens;
  for (;;) {
    buf_.push_back('\n');
    TokenizeCsv(std::string_view(buf_.data(), buf_.size() - 1), d, &tokens);
    buf_.pop_back();
    if (eof_ || (!tokens.rows.empty() && tokens.rows[0].end < buf_.size() &&
                 !tokens.rows[0].unterminated)) {
      break;
    }
    Fill(buf_.size() * 2 + kMinRead);
  }
  if (!tokens.rows.empty()) {
    const CsvRow& first = tokens.rows[0];
    if (d.header) {
      std::vector<std::string> raw;
      for (uint32_t i = 0; i < first.num_fields; i++) {
        const CsvField& f = tokens.fields[first.first_field + i];
        std::string v = buf_.substr(f.offset, f.length);
        if (f.flags & CsvField::kNeedsUnescape) v.resize(UnescapeCsvField(v.data(), v.size(), d));
        raw.push_back(std::move(v));
      }
      layout->names = NormalizeColumnNames(raw);
      size_t pos = first.end;
      if (pos < buf_.size() && buf_[pos] == '\r') ++pos;
      if (pos < buf_.size() && buf_[pos] == '\n') ++pos;
      layout->header_lines = CountLineBreaks(std::string_view(buf_.data(), pos));
      buf_.erase(0, pos);
      buf_offset_ += pos;
    } else {
      for (uint32_t i = 0; i < first.num_fields; i++) {
        layout->names.push_back("col_" + std::to_string(i + 1));
      }
    }
  }
  lines_read_ = layout->header_lines;
  layouts_[index] = std::move(layout);
  scanner_ = std::make_unique<RecordBoundaryScanner>(layouts_[index]->dialect);
}

bool CsvSource::ReadChunk(RawChunk* chunk) {
  for (;;) {
    if (!in_) {
      if (next_file_ >= files_.size()) return false;
      OpenFile(next_file_++);
    }
    // Cut at the last record boundary within chunk_bytes; look further only for a record
    // longer than that.
    size_t limit = options_.chunk_bytes;
    size_t cut;
    for (;;) {
      Fill(limit);
      const size_t view = std::min(buf_.size(), limit);
      const bool end = eof_ && view == buf_.size();
      cut = scanner_->Scan(std::string_view(buf_.data(), view), end);
      if (cut > 0 || end) break;
      limit = view * 2;
    }
    if (cut == 0 && !first_chunk_pending_) {
      in_.reset();
      continue;
    }
    // Every file yields at least one chunk, so a header-only file still declares its columns.
    std::string rest =
        TakeBuffer(std::max(options_.chunk_bytes, buf_.size() - cut) + kChunkPadding + kMinRead);
    rest.assign(buf_, cut);
    chunk->data = std::move(buf_);
    chunk->data.resize(cut + kChunkPadding, '\0');  // padding stays readable past size()
    chunk->data.resize(cut);
    buf_ = std::move(rest);
    scanner_->Consume(cut);

    chunk->sequence = sequence_++;
    chunk->file_index = current_file_;
    chunk->first_in_file = first_chunk_pending_;
    chunk->byte_offset = buf_offset_;
    const uint64_t stored = in_->StoredBytesRead();
    chunk->stored_bytes = stored - stored_reported_;
    stored_reported_ = stored;
    if (options_.ragged == CsvOptions::RaggedPolicy::kError) {
      std::lock_guard<std::mutex> lock(lines_mu_);
      lines_before_[chunk->sequence] = lines_read_;
      lines_read_ += CountLineBreaks(chunk->data);
    }
    buf_offset_ += cut;
    first_chunk_pending_ = false;
    if (eof_ && buf_.empty()) in_.reset();
    return true;
  }
}

ParsedChunk CsvSource::ParseChunk(RawChunk chunk) {
  uint64_t lines_before = 0;
  if (options_.ragged == CsvOptions::RaggedPolicy::kError) {
    std::lock_guard<std::mutex> lock(lines_mu_);
    auto it = lines_before_.find(chunk.sequence);
    if (it != lines_before_.end()) {
      lines_before = it->second;
      lines_before_.erase(it);
    }
  }
  const CsvFileLayout& layout = *layouts_[chunk.file_index];
  ParsedChunk parsed = parser_.Parse(chunk, layout, lines_before);
  ReturnBuffer(std::move(chunk.data));
  return parsed;
}

std::string CsvSource::TakeBuffer(size_t capacity) {
  std::string buffer;
  {
    std::lock_guard<std::mutex> lock(pool_mu_);
    if (!pool_.empty()) {
      buffer = std::move(pool_.back());
      pool_.pop_back();
    }
  }
  buffer.clear();
  buffer.reserve(capacity);
  return buffer;
}

void CsvSource::ReturnBuffer(std::string buffer) {
  constexpr size_t kMaxPooled = 8;  // about the number of chunks in flight
  if (buffer.capacity() < options_.chunk_bytes) return;
  std::lock_guard<std::mutex> lock(pool_mu_);
  if (pool_.size() < kMaxPooled) pool_.push_back(std::move(buffer));
}

std::unique_ptr<CsvSource> OpenCsvSource(std::vector<InputFile> files, CsvOptions options) {
  const Compression compression = options.compression;
  const TextEncoding encoding = options.encoding;
  return std::make_unique<CsvSource>(std::move(files), std::move(options),
                                     [compression, encoding](const InputFile& f) {
                                       return OpenInput(f.path, compression, encoding);
                                     });
}

std::unique_ptr<Source> MakeCsvSource(std::vector<InputFile> files, CsvOptions options) {
  return OpenCsvSource(std::move(files), std::move(options));
}

std::unique_ptr<CsvSource> MakeCsvSourceFromString(std::string content, CsvOptions options,
                                                   std::string name) {
  auto shared = std::make_shared<const std::string>(std::move(content));
  const Compression compression = options.compression;
  const TextEncoding encoding = options.encoding;
  InputFile file{std::move(name), int64_t(shared->size())};
  return std::make_unique<CsvSource>(
      std::vector<InputFile>{file}, std::move(options),
      [shared, compression, encoding](const InputFile& f) -> std::unique_ptr<InputStream> {
        std::unique_ptr<InputStream> in = std::make_unique<StringInput>(shared);
        if (compression == Compression::kGzip) in = MakeGzipInput(std::move(in), f.path);
        if (compression == Compression::kZstd) in = MakeZstdInput(std::move(in), f.path);
        return MakeDecodingInput(std::move(in), encoding);
      });
}

}  // namespace sluice
