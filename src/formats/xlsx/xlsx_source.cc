#include "formats/xlsx/xlsx_source.h"

#include <algorithm>
#include <cstring>
#include <future>

#include "core/error.h"
#include "core/identifiers.h"
#include "formats/xlsx/spool_file.h"
#include "storage/http/http_client.h"
#include "storage/local/local_storage.h"
#include "storage/storage.h"

namespace sluice {

XlsxSource::XlsxSource(std::vector<InputFile> files, XlsxOptions options, Opener opener)
    : files_(std::move(files)), options_(std::move(options)), opener_(std::move(opener)) {
  options_.Validate();
  if (files_.empty()) throw UsageError("xlsx: no input files");
  states_.resize(files_.size());
  OpenFile(next_file_++);
}

void XlsxSource::OpenFile(size_t index) {
  const InputFile& file = files_[index];
  archive_ = opener_(file);
  const WorkbookInfo workbook = ReadWorkbook(*archive_);
  const SheetEntry& sheet = SelectSheet(workbook, options_.sheet, archive_->display());
  layout_ = std::make_shared<XlsxFileLayout>();
  layout_->path = archive_->display();
  layout_->sheet = sheet.name;
  layout_->date_system = workbook.date_system;
  layout_->formats = ReadCellFormats(*archive_, workbook.styles_part);
  if (workbook.shared_strings_part.empty()) {
    std::promise<std::shared_ptr<const SharedStrings>> none;
    none.set_value(std::make_shared<const SharedStrings>());
    layout_->strings_future = none.get_future().share();
  } else if (!archive_->CanReopen()) {
    std::promise<std::shared_ptr<const SharedStrings>> now;
    now.set_value(std::make_shared<const SharedStrings>(
        ReadSharedStrings(*archive_, workbook.shared_strings_part)));
    layout_->strings_future = now.get_future().share();
  } else {
    // Parsed on its own thread, through its own handle, while this thread streams the sheet.
    std::shared_ptr<const XlsxArchive> handle = archive_->Reopen();
    layout_->strings_future =
        std::async(std::launch::async, [handle, part = workbook.shared_strings_part] {
          return std::make_shared<const SharedStrings>(ReadSharedStrings(*handle, part));
        }).share();
  }
  sheet_ = std::make_unique<SheetReader>(archive_->Open(sheet.part), uint32_t(options_.header_row));
  current_file_ = index;
  first_chunk_pending_ = true;
  stored_reported_ = 0;
  base_row_ = 0;
}

void XlsxSource::FinishFile() {
  sheet_.reset();
  archive_.reset();
  layout_.reset();
  std::lock_guard<std::mutex> lock(files_mu_);
  FileState& state = states_[current_file_];
  state.read_done = true;
  if (state.in_flight == 0) state.layout.reset();
}

bool XlsxSource::ReadChunk(RawChunk* chunk) {
  for (;;) {
    if (!sheet_) {
      if (next_file_ >= files_.size()) return false;
      OpenFile(next_file_++);
    }
    std::string data = TakeBuffer();
    data.resize(kXlsxChunkHeaderBytes);
    const bool got = sheet_->Next(&data, options_.chunk_bytes);
    // Every file yields at least one chunk, so a header-only sheet still declares its columns.
    if (!got && !first_chunk_pending_) {
      FinishFile();
      continue;
    }
    if (first_chunk_pending_) {
      // The header row precedes every data row, so it has been read by now.
      layout_->header_record = sheet_->header();
      std::lock_guard<std::mutex> lock(files_mu_);
      states_[current_file_].layout = layout_;
    }
    const uint32_t end_row = sheet_->last_row();
    std::memcpy(data.data(), &base_row_, 4);
    std::memcpy(data.data() + 4, &end_row, 4);
    base_row_ = end_row;
    if (data.capacity() < data.size() + kChunkPadding) data.reserve(data.size() + kChunkPadding);

    chunk->sequence = sequence_++;
    chunk->file_index = current_file_;
    chunk->first_in_file = first_chunk_pending_;
    chunk->byte_offset = 0;
    const InputFile& file = files_[current_file_];
    const XlsxPartReader& part = sheet_->part();
    uint64_t stored = stored_reported_;
    if (file.size > 0) {
      if (sheet_->done()) {
        stored = uint64_t(file.size);
      } else if (part.size() > 0) {
        stored = uint64_t(double(file.size) * double(part.consumed()) / double(part.size()));
      }
    }
    chunk->stored_bytes = stored > stored_reported_ ? stored - stored_reported_ : 0;
    stored_reported_ = std::max(stored, stored_reported_);
    chunk->data = std::move(data);
    first_chunk_pending_ = false;
    {
      std::lock_guard<std::mutex> lock(files_mu_);
      states_[current_file_].in_flight++;
    }
    if (sheet_->done()) FinishFile();
    return true;
  }
}

ParsedChunk XlsxSource::ParseChunk(RawChunk chunk) {
  std::shared_ptr<const XlsxFileLayout> layout;
  {
    std::lock_guard<std::mutex> lock(files_mu_);
    layout = states_[chunk.file_index].layout;
  }
  ParsedChunk parsed = ParseXlsxChunk(chunk, *layout, options_, &tracker_);
  ReturnBuffer(std::move(chunk.data));
  std::lock_guard<std::mutex> lock(files_mu_);
  FileState& state = states_[chunk.file_index];
  if (--state.in_flight == 0 && state.read_done) state.layout.reset();
  return parsed;
}

std::string XlsxSource::TakeBuffer() {
  std::string buffer;
  {
    std::lock_guard<std::mutex> lock(pool_mu_);
    if (!pool_.empty()) {
      buffer = std::move(pool_.back());
      pool_.pop_back();
    }
  }
  buffer.clear();
  buffer.reserve(options_.chunk_bytes + (options_.chunk_bytes >> 2) + kChunkPadding);
  return buffer;
}

void XlsxSource::ReturnBuffer(std::string buffer) {
  constexpr size_t kMaxPooled = 8;  // about the number of chunks in flight
  std::lock_guard<std::mutex> lock(pool_mu_);
  if (pool_.size() < kMaxPooled) pool_.push_back(std::move(buffer));
}

std::unique_ptr<XlsxArchive> OpenXlsxArchive(const InputFile& file) {
  if (!HasStorageScheme(file.path)) return XlsxArchive::OpenFile(file.path, file.path);
  if (file.path.rfind("file://", 0) == 0) {
    return XlsxArchive::OpenFile(LocalPath(file.path), file.path);
  }
  return XlsxArchive::OpenDescriptor(SpoolToTemporaryFile(file.path), UrlForDisplay(file.path));
}

std::unique_ptr<Source> MakeXlsxSource(std::vector<InputFile> files, XlsxOptions options) {
  return std::make_unique<XlsxSource>(std::move(files), std::move(options), OpenXlsxArchive);
}

}  // namespace sluice
