#pragma once
// The Excel (.xlsx) source. Bind opens the first file: the zip directory, the workbook, the
// styles and the shared strings (held in memory for the whole file), and checks the sheet
// exists. Read (one thread) inflates the sheet's XML block by block into expat and writes the
// cells of whole rows as compact records (sheet_reader.h); parse (worker threads) types them
// into batches (xlsx_chunk_parser.h). Memory: the shared strings + a few chunks, never the
// sheet.
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "formats/xlsx/sheet_reader.h"
#include "formats/xlsx/xlsx_archive.h"
#include "formats/xlsx/xlsx_chunk_parser.h"
#include "formats/xlsx/xlsx_options.h"
#include "normalize/schema_tracker.h"
#include "sources/source.h"

namespace sluice {

class XlsxSource final : public Source {
 public:
  using Opener = std::function<std::unique_ptr<XlsxArchive>(const InputFile&)>;
  XlsxSource(std::vector<InputFile> files, XlsxOptions options, Opener opener);

  const std::vector<InputFile>& files() const override { return files_; }
  const std::string& table() const override { return options_.table; }
  bool ReadChunk(RawChunk* chunk) override;
  ParsedChunk ParseChunk(RawChunk chunk) override;
  void HintColumnType(const std::string& table, const std::string& column,
                      InferredType type) override {
    tracker_.Observe(table, column, type);
  }

 private:
  struct FileState {
    std::shared_ptr<const XlsxFileLayout> layout;
    size_t in_flight = 0;
    bool read_done = false;
  };
  void OpenFile(size_t index);
  void FinishFile();
  // Chunk buffers are recycled: a fresh megabyte costs a page fault per 4 KiB.
  std::string TakeBuffer();
  void ReturnBuffer(std::string buffer);

  std::vector<InputFile> files_;
  XlsxOptions options_;
  Opener opener_;
  SchemaTracker tracker_;

  // Reader state (ReadChunk thread only).
  std::unique_ptr<XlsxArchive> archive_;
  std::unique_ptr<SheetReader> sheet_;
  std::shared_ptr<XlsxFileLayout> layout_;  // of the file being read
  size_t current_file_ = 0;
  size_t next_file_ = 0;
  bool first_chunk_pending_ = false;
  uint64_t sequence_ = 0;
  uint64_t stored_reported_ = 0;
  uint32_t base_row_ = 0;

  // Layouts of files with chunks in flight; a file's shared strings are freed once its last
  // chunk is parsed.
  std::mutex files_mu_;
  std::vector<FileState> states_;

  std::mutex pool_mu_;
  std::vector<std::string> pool_;
};

std::unique_ptr<Source> MakeXlsxSource(std::vector<InputFile> files, XlsxOptions options);
// Opens an archive: local paths directly, storage URIs (s3://, https://, ...) spooled to an
// unlinked temporary file first (the zip directory sits at the end of the file).
std::unique_ptr<XlsxArchive> OpenXlsxArchive(const InputFile& file);

}  // namespace sluice
