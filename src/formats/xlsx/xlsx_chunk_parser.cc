#include "formats/xlsx/xlsx_chunk_parser.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <deque>
#include <unordered_set>

#include "core/identifiers.h"
#include "core/json_string.h"
#include "core/value_parse.h"
#include "formats/xlsx/sheet_reader.h"

namespace sluice {
namespace {

constexpr int64_t kMicrosPerDay = 86'400'000'000LL;
constexpr double kMaxExactInteger = 9007199254740992.0;  // 2^53

// One cell after typing. `text` points into the shared strings, the chunk, or the scratch
// arena of generated strings.
struct TypedCell {
  uint32_t row = 0;  // index among the chunk's loaded rows
  TypeId type = TypeId::kNull;
  int64_t i = 0;  // int64, date (days), timestamp (micros), boolean
  double d = 0;
  std::string_view text;
};

struct RawCell {
  uint32_t column;
  CellKind kind;
  std::string_view value;
};

struct Scratch {
  std::vector<RawCell> raw_cells;               // the row as written, for rejects
  std::vector<std::vector<TypedCell>> columns;  // by slot
  std::vector<int32_t> slot_of;                 // sheet column -> slot, -1 = none
  std::vector<uint32_t> used_columns;           // sheet columns with a slot
  std::vector<TypedCell> row_cells;
  std::vector<uint32_t> row_columns;
  std::deque<std::string> generated;
};

Scratch& ThreadScratch() {
  thread_local Scratch s;
  if (s.slot_of.empty()) s.slot_of.assign(kMaxSheetColumns, -1);
  return s;
}

// Lines are relative to the chunk (the runner adds the rows before it). A row numbered below the
// previous chunk's end (out of order, malformed) gets 0: unknown.
uint64_t RelativeLine(uint32_t row, uint32_t base_row) {
  return row > base_row ? row - base_row : 0;
}

uint8_t DigitsOf(int64_t v) {
  uint64_t a = v < 0 ? uint64_t(0) - uint64_t(v) : uint64_t(v);
  uint8_t digits = 1;
  while (a >= 10) a /= 10, digits++;
  return digits;
}

bool ParseNumber(std::string_view s, TypedCell* out) {
  int64_t i;
  if (ParseInt64(s, &i)) {
    out->type = TypeId::kInt64;
    out->i = i;
    return true;
  }
  double d;
  if (!ParseDouble(s, &d)) return false;
  // Integers stay integers when the double holds them exactly ("1E+3", "-0", "5.0").
  if (std::nearbyint(d) == d && std::fabs(d) < kMaxExactInteger) {
    out->type = TypeId::kInt64;
    out->i = int64_t(d);
    return true;
  }
  out->type = TypeId::kDouble;
  out->d = d;
  return true;
}

enum class Outcome { kValue, kNull, kReject };

struct CellContext {
  const XlsxFileLayout& file;
  const SharedStrings& strings;
  const XlsxOptions& options;
  std::deque<std::string>* generated;
};

std::string_view Keep(CellContext& ctx, std::string s) {
  ctx.generated->push_back(std::move(s));
  return ctx.generated->back();
}

Outcome TypeCell(CellContext& ctx, CellKind kind, uint32_t style, std::string_view raw,
                 TypedCell* out, std::string* why) {
  switch (kind) {
    case CellKind::kSharedString: {
      uint64_t index = 0;
      const auto r = std::from_chars(raw.data(), raw.data() + raw.size(), index);
      if (r.ec != std::errc() || r.ptr != raw.data() + raw.size() || index >= ctx.strings.size()) {
        *why = "shared string index '" + std::string(raw) + "' is out of range (the table has " +
               std::to_string(ctx.strings.size()) + " strings)";
        return Outcome::kReject;
      }
      out->type = TypeId::kText;
      out->text = ctx.strings.Get(index);
      return Outcome::kValue;
    }
    case CellKind::kInlineString:
    case CellKind::kFormulaString:
      out->type = TypeId::kText;
      if (NeedsDecoding(raw)) {
        std::string decoded;
        AppendDecodedText(raw, &decoded);
        out->text = Keep(ctx, std::move(decoded));
      } else {
        out->text = raw;
      }
      return Outcome::kValue;
    case CellKind::kBoolean:
      out->type = TypeId::kBoolean;
      if (raw == "1" || raw == "true") {
        out->i = 1;
      } else if (raw == "0" || raw == "false") {
        out->i = 0;
      } else {
        *why = "boolean cell holds '" + std::string(raw) + "'";
        return Outcome::kReject;
      }
      return Outcome::kValue;
    case CellKind::kError:
      if (ctx.options.error_cells == XlsxOptions::ErrorCells::kNull) return Outcome::kNull;
      *why = "Excel error " + std::string(raw);
      return Outcome::kReject;
    case CellKind::kIsoDate: {
      int64_t micros;
      bool zone;
      int32_t days;
      if (ParseTimestamp(raw, &micros, &zone)) {
        out->type = zone ? TypeId::kTimestampTz : TypeId::kTimestamp;
        out->i = micros;
      } else if (ParseDate(raw, &days)) {
        out->type = TypeId::kDate;
        out->i = days;
      } else {
        *why = "date cell holds '" + std::string(raw) + "', not an ISO 8601 date";
        return Outcome::kReject;
      }
      return Outcome::kValue;
    }
    case CellKind::kNumber:
      break;
  }
  if (!ParseNumber(raw, out)) {
    *why = "number cell holds '" + std::string(raw) + "'";
    return Outcome::kReject;
  }
  const NumberFormatKind format =
      style < ctx.file.formats.size() ? ctx.file.formats[style] : NumberFormatKind::kNumber;
  if (format == NumberFormatKind::kNumber) return Outcome::kValue;
  const double serial = out->type == TypeId::kInt64 ? double(out->i) : out->d;
  char buf[64];
  if (format == NumberFormatKind::kElapsed) {
    out->type = TypeId::kText;
    out->text = Keep(ctx, std::string(buf, FormatElapsed(serial, buf)));
    return Outcome::kValue;
  }
  if (format == NumberFormatKind::kTime && serial >= 0 && serial < 1) {
    // A time of day (sluice has no time type): ISO 8601 text, 13:45:00.
    const int64_t ms = std::min<int64_t>(std::llround(serial * 86'400'000.0), 86'399'999);
    out->type = TypeId::kText;
    out->text = Keep(ctx, std::string(buf, FormatTimeOfDay(ms, buf)));
    return Outcome::kValue;
  }
  ExcelDateTime t;
  if (!SerialToDateTime(serial, ctx.file.date_system, &t, why)) return Outcome::kReject;
  if (format == NumberFormatKind::kDate && t.ms_of_day == 0) {
    out->type = TypeId::kDate;
    out->i = t.days;
  } else {
    // A date format over a value with a time of day keeps the time: nothing is lost.
    out->type = TypeId::kTimestamp;
    out->i = int64_t(t.days) * kMicrosPerDay + t.ms_of_day * 1000;
  }
  return Outcome::kValue;
}

void AppendAsText(const TypedCell& c, std::string* out) {
  char buf[64];
  switch (c.type) {
    case TypeId::kBoolean:
      out->append(c.i ? "true" : "false");
      return;
    case TypeId::kInt64:
      out->append(buf, size_t(std::to_chars(buf, buf + 64, c.i).ptr - buf));
      return;
    case TypeId::kDouble:
      out->append(buf, size_t(std::to_chars(buf, buf + 64, c.d).ptr - buf));
      return;
    case TypeId::kDate:
      out->append(buf, FormatDate(int32_t(c.i), buf));
      return;
    case TypeId::kTimestamp:
    case TypeId::kTimestampTz:
      out->append(buf, FormatTimestamp(c.i, c.type == TypeId::kTimestampTz, buf));
      return;
    default:
      out->append(c.text);
      return;
  }
}

// Appends `c` to `column`, whose type is the join of all its cells' types (and maybe a hint
// wider still), so each case below is a lossless widening.
void AppendCell(const TypedCell& c, Column* column, std::string* text) {
  const DataType type = column->type();
  switch (type.id) {
    case TypeId::kBoolean:
      column->AppendBoolean(c.i != 0);
      return;
    case TypeId::kInt64:
      column->AppendInt64(c.i);
      return;
    case TypeId::kDouble:
      column->AppendDouble(c.type == TypeId::kInt64 ? double(c.i) : c.d);
      return;
    case TypeId::kDecimal: {
      int64_t v = c.i;
      for (uint8_t s = 0; s < type.scale; s++) v *= 10;
      column->AppendDecimal(v);
      return;
    }
    case TypeId::kDate:
      column->AppendDate(int32_t(c.i));
      return;
    case TypeId::kTimestamp:
    case TypeId::kTimestampTz:
      column->AppendTimestamp(c.type == TypeId::kDate ? c.i * kMicrosPerDay : c.i);
      return;
    case TypeId::kJson:
      text->clear();
      if (c.type == TypeId::kText) {
        AppendJsonString(c.text, text);
      } else if (c.type == TypeId::kDate || c.type == TypeId::kTimestamp ||
                 c.type == TypeId::kTimestampTz) {
        text->push_back('"');
        AppendAsText(c, text);
        text->push_back('"');
      } else {
        AppendAsText(c, text);
      }
      column->AppendString(*text);
      return;
    default:
      if (c.type == TypeId::kText) {
        column->AppendString(c.text);
      } else {
        text->clear();
        AppendAsText(c, text);
        column->AppendString(*text);
      }
      return;
  }
}

}  // namespace

std::string ColumnLetters(uint32_t column) {
  std::string s;
  uint32_t n = column + 1;
  while (n > 0) {
    s.insert(s.begin(), char('A' + (n - 1) % 26));
    n = (n - 1) / 26;
  }
  return s;
}

void XlsxFileLayout::ResolveHeader() const {
  std::call_once(header_once_, [this] {
    const std::vector<std::string> raw = RenderHeaderRow(header_record, *this);
    std::vector<std::string> names = NormalizeColumnNames(raw);
    for (size_t i = 0; i < raw.size(); i++) {
      if (raw[i].empty()) names[i].clear();
    }
    header_names = std::move(names);
  });
}

std::string XlsxFileLayout::ColumnName(uint32_t column) const {
  if (HasHeader(column)) return header_names[column];
  const std::string base = "col_" + std::to_string(column + 1);
  auto taken = [&](const std::string& n) {
    for (const auto& h : header_names) {
      if (h == n) return true;
    }
    return false;
  };
  if (!taken(base)) return base;
  for (int k = 2;; k++) {
    std::string candidate = base + "_" + std::to_string(k);
    if (!taken(candidate)) return candidate;
  }
}

std::vector<std::string> RenderHeaderRow(std::string_view record, const XlsxFileLayout& file) {
  std::vector<std::string> raw;
  if (record.empty()) return raw;
  XlsxOptions options;
  options.error_cells = XlsxOptions::ErrorCells::kReject;
  std::deque<std::string> generated;
  CellContext ctx{file, file.strings(), options, &generated};
  CellRecordReader reader(record);
  uint32_t row, cells;
  reader.NextRow(&row, &cells);
  for (uint32_t k = 0; k < cells; k++) {
    uint32_t column, style;
    CellKind kind;
    std::string_view value;
    reader.NextCell(&column, &kind, &style, &value);
    TypedCell cell;
    std::string why;
    std::string text;
    // A header cell that cannot be typed (an error, a bad index) names its column as written.
    if (TypeCell(ctx, kind, style, value, &cell, &why) == Outcome::kValue) {
      AppendAsText(cell, &text);
    } else {
      text = std::string(value);
    }
    if (raw.size() <= column) raw.resize(column + 1);
    raw[column] = std::move(text);
  }
  return raw;
}

ParsedChunk ParseXlsxChunk(const RawChunk& chunk, const XlsxFileLayout& file,
                           const XlsxOptions& options, SchemaTracker* tracker) {
  ParsedChunk out;
  out.sequence = chunk.sequence;
  out.file_index = chunk.file_index;
  out.first_in_file = chunk.first_in_file;
  out.stored_bytes = chunk.stored_bytes;
  uint32_t base_row = 0, end_row = 0;
  std::memcpy(&base_row, chunk.data.data(), 4);
  std::memcpy(&end_row, chunk.data.data() + 4, 4);
  out.lines = end_row - base_row;

  Scratch& s = ThreadScratch();
  for (uint32_t c : s.used_columns) s.slot_of[c] = -1;
  s.used_columns.clear();
  for (auto& col : s.columns) col.clear();
  s.generated.clear();
  file.ResolveHeader();
  CellContext ctx{file, file.strings(), options, &s.generated};

  auto slot = [&](uint32_t column) -> std::vector<TypedCell>& {
    int32_t k = s.slot_of[column];
    if (k < 0) {
      k = int32_t(s.used_columns.size());
      s.slot_of[column] = k;
      s.used_columns.push_back(column);
      if (s.columns.size() <= size_t(k)) s.columns.emplace_back();
    }
    return s.columns[size_t(k)];
  };
  for (uint32_t c = 0; c < file.header_names.size(); c++) {
    if (file.HasHeader(c)) slot(c);
  }

  std::vector<RowOrigin> origins;
  CellRecordReader reader(std::string_view(chunk.data).substr(kXlsxChunkHeaderBytes));
  uint32_t row, cells;
  std::string why;
  while (reader.NextRow(&row, &cells)) {
    s.row_cells.clear();
    s.row_columns.clear();
    bool rejected = false;
    uint32_t bad_column = 0;
    std::string reason;
    s.raw_cells.clear();
    for (uint32_t k = 0; k < cells; k++) {
      uint32_t column, style;
      CellKind kind;
      std::string_view value;
      reader.NextCell(&column, &kind, &style, &value);
      s.raw_cells.push_back({column, kind, value});
      if (rejected) continue;
      TypedCell cell;
      const Outcome outcome = TypeCell(ctx, kind, style, value, &cell, &why);
      if (outcome == Outcome::kReject) {
        rejected = true;
        bad_column = column;
        reason = "sheet '" + file.sheet + "' cell " + ColumnLetters(column) + std::to_string(row) +
                 ": " + why;
      } else if (outcome == Outcome::kValue) {
        s.row_cells.push_back(cell);
        s.row_columns.push_back(column);
      }
    }
    if (rejected) {
      RejectedRecord r;
      r.table = options.table;
      r.source = file.path;
      r.line = RelativeLine(row, base_row);
      r.column = file.ColumnName(bad_column);
      for (const RawCell& raw : s.raw_cells) {
        if (!r.raw.empty()) r.raw.push_back('\t');
        r.raw += ColumnLetters(raw.column) + std::to_string(row) + "=";
        TypedCell shown;
        std::string ignored;
        if (raw.kind == CellKind::kSharedString &&
            TypeCell(ctx, raw.kind, 0, raw.value, &shown, &ignored) == Outcome::kValue) {
          r.raw.append(shown.text);
        } else {
          r.raw.append(raw.value);
        }
        if (r.raw.size() > RejectedRecord::kMaxRawBytes) {
          r.raw.resize(RejectedRecord::kMaxRawBytes);
          break;
        }
      }
      r.reason = std::move(reason);
      out.rejects.push_back(std::move(r));
      continue;
    }
    const uint32_t loaded = uint32_t(origins.size());
    origins.push_back({RelativeLine(row, base_row), 0});
    for (size_t k = 0; k < s.row_cells.size(); k++) {
      TypedCell& cell = s.row_cells[k];
      cell.row = loaded;
      slot(s.row_columns[k]).push_back(cell);
    }
  }

  if (s.used_columns.empty()) return out;
  // Columns in sheet order.
  std::vector<uint32_t> order = s.used_columns;
  std::sort(order.begin(), order.end());
  Batch batch;
  batch.table = options.table;
  batch.num_rows = origins.size();
  batch.origins = std::move(origins);
  batch.names.reserve(order.size());
  batch.columns.resize(order.size());
  std::string text;
  for (size_t k = 0; k < order.size(); k++) {
    const std::vector<TypedCell>& cells_of = s.columns[size_t(s.slot_of[order[k]])];
    std::string name = file.ColumnName(order[k]);
    InferredType natural;
    for (const TypedCell& c : cells_of) {
      InferredType t{DataType::Of(c.type), 0};
      if (c.type == TypeId::kInt64) t.int_digits = DigitsOf(c.i);
      natural = Join(natural, t);
      if (natural.type.id == TypeId::kText) break;
    }
    InferredType target = Join(tracker->Hint(options.table, name), natural);
    if (!WidensTo(natural.type, target.type)) target = natural;
    Column& column = batch.columns[k];
    column.Reset(target.type);
    column.Reserve(batch.num_rows);
    size_t next = 0;
    for (uint32_t r = 0; r < batch.num_rows; r++) {
      if (next < cells_of.size() && cells_of[next].row == r) {
        AppendCell(cells_of[next++], &column, &text);
      } else {
        column.AppendNull();
      }
    }
    if (target.type.id == TypeId::kInt64 || target.type.id == TypeId::kDecimal) {
      target.int_digits = std::max(target.int_digits, column.IntegerDigits());
    }
    tracker->Observe(options.table, name, target);
    batch.names.push_back(std::move(name));
  }
  out.batches.push_back(std::move(batch));
  return out;
}

}  // namespace sluice
