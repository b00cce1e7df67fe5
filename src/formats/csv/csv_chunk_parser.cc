#include "formats/csv/csv_chunk_parser.h"

#include <simdjson.h>

#include <algorithm>
#include <cstdio>

#include "core/error.h"
#include "formats/csv/csv_tokenizer.h"
#include "normalize/text_column.h"

namespace sluice {
namespace {

// Reused by every chunk a thread parses: no allocation per value, and after the first chunks
// none per chunk either.
struct Scratch {
  CsvTokens tokens;
  std::vector<uint32_t> good_rows;
  std::vector<std::string_view> values;
  std::vector<uint8_t> is_null;
};

Scratch& ThreadScratch() {
  thread_local Scratch scratch;
  return scratch;
}

std::string HexByte(uint8_t b) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02X", unsigned(b));
  return buf;
}

const char* kPolicyHint =
    " (ragged rows are an error under the current policy; choose pad or reject to load the rest)";

}  // namespace

size_t FirstInvalidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    const uint8_t c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2, cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3, cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4, cp = c & 0x07;
    } else {
      return i;
    }
    if (i + len > n) return i;
    for (size_t k = 1; k < len; k++) {
      if ((p[i + k] & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    // Overlong forms, surrogates and code points past U+10FFFF.
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return i;
    }
    i += len;
  }
  return n;
}

CsvChunkParser::CsvChunkParser(const CsvOptions& options, SchemaTracker* tracker)
    : options_(options), tracker_(tracker) {
  for (const std::string& t : options_.null_tokens) {
    if (t.size() < 64) null_lengths_ |= uint64_t{1} << t.size();
  }
}

bool CsvChunkParser::IsNullToken(std::string_view v) const {
  if (v.size() >= 64 || !((null_lengths_ >> v.size()) & 1)) return false;
  for (const std::string& t : options_.null_tokens) {
    if (t == v) return true;
  }
  return false;
}

ParsedChunk CsvChunkParser::Parse(RawChunk& chunk, const CsvFileLayout& file,
                                  uint64_t lines_before) const {
  ParsedChunk out;
  out.sequence = chunk.sequence;
  out.file_index = chunk.file_index;
  out.first_in_file = chunk.first_in_file;
  out.stored_bytes = chunk.stored_bytes;

  const size_t size = chunk.data.size();
  if (size > UINT32_MAX - kChunkPadding) {
    throw InputError(file.path + ": a CSV record larger than 4 GiB cannot be loaded");
  }
  chunk.data.push_back('\n');  // the tokenizer's sentinel; fits in the padding
  char* const data = chunk.data.data();
  CsvDialect dialect = file.dialect;
  dialect.blank_lines_are_records = file.names.size() == 1;

  Scratch& s = ThreadScratch();
  TokenizeCsv(std::string_view(data, size), dialect, &s.tokens);
  const CsvTokens& tokens = s.tokens;
  // The first chunk of a file starts after the header; its lines are counted here so that the
  // runner's sum of ParsedChunk::lines numbers later chunks correctly.
  const uint64_t line_shift = chunk.first_in_file ? file.header_lines : 0;
  out.lines = tokens.lines + line_shift;

  const size_t num_columns = file.names.size();
  const bool utf8_ok = simdjson::validate_utf8(data, size);

  auto reject = [&](const CsvRow& row, std::string column, std::string reason) {
    RejectedRecord r;
    r.table = options_.table;
    r.source = file.path;
    r.line = row.line + line_shift;
    r.byte_offset = chunk.byte_offset + row.begin;
    r.column = std::move(column);
    r.raw.assign(data + row.begin,
                 std::min<size_t>(row.end - row.begin, RejectedRecord::kMaxRawBytes));
    r.reason = std::move(reason);
    out.rejects.push_back(std::move(r));
  };
  auto column_name = [&](size_t i) {
    return i < num_columns ? file.names[i] : "col_" + std::to_string(i + 1);
  };

  s.good_rows.clear();
  for (size_t i = 0; i < tokens.rows.size(); i++) {
    const CsvRow& row = tokens.rows[i];
    if (row.unterminated) {
      reject(row, "", "unterminated quoted field");
      continue;
    }
    if (!utf8_ok) {
      const std::string_view text(data + row.begin, row.end - row.begin);
      const size_t bad = FirstInvalidUtf8(text);
      if (bad < text.size()) {
        size_t col = 0;
        while (col + 1 < row.num_fields &&
               tokens.fields[row.first_field + col + 1].offset <= row.begin + bad) {
          ++col;
        }
        reject(row, column_name(col),
               "invalid UTF-8 (byte " + HexByte(uint8_t(text[bad])) +
                   "); pass --encoding latin1 or windows-1252 if the file is not UTF-8");
        continue;
      }
    }
    if (row.num_fields != num_columns) {
      const std::string reason = "row has " + std::to_string(row.num_fields) +
                                 " fields, expected " + std::to_string(num_columns);
      const bool too_few = row.num_fields < num_columns;
      if (options_.ragged == CsvOptions::RaggedPolicy::kError) {
        throw InputError(file.path + " line " + std::to_string(lines_before + row.line) + ": " +
                         reason + kPolicyHint);
      }
      if (!too_few || options_.ragged == CsvOptions::RaggedPolicy::kReject) {
        reject(row, "", reason);
        continue;
      }
    }
    s.good_rows.push_back(uint32_t(i));
  }

  if (num_columns == 0) return out;
  Batch batch;
  batch.table = options_.table;
  batch.names = file.names;
  batch.num_rows = s.good_rows.size();
  batch.columns.resize(num_columns);
  const size_t n = s.good_rows.size();
  // Lines relative to the chunk, like rejects' (the runner adds the file's earlier lines).
  batch.origins.resize(n);
  for (size_t k = 0; k < n; k++) {
    const CsvRow& row = tokens.rows[s.good_rows[k]];
    batch.origins[k] = {row.line + line_shift, chunk.byte_offset + row.begin};
  }
  s.values.resize(n);
  s.is_null.resize(n);
  for (size_t c = 0; c < num_columns; c++) {
    for (size_t k = 0; k < n; k++) {
      const CsvRow& row = tokens.rows[s.good_rows[k]];
      if (c >= row.num_fields) {  // padded ragged row
        s.is_null[k] = 1;
        continue;
      }
      const CsvField& f = tokens.fields[row.first_field + c];
      char* v = data + f.offset;
      size_t len = f.length;
      if (f.flags & CsvField::kNeedsUnescape) len = UnescapeCsvField(v, len, dialect);
      s.values[k] = std::string_view(v, len);
      s.is_null[k] = !(f.flags & CsvField::kQuoted) && IsNullToken(s.values[k]);
    }
    const InferredType hint = tracker_->Hint(options_.table, file.names[c]);
    const InferredType type =
        ConvertTextColumn(s.values.data(), s.is_null.data(), n, hint, &batch.columns[c]);
    tracker_->Observe(options_.table, file.names[c], type);
  }
  out.batches.push_back(std::move(batch));
  return out;
}

}  // namespace sluice
