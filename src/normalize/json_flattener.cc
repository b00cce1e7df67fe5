#include "normalize/json_flattener.h"

#include <simdjson.h>

#include <charconv>
#include <cstring>
#include <functional>
#include <unordered_map>

#include "core/identifiers.h"
#include "core/value_parse.h"
#include "normalize/json_ids.h"
#include "normalize/json_text.h"
#include "normalize/text_column.h"

namespace sluice {

static_assert(kJsonPadding >= simdjson::SIMDJSON_PADDING);

namespace od = simdjson::ondemand;

namespace {

// How a staged value is stored until the batch's column types are known.
enum class CellKind : uint8_t {
  kBool,    // payload.i is 0 or 1
  kInt,     // payload.i
  kNumber,  // arena text: a JSON number token that is not an int64
  kString,  // arena text: the unescaped string
  kJson,    // arena text: compact JSON
};

struct Cell {
  uint32_t row;
  uint32_t col;
  CellKind kind;
  InferredType type;
  union {
    int64_t i;
    struct {
      uint32_t off, len;
    } s;
  } payload;
};

struct StagedColumn {
  std::string name;
  InferredType hint;          // from earlier batches, when the column was first seen here
  bool holds_scalar = false;  // then objects/arrays at this path are stored as JSON here
};

struct RowLink {
  uint32_t parent_row = 0;
  int64_t list_index = 0;
  RowOrigin origin;  // the document's
  char id[kJsonIdLength];
};

// Transparent hashing so lookups by string_view do not allocate.
struct PathHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
template <typename V>
using PathMap = std::unordered_map<std::string, V, PathHash, std::equal_to<>>;

struct StagedTable {
  std::string name;
  std::string raw_key;  // path from the root, for the registry and child ids
  int parent = -1;
  std::vector<StagedColumn> columns;
  PathMap<uint32_t> column_by_path;
  PathMap<int> child_by_path;
  std::vector<Cell> cells;  // appended in row order
  std::string arena;
  std::vector<RowLink> rows;
};

struct Mark {
  size_t cells, arena, rows;
};

// A key path segment; `key` points into the parser's string buffer (valid for one document).
struct Segment {
  std::string_view key;
  uint32_t position;  // 1-based field position, names empty keys
  bool is_value;      // the `value` column of an array element that is not an object
};

struct RowCtx {
  int table;
  uint32_t row;
  size_t path_base;  // where this row's relative path starts in path_
  size_t seg_base;
};

constexpr uint32_t kValueMarker = 0xFFFFFFFFu;

std::string_view TypeWord(od::json_type t) {
  switch (t) {
    case od::json_type::array:
      return "an array";
    case od::json_type::object:
      return "an object";
    case od::json_type::number:
      return "a number";
    case od::json_type::string:
      return "a string";
    case od::json_type::boolean:
      return "a boolean";
    case od::json_type::null:
      return "null";
  }
  return "a value";
}

std::string_view TrimRight(std::string_view s) {
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

JsonFlattener::JsonFlattener(JsonFlattenOptions options)
    : options_(std::move(options)), names_(options_.table) {}

class JsonBatchBuilder::Impl {
 public:
  explicit Impl(JsonFlattener* f) : f_(f), max_nesting_(f->options().max_nesting) {
    for (const std::string& key : f_->options().primary_key) {
      // Normalize each "__" level like generated names, so "userId" finds "user_id".
      std::string name;
      size_t start = 0;
      for (;;) {
        const size_t sep = key.find("__", start);
        if (!name.empty()) name += "__";
        name += NormalizeIdentifier(std::string_view(key).substr(start, sep - start));
        if (sep == std::string::npos) break;
        start = sep + 2;
      }
      pk_names_.push_back(std::move(name));
    }
    Reset();
  }

  size_t documents() const { return documents_; }

  bool Add(std::string_view json, std::string_view source, uint64_t position, uint64_t line,
           std::string* error) {
    static thread_local od::parser parser;
    origin_ = {line, position};
    marks_.clear();
    for (const StagedTable& t : tables_)
      marks_.push_back({t.cells.size(), t.arena.size(), t.rows.size()});
    doc_rows_.clear();
    path_.clear();
    segs_.clear();
    error_.clear();
    err_ = simdjson::SUCCESS;
    if (!Stage(parser, json) || !AssignIds(source, position)) {
      *error = error_.empty() ? std::string(simdjson::error_message(err_)) : error_;
      Rollback();
      return false;
    }
    documents_++;
    return true;
  }

  std::vector<Batch> Finish() {
    std::vector<Batch> out;
    for (StagedTable& t : tables_) {
      if (!t.rows.empty()) out.push_back(Build(t));
    }
    Reset();
    return out;
  }

 private:
  void Reset() {
    // Keep the big buffers for the next batch: fresh ones would page-fault on every chunk.
    for (auto it = tables_.rbegin(); it != tables_.rend(); ++it) {  // root's buffers back to root
      StagedTable& t = *it;
      t.cells.clear();
      t.arena.clear();
      t.rows.clear();
      spare_cells_.push_back(std::move(t.cells));
      spare_arenas_.push_back(std::move(t.arena));
      spare_rows_.push_back(std::move(t.rows));
    }
    tables_.clear();
    NewTable();
    tables_[0].name = f_->options().table;
    tables_[0].raw_key = f_->options().table;
    documents_ = 0;
    pk_cols_.clear();
  }

  StagedTable& NewTable() {
    StagedTable& t = tables_.emplace_back();
    if (!spare_cells_.empty()) {
      t.cells = std::move(spare_cells_.back());
      t.arena = std::move(spare_arenas_.back());
      t.rows = std::move(spare_rows_.back());
      spare_cells_.pop_back();
      spare_arenas_.pop_back();
      spare_rows_.pop_back();
    }
    return t;
  }

  bool Fail(simdjson::error_code e) {
    err_ = e;
    return false;
  }
  bool Fail(std::string message) {
    error_ = std::move(message);
    return false;
  }

  bool Stage(od::parser& parser, std::string_view json) {
    object_keys_.clear();
    od::document doc;
    if (auto e = parser.iterate(json.data(), json.size(), json.size() + kJsonPadding).get(doc)) {
      return Fail(e);
    }
    od::json_type type;
    if (auto e = doc.type().get(type)) return Fail(e);
    if (type != od::json_type::object) {
      return Fail("expected a JSON object, got " + std::string(TypeWord(type)));
    }
    od::object obj;
    if (auto e = doc.get_object().get(obj)) return Fail(e);
    const uint32_t row = OpenRow(0, 0, 0);
    if (!WalkObject(obj, RowCtx{0, row, 0, 0}, 0)) return false;
    // ondemand 3.0 has no at_end(): a current location means tokens follow the object.
    const char* trailing = nullptr;
    if (doc.current_location().get(trailing) == simdjson::SUCCESS) {
      return Fail("unexpected content after the JSON document");
    }
    return true;
  }

  uint32_t OpenRow(int table, uint32_t parent_row, int64_t list_index) {
    StagedTable& t = tables_[table];
    const uint32_t row = static_cast<uint32_t>(t.rows.size());
    RowLink& link = t.rows.emplace_back();
    link.parent_row = parent_row;
    link.list_index = list_index;
    link.origin = origin_;
    doc_rows_.emplace_back(table, row);
    return row;
  }

  void PushKey(std::string_view key, uint32_t position) {
    const uint32_t n = static_cast<uint32_t>(key.size());
    path_.append(reinterpret_cast<const char*>(&n), sizeof n);
    path_.append(key);
    segs_.push_back({key, position, false});
  }
  void PushValue() {
    path_.append(reinterpret_cast<const char*>(&kValueMarker), sizeof kValueMarker);
    segs_.push_back({{}, 0, true});
  }
  void Pop(size_t path_size) {
    path_.resize(path_size);
    segs_.pop_back();
  }

  // Normalized "a__b__c" for the segments of the current path from `seg_base` on.
  std::string JoinedName(size_t seg_base) const {
    std::string name;
    for (size_t i = seg_base; i < segs_.size(); i++) {
      if (i > seg_base) name += "__";
      const Segment& s = segs_[i];
      if (s.is_value) {
        name += "value";
        continue;
      }
      std::string part = NormalizeIdentifier(s.key);
      if (part.empty()) part = "col_" + std::to_string(s.position);
      name += part;
    }
    return name;
  }

  uint32_t ColumnFor(const RowCtx& ctx) {
    StagedTable& t = tables_[ctx.table];
    const std::string_view rel = std::string_view(path_).substr(ctx.path_base);
    auto it = t.column_by_path.find(rel);
    if (it != t.column_by_path.end()) return it->second;
    StagedColumn col;
    col.name = f_->names().ColumnName(t.name, rel, JoinedName(ctx.seg_base));
    col.hint = f_->tracker().Hint(t.name, col.name);
    const uint32_t index = static_cast<uint32_t>(t.columns.size());
    t.columns.push_back(std::move(col));
    t.column_by_path.emplace(std::string(rel), index);
    return index;
  }

  int ChildFor(const RowCtx& ctx) {
    StagedTable& parent = tables_[ctx.table];
    const std::string_view rel = std::string_view(path_).substr(ctx.path_base);
    auto it = parent.child_by_path.find(rel);
    if (it != parent.child_by_path.end()) return it->second;
    std::string raw_key = parent.raw_key;
    raw_key.append(rel);
    std::string name =
        f_->names().TableName(raw_key, parent.name + "__" + JoinedName(ctx.seg_base));
    const int index = static_cast<int>(tables_.size());
    parent.child_by_path.emplace(std::string(rel), index);
    StagedTable& child = NewTable();  // invalidates `parent`
    child.raw_key = std::move(raw_key);
    child.name = std::move(name);
    child.parent = ctx.table;
    marks_.push_back({0, 0, 0});
    return index;
  }

  // An object or array where the column already holds scalars (here or in earlier batches) is
  // stored as JSON in that column instead of being expanded.
  bool PathHoldsScalar(const RowCtx& ctx) {
    const StagedColumn& c = tables_[ctx.table].columns[ColumnFor(ctx)];
    return c.holds_scalar || c.hint.type.id != TypeId::kNull;
  }

  bool WalkObject(od::object& obj, const RowCtx& ctx, int depth) {
    uint32_t position = 0;
    const size_t keys_mark = object_keys_.size();
    for (auto field_result : obj) {
      od::field field;
      if (auto e = std::move(field_result).get(field)) return Fail(e);
      std::string_view key;
      if (auto e = field.unescaped_key().get(key)) return Fail(e);
      // A repeated key is ambiguous (RFC 8259 leaves it open), and two arrays under one key
      // would give child rows the same ids: the document is rejected, not half-guessed.
      for (size_t k = keys_mark; k < object_keys_.size(); k++) {
        if (object_keys_[k] == key) {
          object_keys_.resize(keys_mark);
          return Fail("duplicate key \"" + std::string(key) + "\" in one object");
        }
      }
      object_keys_.push_back(key);
      const size_t mark = path_.size();
      PushKey(key, ++position);
      const bool ok = WalkValue(field.value(), ctx, depth);
      Pop(mark);
      if (!ok) {
        object_keys_.resize(keys_mark);
        return false;
      }
    }
    object_keys_.resize(keys_mark);
    return true;
  }

  // `depth`: nesting of the object that holds the value (0 = a row's top object).
  bool WalkValue(od::value value, const RowCtx& ctx, int depth) {
    od::json_type type;
    if (auto e = value.type().get(type)) return Fail(e);
    if (type == od::json_type::object) {
      od::object obj;
      if (auto e = value.get_object().get(obj)) return Fail(e);
      if (depth + 1 > max_nesting_ || PathHoldsScalar(ctx)) {
        std::string_view raw;
        if (auto e = obj.raw_json().get(raw)) return Fail(e);
        return AddJson(raw, ctx);
      }
      return WalkObject(obj, ctx, depth + 1);
    }
    if (type == od::json_type::array) {
      od::array arr;
      if (auto e = value.get_array().get(arr)) return Fail(e);
      if (depth + 1 > max_nesting_ || PathHoldsScalar(ctx)) {
        std::string_view raw;
        if (auto e = arr.raw_json().get(raw)) return Fail(e);
        return AddJson(raw, ctx);
      }
      return WalkArray(arr, ctx, depth + 1);
    }
    return AddScalar(value, type, ctx);
  }

  bool WalkArray(od::array& arr, const RowCtx& ctx, int depth) {
    const int child = ChildFor(ctx);
    int64_t index = 0;
    for (auto element_result : arr) {
      od::value element;
      if (auto e = std::move(element_result).get(element)) return Fail(e);
      const uint32_t row = OpenRow(child, ctx.row, index++);
      const RowCtx child_ctx{child, row, path_.size(), segs_.size()};
      od::json_type type;
      if (auto e = element.type().get(type)) return Fail(e);
      if (type == od::json_type::object && depth + 1 <= max_nesting_) {
        od::object obj;
        if (auto e = element.get_object().get(obj)) return Fail(e);
        if (!WalkObject(obj, child_ctx, depth + 1)) return false;
        continue;
      }
      // Scalars, inner arrays and too-deep objects go to the element row's `value` column.
      const size_t mark = path_.size();
      PushValue();
      bool ok;
      if (type == od::json_type::object || type == od::json_type::array) {
        ok = AddContainerJson(element, type, child_ctx);
      } else {
        ok = AddScalar(element, type, child_ctx);
      }
      Pop(mark);
      if (!ok) return false;
    }
    return true;
  }

  bool AddContainerJson(od::value& value, od::json_type type, const RowCtx& ctx) {
    std::string_view raw;
    if (type == od::json_type::object) {
      od::object obj;
      if (auto e = value.get_object().get(obj)) return Fail(e);
      if (auto e = obj.raw_json().get(raw)) return Fail(e);
    } else {
      od::array arr;
      if (auto e = value.get_array().get(arr)) return Fail(e);
      if (auto e = arr.raw_json().get(raw)) return Fail(e);
    }
    return AddJson(raw, ctx);
  }

  Cell& NewCell(const RowCtx& ctx, CellKind kind, InferredType type) {
    const uint32_t col = ColumnFor(ctx);
    StagedTable& t = tables_[ctx.table];
    if (kind != CellKind::kJson) t.columns[col].holds_scalar = true;
    Cell& c = t.cells.emplace_back();
    c.row = ctx.row;
    c.col = col;
    c.kind = kind;
    c.type = type;
    return c;
  }

  void SetText(const RowCtx& ctx, Cell* c, size_t begin) {
    const std::string& arena = tables_[ctx.table].arena;
    c->payload.s.off = static_cast<uint32_t>(begin);
    c->payload.s.len = static_cast<uint32_t>(arena.size() - begin);
  }

  bool AddScalar(od::value& value, od::json_type type, const RowCtx& ctx) {
    switch (type) {
      case od::json_type::null: {
        bool is_null = false;
        if (auto e = value.is_null().get(is_null)) return Fail(e);
        if (!is_null) return Fail(simdjson::N_ATOM_ERROR);
        return true;  // NULL is the absence of a cell
      }
      case od::json_type::boolean: {
        bool b;
        if (auto e = value.get_bool().get(b)) return Fail(e);
        NewCell(ctx, CellKind::kBool, {DataType::Of(TypeId::kBoolean)}).payload.i = b;
        return true;
      }
      case od::json_type::number: {
        const std::string_view token = TrimRight(value.raw_json_token());
        if (!IsJsonNumber(token)) return Fail(simdjson::NUMBER_ERROR);
        int64_t v;
        if (ParseInt64(token, &v)) {
          const uint8_t digits = static_cast<uint8_t>(token.size() - (token[0] == '-'));
          NewCell(ctx, CellKind::kInt, {DataType::Of(TypeId::kInt64), digits}).payload.i = v;
          return true;
        }
        // Same rule as CSV: plain decimals that fit 18 digits stay exact, the rest is double.
        InferredType t = ClassifyText(token);
        if (t.type.id != TypeId::kDecimal) t = {DataType::Of(TypeId::kDouble)};
        Cell& c = NewCell(ctx, CellKind::kNumber, t);
        std::string& arena = tables_[ctx.table].arena;
        const size_t begin = arena.size();
        arena.append(token);
        SetText(ctx, &c, begin);
        return true;
      }
      case od::json_type::string: {
        std::string_view s;
        if (auto e = value.get_string().get(s)) return Fail(e);
        InferredType t{DataType::Of(TypeId::kText)};
        if (s.size() >= 10 && s[0] >= '0' && s[0] <= '9' && s[4] == '-') {
          const InferredType c = ClassifyText(s);
          if (c.type.id == TypeId::kDate || c.type.id == TypeId::kTimestamp ||
              c.type.id == TypeId::kTimestampTz) {
            t = c;
          }
        }
        Cell& c = NewCell(ctx, CellKind::kString, t);
        std::string& arena = tables_[ctx.table].arena;
        const size_t begin = arena.size();
        arena.append(s);
        SetText(ctx, &c, begin);
        return true;
      }
      default:
        return Fail(simdjson::INCORRECT_TYPE);
    }
  }

  // Stores a skipped-over object/array as compact JSON. ondemand does not validate what it skips,
  // so the text is checked with the DOM parser (which also bounds nesting depth).
  bool AddJson(std::string_view raw, const RowCtx& ctx) {
    static thread_local simdjson::dom::parser validator;
    simdjson::dom::element ignored;
    // `raw` lies inside the padded document buffer, so no copy is needed.
    if (auto e = validator.parse(raw.data(), raw.size(), false).get(ignored)) return Fail(e);
    Cell& c = NewCell(ctx, CellKind::kJson, {DataType::Of(TypeId::kJson)});
    std::string& arena = tables_[ctx.table].arena;
    const size_t begin = arena.size();
    AppendCompactJson(raw, &arena);
    SetText(ctx, &c, begin);
    return true;
  }

  void Rollback() {
    for (size_t i = 0; i < tables_.size(); i++) {
      const Mark& m = i < marks_.size() ? marks_[i] : Mark{0, 0, 0};
      tables_[i].cells.resize(m.cells);
      tables_[i].arena.resize(m.arena);
      tables_[i].rows.resize(m.rows);
    }
  }

  std::string_view Text(const StagedTable& t, const Cell& c) const {
    return std::string_view(t.arena).substr(c.payload.s.off, c.payload.s.len);
  }

  // Computes ids top-down: rows were opened in pre-order, so parents come first.
  bool AssignIds(std::string_view source, uint64_t position) {
    for (auto [table, row] : doc_rows_) {
      StagedTable& t = tables_[table];
      RowLink& link = t.rows[row];
      if (table == 0) {
        hasher_.Add(t.name);
        if (pk_names_.empty()) {
          hasher_.Add(source);
          hasher_.Add(position);
        } else if (!HashPrimaryKey(row)) {
          return false;
        }
      } else {
        const StagedTable& parent = tables_[t.parent];
        hasher_.Add(std::string_view(parent.rows[link.parent_row].id, kJsonIdLength));
        hasher_.Add(t.raw_key);
        hasher_.Add(static_cast<uint64_t>(link.list_index));
      }
      hasher_.Finish(link.id);
    }
    return true;
  }

  bool HashPrimaryKey(uint32_t row) {
    StagedTable& root = tables_[0];
    if (pk_cols_.size() != pk_names_.size() || pk_cols_seen_ != root.columns.size()) {
      pk_cols_.assign(pk_names_.size(), -1);
      for (size_t k = 0; k < pk_names_.size(); k++) {
        for (size_t c = 0; c < root.columns.size(); c++) {
          if (root.columns[c].name == pk_names_[k]) pk_cols_[k] = static_cast<int>(c);
        }
      }
      pk_cols_seen_ = root.columns.size();
    }
    const size_t first = marks_.empty() ? 0 : marks_[0].cells;
    for (size_t k = 0; k < pk_names_.size(); k++) {
      const Cell* found = nullptr;
      for (size_t i = first; i < root.cells.size() && pk_cols_[k] >= 0; i++) {
        const Cell& c = root.cells[i];
        if (c.row == row && c.col == static_cast<uint32_t>(pk_cols_[k])) found = &c;
      }
      if (found == nullptr) {
        return Fail("primary key column '" + pk_names_[k] + "' is missing or null");
      }
      char buf[24];
      switch (found->kind) {
        case CellKind::kBool:
          hasher_.Add(found->payload.i ? "true" : "false");
          break;
        case CellKind::kInt: {
          auto r = std::to_chars(buf, buf + sizeof buf, found->payload.i);
          hasher_.Add(std::string_view(buf, size_t(r.ptr - buf)));
          break;
        }
        default:
          hasher_.Add(Text(root, *found));
          break;
      }
    }
    return true;
  }

  // Appends one staged value to a column of type `type`; false if it does not fit.
  bool AppendCell(DataType type, const StagedTable& t, const Cell& c, Column* col) const {
    char buf[32];
    std::string_view text;
    if (c.kind == CellKind::kBool) {
      text = c.payload.i ? "true" : "false";
    } else if (c.kind == CellKind::kInt) {
      auto r = std::to_chars(buf, buf + sizeof buf, c.payload.i);
      text = std::string_view(buf, size_t(r.ptr - buf));
    } else {
      text = Text(t, c);
    }
    switch (type.id) {
      case TypeId::kBoolean:
        if (c.kind != CellKind::kBool) return false;
        col->AppendBoolean(c.payload.i != 0);
        return true;
      case TypeId::kInt64:
        if (c.kind != CellKind::kInt) return false;
        col->AppendInt64(c.payload.i);
        return true;
      case TypeId::kDecimal:
      case TypeId::kDouble:
        if (c.kind != CellKind::kInt && c.kind != CellKind::kNumber) return false;
        if (type.id == TypeId::kDouble && c.kind == CellKind::kInt) {
          col->AppendDouble(static_cast<double>(c.payload.i));
          return true;
        }
        return AppendTextAs(type, text, col);
      case TypeId::kDate:
      case TypeId::kTimestamp:
      case TypeId::kTimestampTz:
        if (c.kind != CellKind::kString) return false;
        return AppendTextAs(type, text, col);
      case TypeId::kJson:
        if (c.kind == CellKind::kString) {
          scratch_.clear();
          AppendJsonString(text, &scratch_);
          col->AppendString(scratch_);
          return true;
        }
        col->AppendString(text);
        return true;
      default:  // text (binary and null never come out of the join here)
        col->AppendString(text);
        return true;
    }
  }

  // Builds a column from the cells `order[begin, end)` (all of one column, in row order).
  bool BuildColumn(DataType type, const StagedTable& t, const std::vector<uint32_t>& order,
                   size_t begin, size_t end, size_t rows, Column* col) const {
    col->Reset(type);
    col->Reserve(rows);
    uint32_t next_row = 0;
    for (size_t k = begin; k < end; k++) {
      const Cell& c = t.cells[order[k]];
      // A key repeated in one object: the last value wins.
      if (k + 1 < end && t.cells[order[k + 1]].row == c.row) continue;
      for (; next_row < c.row; next_row++) col->AppendNull();
      if (!AppendCell(type, t, c, col)) return false;
      next_row++;
    }
    for (; next_row < rows; next_row++) col->AppendNull();
    return true;
  }

  Batch Build(const StagedTable& t) {
    Batch batch;
    batch.table = t.name;
    batch.num_rows = t.rows.size();
    const size_t rows = t.rows.size();
    batch.origins.reserve(rows);
    for (const RowLink& r : t.rows) batch.origins.push_back(r.origin);
    // Link columns first: they exist in every batch, so they keep a stable position.
    Column ids(DataType::Of(TypeId::kUuid));
    ids.Reserve(rows);
    for (const RowLink& r : t.rows) ids.AppendString(std::string_view(r.id, kJsonIdLength));
    batch.names.emplace_back(kSluiceIdColumn);
    batch.columns.push_back(std::move(ids));
    if (t.parent >= 0) {
      const StagedTable& parent = tables_[t.parent];
      Column parent_ids(DataType::Of(TypeId::kUuid));
      Column index(DataType::Of(TypeId::kInt64));
      parent_ids.Reserve(rows);
      index.Reserve(rows);
      for (const RowLink& r : t.rows) {
        parent_ids.AppendString(std::string_view(parent.rows[r.parent_row].id, kJsonIdLength));
        index.AppendInt64(r.list_index);
      }
      batch.names.emplace_back(kParentIdColumn);
      batch.columns.push_back(std::move(parent_ids));
      batch.names.emplace_back(kListIndexColumn);
      batch.columns.push_back(std::move(index));
    }
    // Bucket the cells by column (stable, so each bucket stays in row order).
    const size_t ncols = t.columns.size();
    std::vector<uint32_t> start(ncols + 1, 0);
    std::vector<InferredType> types(ncols);
    for (size_t c = 0; c < ncols; c++) types[c] = t.columns[c].hint;
    for (const Cell& c : t.cells) {
      start[c.col + 1]++;
      types[c.col] = Join(types[c.col], c.type);
    }
    for (size_t c = 0; c < ncols; c++) start[c + 1] += start[c];
    std::vector<uint32_t> order(t.cells.size());
    {
      std::vector<uint32_t> fill(start.begin(), start.end() - 1);
      for (uint32_t i = 0; i < t.cells.size(); i++) order[fill[t.cells[i].col]++] = i;
    }
    for (size_t c = 0; c < ncols; c++) {
      if (start[c] == start[c + 1]) continue;  // only nulls, or only from rejected documents
      InferredType type = types[c];
      Column col;
      if (!BuildColumn(type.type, t, order, start[c], start[c + 1], rows, &col)) {
        // Defensive: the join should make every value fit; never lose data if it does not.
        type = {DataType::Of(type.type.id == TypeId::kJson ? TypeId::kJson : TypeId::kText)};
        BuildColumn(type.type, t, order, start[c], start[c + 1], rows, &col);
      }
      if (type.type != t.columns[c].hint.type || type.int_digits != t.columns[c].hint.int_digits) {
        f_->tracker().Observe(t.name, t.columns[c].name, type);
      }
      batch.names.push_back(t.columns[c].name);
      batch.columns.push_back(std::move(col));
    }
    return batch;
  }

  JsonFlattener* f_;
  const int max_nesting_;
  std::vector<std::string> pk_names_;
  std::vector<int> pk_cols_;
  size_t pk_cols_seen_ = 0;

  std::vector<StagedTable> tables_;
  std::vector<std::vector<Cell>> spare_cells_;
  std::vector<std::string> spare_arenas_;
  std::vector<std::vector<RowLink>> spare_rows_;
  std::vector<Mark> marks_;
  std::vector<std::pair<int, uint32_t>> doc_rows_;
  RowOrigin origin_;  // of the document being added
  std::string path_;
  std::vector<Segment> segs_;
  std::vector<std::string_view> object_keys_;  // keys of the objects being walked, innermost last
  simdjson::error_code err_ = simdjson::SUCCESS;
  std::string error_;
  size_t documents_ = 0;
  JsonIdHasher hasher_;
  mutable std::string scratch_;
};

JsonBatchBuilder::JsonBatchBuilder(JsonFlattener* flattener)
    : impl_(std::make_unique<Impl>(flattener)) {}
JsonBatchBuilder::~JsonBatchBuilder() = default;

bool JsonBatchBuilder::Add(std::string_view json, std::string_view source, uint64_t position,
                           uint64_t line,
                           std::string* error) {
  return impl_->Add(json, source, position, line, error);
}

bool JsonBatchBuilder::AddUnpadded(std::string_view json, std::string_view source,
                                   uint64_t position, uint64_t line, std::string* error) {
  std::string copy;
  copy.reserve(json.size() + kJsonPadding);
  copy.append(json);
  copy.append(kJsonPadding, ' ');
  return impl_->Add(std::string_view(copy.data(), json.size()), source, position, line, error);
}

size_t JsonBatchBuilder::documents() const {
  return impl_->documents();
}

std::vector<Batch> JsonBatchBuilder::Finish() {
  return impl_->Finish();
}

}  // namespace sluice
