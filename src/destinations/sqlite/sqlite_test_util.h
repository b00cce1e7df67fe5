#pragma once
// For the SQLite destination tests: batches from text cells, a fixture with a fresh database
// file per test, and queries whose rows come back as "a|b|c" lines.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/batch.h"
#include "core/value_parse.h"
#include "destinations/sqlite/sqlite_connection.h"
#include "destinations/sqlite/sqlite_destination.h"

namespace sluice::sqlite_test {

using Cell = std::optional<std::string>;  // std::nullopt = NULL
using Rows = std::vector<std::string>;

inline const DataType kBool = DataType::Of(TypeId::kBoolean);
inline const DataType kInt = DataType::Of(TypeId::kInt64);
inline const DataType kDouble = DataType::Of(TypeId::kDouble);
inline const DataType kDate = DataType::Of(TypeId::kDate);
inline const DataType kTs = DataType::Of(TypeId::kTimestamp);
inline const DataType kTsTz = DataType::Of(TypeId::kTimestampTz);
inline const DataType kText = DataType::Of(TypeId::kText);
inline const DataType kJson = DataType::Of(TypeId::kJson);
inline const DataType kBinary = DataType::Of(TypeId::kBinary);
inline const DataType kUuid = DataType::Of(TypeId::kUuid);
inline DataType Dec(uint8_t scale) {
  return DataType::Decimal(scale);
}

// "00112233-4455-6677-8899-aabbccddeeff" -> its 16 bytes.
inline std::string UuidBytes(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); i++) {
    if (text[i] == '-') continue;
    out += char(std::stoi(text.substr(i, 2), nullptr, 16));
    i++;
  }
  return out;
}

// Appends a cell written as sluice's canonical text for `type` (decimals like "-1.50").
inline void AppendCell(Column& col, const Cell& cell) {
  if (!cell) {
    col.AppendNull();
    return;
  }
  const std::string& v = *cell;
  const DataType t = col.type();
  bool ok = true;
  switch (t.id) {
    case TypeId::kBoolean:
      col.AppendBoolean(v == "true");
      break;
    case TypeId::kInt64: {
      int64_t x = 0;
      ok = std::from_chars(v.data(), v.data() + v.size(), x).ec == std::errc();
      col.AppendInt64(x);
      break;
    }
    case TypeId::kDecimal: {
      int64_t x = 0;
      ok = ParseDecimal(v, t.scale, &x);
      col.AppendDecimal(x);
      break;
    }
    case TypeId::kDouble: {
      double x = 0;
      ok = std::from_chars(v.data(), v.data() + v.size(), x).ec == std::errc();
      col.AppendDouble(x);
      break;
    }
    case TypeId::kDate: {
      int32_t d = 0;
      ok = ParseDate(v, &d);
      col.AppendDate(d);
      break;
    }
    case TypeId::kTimestamp:
    case TypeId::kTimestampTz: {
      int64_t m = 0;
      bool zone = false;
      ok = ParseTimestamp(v, &m, &zone);
      col.AppendTimestamp(m);
      break;
    }
    case TypeId::kUuid:
      col.AppendString(UuidBytes(v));
      break;
    default:
      col.AppendString(v);
  }
  if (!ok) ADD_FAILURE() << "test cell '" << v << "' is not a " << TypeName(t);
}

inline Batch MakeBatch(const std::string& table, std::vector<std::string> names,
                       std::vector<DataType> types, const std::vector<std::vector<Cell>>& rows) {
  Batch b;
  b.table = table;
  b.names = std::move(names);
  for (const auto& t : types) b.columns.emplace_back(t);
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size(); c++) AppendCell(b.columns[c], row[c]);
  }
  b.num_rows = rows.size();
  return b;
}

// The table a batch would need: its columns with its types.
inline TableSchema SchemaOf(const Batch& b) {
  TableSchema s{b.table, {}};
  for (size_t i = 0; i < b.names.size(); i++)
    s.columns.push_back({b.names[i], b.columns[i].type()});
  return s;
}

