#pragma once
// The parse phase of the xlsx reader: turns one chunk of cell records (sheet_reader.h) into a
// typed batch plus rejected rows. Thread-safe; runs on the runner's worker threads.
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "formats/xlsx/excel_dates.h"
#include "formats/xlsx/number_format.h"
#include "formats/xlsx/workbook_parts.h"
#include "formats/xlsx/xlsx_options.h"
#include "normalize/schema_tracker.h"
#include "sources/source.h"

namespace sluice {

// Everything the parse phase needs about the file a chunk comes from; immutable once the
// file's first chunk is handed out.
struct XlsxFileLayout {
  std::string path;  // for messages: the local path or the URL without its query string
  std::string sheet;
  DateSystem date_system = DateSystem::k1900;
  std::vector<NumberFormatKind> formats;  // by cellXfs index
  // The shared strings load on their own thread while the sheet streams (the reader thread
  // never needs them); strings() waits for them and rethrows a load failure.
  std::shared_future<std::shared_ptr<const SharedStrings>> strings_future;
  const SharedStrings& strings() const { return *strings_future.get(); }
  // The header row's cell records (sheet_reader.h); names are resolved from it on first use,
  // by a parse worker, because header cells are usually shared strings.
  std::string header_record;
  void ResolveHeader() const;

  // The column's name: its header, else col_<N> (N = 1-based sheet column), made distinct from
  // the header names. ResolveHeader() first.
  std::string ColumnName(uint32_t column) const;
  bool HasHeader(uint32_t column) const {
    return column < header_names.size() && !header_names[column].empty();
  }
  // Normalized header names by sheet column (0-based); empty where the header has no cell.
  mutable std::vector<std::string> header_names;

 private:
  mutable std::once_flag header_once_;
};

// Chunk payload: u32 base row (the last row number of the file before this chunk) | u32 end
// row (the last row number the reader passed) | row records.
constexpr size_t kXlsxChunkHeaderBytes = 8;

// "B" for column 1, "AA" for 26.
std::string ColumnLetters(uint32_t column);

// The header record rendered as text, one entry per sheet column up to the last header cell.
std::vector<std::string> RenderHeaderRow(std::string_view record, const XlsxFileLayout& file);

ParsedChunk ParseXlsxChunk(const RawChunk& chunk, const XlsxFileLayout& file,
                           const XlsxOptions& options, SchemaTracker* tracker);

}  // namespace sluice