// Renders a value: NULL, integers and text as SQLite gives them, REAL with the shortest text
// that reads back as the same double (so "exact" can be checked), BLOB as x'hex'.
inline std::string Render(sqlite3_stmt* s, int i) {
  switch (sqlite3_column_type(s, i)) {
    case SQLITE_NULL:
      return "NULL";
    case SQLITE_FLOAT: {
      char buf[64];
      const auto r = std::to_chars(buf, buf + 64, sqlite3_column_double(s, i));
      return std::string(buf, r.ptr);
    }
    case SQLITE_BLOB: {
      static const char kHex[] = "0123456789abcdef";
      const auto* p = static_cast<const unsigned char*>(sqlite3_column_blob(s, i));
      std::string out = "x'";
      for (int k = 0; k < sqlite3_column_bytes(s, i); k++) {
        out += kHex[p[k] >> 4];
        out += kHex[p[k] & 15];
      }
      return out + "'";
    }
    default:
      return std::string(reinterpret_cast<const char*>(sqlite3_column_text(s, i)),
                         size_t(sqlite3_column_bytes(s, i)));
  }
}

inline Rows QueryRows(sqlite::Connection& con, const std::string& sql) {
  Rows out;
  sqlite::Statement s = con.Prepare(sql);
  while (s.Step()) {
    std::string line;
    for (int i = 0; i < sqlite3_column_count(s.get()); i++) {
      if (i) line += '|';
      line += Render(s.get(), i);
    }
    out.push_back(line);
  }
  return out;
}

class SqliteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Parameterized tests are named "Test/Param": one directory, not two levels.
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::replace(name.begin(), name.end(), '/', '_');
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("sluice_sqlite_" + std::to_string(::getpid()) + "_" + name);
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "test.db").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<SqliteDestination> Open(sqlite::SqliteOptions options = {}) {
    return SqliteDestination::Open(path_, options);
  }
  LoadPlan Plan(WriteMode mode, std::vector<std::string> key = {}) {
    LoadPlan p;
    p.load_id = "load-" + std::to_string(++loads_);
    p.pipeline = "test";
    p.mode = mode;
    p.primary_key = std::move(key);
    p.root_table = "t";
    return p;
  }
  LoadPlan Merge(std::vector<std::string> key,
                 MergeStrategy strategy = MergeStrategy::kDeleteInsert) {
    LoadPlan p = Plan(WriteMode::kMerge, std::move(key));
    p.merge_strategy = strategy;
    return p;
  }
  // Creates the batch's table or adds the columns it lacks, as the schema evolver would.
  static void Evolve(Destination& dest, const Batch& b) {
    const auto family = dest.ReadTables(b.table);
    if (family.empty() || family[0].name != b.table) {
      dest.CreateTable(SchemaOf(b));
      return;
    }
    for (size_t i = 0; i < b.names.size(); i++) {
      if (family[0].FindColumn(b.names[i]) < 0) {
        dest.AddColumn(b.table, {b.names[i], b.columns[i].type()});
      }
    }
  }
  // One committed load of the batches, in order.
  void Load(const LoadPlan& plan, std::vector<Batch> batches, const LoadRecord& record = {}) {
    auto dest = Open();
    dest->Begin(plan);
    for (auto& b : batches) {
      Evolve(*dest, b);
      dest->Write(b);
    }
    dest->Commit(record);
  }
  void Load(WriteMode mode, std::vector<Batch> batches) { Load(Plan(mode), std::move(batches)); }

  Rows Query(const std::string& sql) {
    sqlite::Connection con(path_);
    return QueryRows(con, sql);
  }
  // Tables in the file other than sluice's metadata, in name order.
  Rows UserTables() {
    return Query(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE '\\_sluice\\_%' "
        "ESCAPE '\\' ORDER BY name");
  }

  std::filesystem::path dir_;
  std::string path_;
  int loads_ = 0;
};

}  // namespace sluice::sqlite_test
