#include "formats/parquet/parquet_source.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/error.h"
#include "destinations/duckdb/duckdb_connection.h"
#include "formats/json/json_source.h"
#include "io/input_stream.h"

namespace sluice {
namespace {

// Fixtures are written by DuckDB at test time (COPY ... TO ... (FORMAT parquet)).
class ParquetSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("sluice_parquet_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Path(const std::string& name) const { return (dir_ / name).string(); }
  std::string Write(const std::string& name, const std::string& select,
                    const std::string& copy_options = "") {
    const std::string path = Path(name);
    duckdb_.Execute("COPY (" + select + ") TO '" + path + "' (FORMAT parquet" + copy_options + ")");
    return path;
  }

  std::filesystem::path dir_;
  DuckDbConnection duckdb_{":memory:"};
};

struct Loaded {
  std::map<std::string, std::vector<Batch>> batches;     // by table, in order
  std::map<std::string, std::vector<std::string>> rows;  // table -> "col=value|..." per row
  std::vector<uint64_t> root_lines;                      // absolute origins of root rows
  size_t chunks = 0;
};

std::string RowText(const Batch& b, size_t row, bool with_ids = true) {
  std::string s;
  for (size_t c = 0; c < b.columns.size(); c++) {
    if (!with_ids && b.names[c].rfind("_sluice_", 0) == 0) continue;
    s += b.names[c] + "=";
    if (b.columns[c].IsValid(row)) {
      b.columns[c].AppendValueAsText(row, &s);
    } else {
      s += "NULL";
    }
    s += "|";
  }
  return s;
}

Loaded Drain(Source* source, bool with_ids = true) {
  Loaded out;
  std::vector<uint64_t> lines_before(source->files().size(), 0);
  RawChunk chunk;
  while (source->ReadChunk(&chunk)) {
    out.chunks++;
    ParsedChunk parsed = source->ParseChunk(std::move(chunk));
    chunk = RawChunk();
    for (Batch& b : parsed.batches) {
      for (size_t r = 0; r < b.num_rows; r++) out.rows[b.table].push_back(RowText(b, r, with_ids));
      if (b.table == source->table()) {
        for (const RowOrigin& o : b.origins) {
          out.root_lines.push_back(o.line + lines_before[parsed.file_index]);
        }
      }
      out.batches[b.table].push_back(std::move(b));
    }
    lines_before[parsed.file_index] += parsed.lines;
  }
  return out;
}

Loaded Load(const std::vector<std::string>& paths, ParquetOptions options = {},
            bool with_ids = true) {
  if (options.table.empty()) options.table = "T";
  std::vector<InputFile> files;
  for (const auto& p : paths) files.push_back({p, -1});
  auto source = MakeParquetSource(std::move(files), std::move(options));
  return Drain(source.get(), with_ids);
}

DataType TypeOf(const Loaded& l, const std::string& table, const std::string& column) {
  const Batch& b = l.batches.at(table).at(0);
  const int c = b.FindColumn(column);
  EXPECT_GE(c, 0) << column;
  return c < 0 ? DataType{} : b.columns[c].type();
}

TEST_F(ParquetSourceTest, MapsEveryScalarTypeToSluiceTypes) {
  const std::string path = Write("types.parquet", R"(
    SELECT * FROM (VALUES
      (true, -8::TINYINT, -16::SMALLINT, -32::INTEGER, -64::BIGINT, 8::UTINYINT, 16::USMALLINT,
       32::UINTEGER, 64::UBIGINT, 0.1::FLOAT, 2.5::DOUBLE, 12.34::DECIMAL(4,2),
       123456.789::DECIMAL(9,3), 12345678901234.5678::DECIMAL(18,4),
       12345678901234567890.12::DECIMAL(30,2), 'héllo'::VARCHAR, '{"a":[1,2]}'::JSON,
       'a\x00b'::BLOB, DATE '2024-02-29', TIME '13:45:06.5', TIMESTAMP '2024-01-02 03:04:05.123456',
       TIMESTAMP_MS '2024-01-02 03:04:05.123', TIMESTAMP_S '2024-01-02 03:04:05',
       TIMESTAMP_NS '2024-01-02 03:04:05.123456789', TIMESTAMPTZ '2024-01-02 03:04:05+00',
       INTERVAL '1 year 2 days 3 seconds', '6ba7b810-9dad-11d1-80b4-00c04fd430c8'::UUID,
       'red'::ENUM('red', 'green'), 170141183460469231731687303715884105727::HUGEINT),
      (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)
    ) t(b, i8, i16, i32, i64, u8, u16, u32, u64, f, d, dec4, dec9, dec18, dec30, s, j, blob, dt,
        tm, ts, ts_ms, ts_s, ts_ns, tstz, iv, id, color, huge))");
  Loaded l = Load({path});
  ASSERT_EQ(l.rows["t"].size(), 2u);
  const std::string blob("a\0b", 3);
  EXPECT_EQ(l.rows["t"][0],
            "b=true|i8=-8|i16=-16|i32=-32|i64=-64|u8=8|u16=16|u32=32|u64=64|f=0.1|d=2.5|"
            "dec4=12.34|dec9=123456.789|dec18=12345678901234.5678|dec30=12345678901234567890.12|"
            "s=h\xc3\xa9llo|j={\"a\":[1,2]}|blob=" +
                blob +
                "|dt=2024-02-29|tm=13:45:06.5|"
                "ts=2024-01-02 03:04:05.123456|ts_ms=2024-01-02 03:04:05.123000|"
                "ts_s=2024-01-02 03:04:05|ts_ns=2024-01-02 03:04:05.123456|"
                "tstz=2024-01-02 03:04:05+00|iv=1 year 2 days 00:00:03|"
                "id=6ba7b810-9dad-11d1-80b4-00c04fd430c8|color=red|"
                "huge=1.7014118346046923e+38|");
  EXPECT_EQ(l.rows["t"][1].find("=true"), std::string::npos);
  for (const char* c : {"b", "i8", "u64", "f", "dec30", "s", "j", "blob", "dt", "tm", "ts", "tstz",
                        "iv", "id", "color", "huge"}) {
    EXPECT_NE(l.rows["t"][1].find(std::string(c) + "=NULL|"), std::string::npos) << c;
  }
  EXPECT_EQ(TypeOf(l, "t", "b"), DataType::Of(TypeId::kBoolean));
  for (const char* c : {"i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64"}) {
    EXPECT_EQ(TypeOf(l, "t", c), DataType::Of(TypeId::kInt64)) << c;
  }
  EXPECT_EQ(TypeOf(l, "t", "f"), DataType::Of(TypeId::kDouble));
  EXPECT_EQ(TypeOf(l, "t", "dec4"), DataType::Decimal(2));
  EXPECT_EQ(TypeOf(l, "t", "dec9"), DataType::Decimal(3));
  EXPECT_EQ(TypeOf(l, "t", "dec18"), DataType::Decimal(4));
  EXPECT_EQ(TypeOf(l, "t", "dec30"), DataType::Of(TypeId::kText));
  EXPECT_EQ(TypeOf(l, "t", "s"), DataType::Of(TypeId::kText));
  EXPECT_EQ(TypeOf(l, "t", "j"), DataType::Of(TypeId::kJson));
  EXPECT_EQ(TypeOf(l, "t", "blob"), DataType::Of(TypeId::kBinary));
  EXPECT_EQ(TypeOf(l, "t", "dt"), DataType::Of(TypeId::kDate));
  EXPECT_EQ(TypeOf(l, "t", "tm"), DataType::Of(TypeId::kText));
  for (const char* c : {"ts", "ts_ms", "ts_s", "ts_ns"}) {
    EXPECT_EQ(TypeOf(l, "t", c), DataType::Of(TypeId::kTimestamp)) << c;
  }
  EXPECT_EQ(TypeOf(l, "t", "tstz"), DataType::Of(TypeId::kTimestampTz));
  EXPECT_EQ(TypeOf(l, "t", "iv"), DataType::Of(TypeId::kText));
  EXPECT_EQ(TypeOf(l, "t", "id"), DataType::Of(TypeId::kUuid));
  EXPECT_EQ(TypeOf(l, "t", "color"), DataType::Of(TypeId::kText));
}

TEST_F(ParquetSourceTest, UbigintBeyondInt64LoadsAsExactText) {
  const std::string path = Write(
      "u.parquet", "SELECT * FROM (VALUES (1::UBIGINT), (18446744073709551615::UBIGINT)) t(u)");
  Loaded l = Load({path});
  ASSERT_EQ(l.rows["t"].size(), 2u);
  EXPECT_EQ(l.rows["t"][0], "u=1|");
  EXPECT_EQ(l.rows["t"][1], "u=18446744073709551615|");
  EXPECT_EQ(TypeOf(l, "t", "u"), DataType::Of(TypeId::kText));
}

TEST_F(ParquetSourceTest, FlattensStructsIntoParentChildColumnsWithNulls) {
  const std::string path = Write("s.parquet", R"(
    SELECT * FROM (VALUES
      (1, {'Name': 'ann', 'Address': {'City': 'Oslo', 'Zip': 150}, 'since': TIME '01:02:03'}),
      (2, NULL),
      (3, {'Name': NULL, 'Address': NULL, 'since': NULL})) t(id, "User"))");
  Loaded l = Load({path});
  ASSERT_EQ(l.rows["t"].size(), 3u);
  EXPECT_EQ(l.rows["t"][0],
            "id=1|user__name=ann|user__address__city=Oslo|user__address__zip=150|"
            "user__since=01:02:03|");
  EXPECT_EQ(l.rows["t"][1],
            "id=2|user__name=NULL|user__address__city=NULL|user__address__zip=NULL|"
            "user__since=NULL|");
  EXPECT_EQ(l.rows["t"][2], l.rows["t"][1].replace(3, 1, "3"));
  EXPECT_EQ(l.batches.size(), 1u);  // no child tables, no ids: structs are just columns
}

TEST_F(ParquetSourceTest, StructsDeeperThanMaxNestingStayJson) {
  const std::string path = Write("d.parquet", "SELECT {'a': {'b': 1}} AS s");
  ParquetOptions options;
  options.max_nesting = 1;
  Loaded l = Load({path}, options);
  ASSERT_EQ(l.rows["t"].size(), 1u);
  EXPECT_EQ(l.rows["t"][0], "s__a={\"b\":1}|");
  EXPECT_EQ(TypeOf(l, "t", "s__a"), DataType::Of(TypeId::kJson));
}

// The same records as NDJSON and as Parquet give the same tables, columns and values (ids
// differ only because JSON derives them from byte offsets, Parquet from row numbers).
TEST_F(ParquetSourceTest, ListsBecomeChildTablesExactlyLikeTheJsonReader) {
  const std::string select = R"(
    SELECT * FROM (VALUES
      (1, ['a', 'b'], [{'sku': 'x1', 'qty': 2, 'tags': ['new']}, {'sku': 'x2', 'qty': 1, 'tags': []}],
       {'label': 'p', 'points': [1, 2]}),
      (2, [], NULL, {'label': 'q', 'points': NULL}),
      (3, NULL, [{'sku': 'y', 'qty': NULL, 'tags': ['a', 'b']}], NULL)
    ) t(id, tags, items, shape))";
  const std::string parquet = Write("orders.parquet", select);
  const std::string ndjson = Path("orders.ndjson");
  duckdb_.Execute("COPY (" + select + ") TO '" + ndjson + "' (FORMAT json)");

  ParquetOptions p;
  p.table = "orders";
  Loaded from_parquet = Load({parquet}, p, /*with_ids=*/false);
  JsonOptions j;
  j.table = "orders";
  auto json_source = MakeJsonSource({{ndjson, -1}}, j);
  Loaded from_json = Drain(json_source.get(), /*with_ids=*/false);

  std::set<std::string> parquet_tables, json_tables;
  for (const auto& [t, rows] : from_parquet.rows) parquet_tables.insert(t);
  for (const auto& [t, rows] : from_json.rows) json_tables.insert(t);
  EXPECT_EQ(parquet_tables, json_tables);
  EXPECT_EQ(parquet_tables,
            (std::set<std::string>{"orders", "orders__tags", "orders__items", "orders__items__tags",
                                   "orders__shape__points"}));
  for (const auto& table : json_tables) {
    // Child rows carry the same columns and values (list index included).
    std::vector<std::string> a = from_parquet.rows[table], b = from_json.rows[table];
    if (table == "orders") {
      // Root column order differs (direct columns first); compare as sets of fields.
      ASSERT_EQ(a.size(), b.size());
      for (size_t r = 0; r < a.size(); r++) {
        auto fields = [](const std::string& row) {
          std::multiset<std::string> out;
          size_t begin = 0;
          for (size_t bar; (bar = row.find('|', begin)) != std::string::npos; begin = bar + 1) {
            const std::string f = row.substr(begin, bar - begin);
            if (f.size() < 5 || f.substr(f.size() - 5) != "=NULL") out.insert(f);
          }
          return out;
        };
        EXPECT_EQ(fields(a[r]), fields(b[r])) << a[r] << " vs " << b[r];
      }
      continue;
    }
    EXPECT_EQ(a, b) << table;
  }
  EXPECT_EQ(from_parquet.rows["orders__items"][0], "sku=x1|qty=2|");
  EXPECT_EQ(from_parquet.rows["orders__items__tags"].size(), 3u);
}

TEST_F(ParquetSourceTest, ChildRowsLinkToTheirParentRowsIds) {
  const std::string path = Write("l.parquet", R"(
    SELECT * FROM (VALUES (10, [{'v': 1}, {'v': 2}]), (20, [{'v': 3}])) t(id, items))");
  Loaded l = Load({path});
  const Batch& root = l.batches.at("t").at(0);
  const Batch& items = l.batches.at("t__items").at(0);
  ASSERT_EQ(root.names[0], "_sluice_id");
  ASSERT_EQ(items.num_rows, 3u);
  const int parent = items.FindColumn("_sluice_parent_id");
  const int index = items.FindColumn("_sluice_list_idx");
  ASSERT_GE(parent, 0);
  EXPECT_EQ(items.columns[parent].GetString(0), root.columns[0].GetString(0));
  EXPECT_EQ(items.columns[parent].GetString(1), root.columns[0].GetString(0));
  EXPECT_EQ(items.columns[parent].GetString(2), root.columns[0].GetString(1));
  EXPECT_EQ(items.columns[index].GetInt64(1), 1);
  EXPECT_NE(root.columns[0].GetString(0), root.columns[0].GetString(1));
  // Ids are deterministic: a second read of the same file gives the same ids.
  Loaded again = Load({path});
  EXPECT_EQ(again.rows["t"], l.rows["t"]);
  EXPECT_EQ(again.rows["t__items"], l.rows["t__items"]);
}

TEST_F(ParquetSourceTest, MapsBecomeChildRowsOfKeyAndValue) {
  const std::string path = Write("m.parquet", R"(
    SELECT * FROM (VALUES (1, MAP {'color': 'red', 'size': 'L'}), (2, MAP {}), (3, NULL)) t(id, attrs))");
  Loaded l = Load({path}, {}, /*with_ids=*/false);
  EXPECT_EQ(l.rows["t"], (std::vector<std::string>{"id=1|", "id=2|", "id=3|"}));
  EXPECT_EQ(l.rows["t__attrs"],
            (std::vector<std::string>{"key=color|value=red|", "key=size|value=L|"}));
}

TEST_F(ParquetSourceTest, MapsInsideListsAreEntriesToo) {
  const std::string path =
      Write("ml.parquet", "SELECT [{'m': MAP {'k': [1, 2]}}] AS l, {'x': MAP {'a': 1}} AS s");
  Loaded l = Load({path}, {}, /*with_ids=*/false);
  EXPECT_EQ(l.rows["t__l__m"], (std::vector<std::string>{"key=k|"}));
  EXPECT_EQ(l.rows["t__l__m__value"].size(), 2u);
  EXPECT_EQ(l.rows["t__s__x"], (std::vector<std::string>{"key=a|value=1|"}));
}

TEST_F(ParquetSourceTest, ReadsRowGroupsAndFilesInOrderWithRowNumbersAsOrigins) {
  const std::string a = Write("a.parquet", "SELECT range AS n, range % 7 AS m FROM range(5000)",
                              ", ROW_GROUP_SIZE 1000");
  const std::string b = Write("b.parquet", "SELECT range + 5000 AS n, 1 AS m FROM range(3000)",
                              ", ROW_GROUP_SIZE 1000");
  ParquetOptions options;
  options.rows_per_chunk = 1500;  // several chunks per file, cut inside row groups
  Loaded l = Load({a, b}, options);
  ASSERT_EQ(l.rows["t"].size(), 8000u);
  EXPECT_GE(l.chunks, 5u);
  for (size_t i = 0; i < 8000; i++) {
    ASSERT_EQ(l.rows["t"][i].substr(0, l.rows["t"][i].find('|')), "n=" + std::to_string(i));
    const uint64_t row_in_file = i < 5000 ? i + 1 : i - 5000 + 1;
    ASSERT_EQ(l.root_lines[i], row_in_file) << i;
  }
}

TEST_F(ParquetSourceTest, ChunksOfLongStringsAreCutByBytesNotOnlyRows) {
  // 40 x 2048 rows of 1 KiB strings = 80 MiB of text, cut at 8 MiB.
  const std::string path = Write("long.parquet",
                                 "SELECT range AS n, repeat('x', 1024) || range AS s "
                                 "FROM range(40 * 2048)");
  std::vector<InputFile> files = {{path, -1}};
  ParquetOptions options;
  options.table = "t";
  options.chunk_text_bytes = size_t{8} << 20;
  auto source = MakeParquetSource(std::move(files), options);
  RawChunk chunk;
  size_t chunks = 0, rows = 0;
  while (source->ReadChunk(&chunk)) {
    ParsedChunk parsed = source->ParseChunk(std::move(chunk));
    chunk = RawChunk();
    chunks++;
    ASSERT_LE(parsed.batches.at(0).num_rows, 5u * 2048);
    rows += parsed.batches.at(0).num_rows;
  }
  EXPECT_EQ(rows, 40u * 2048);
  EXPECT_GE(chunks, 5u);
}

TEST_F(ParquetSourceTest, ProjectionReadsOnlyTheNamedColumnsInTheGivenOrder) {
  const std::string path = Write("p.parquet", "SELECT 1 AS a, 'x' AS \"B c\", [1] AS l, 3 AS d");
  ParquetOptions options;
  options.columns = {"d", "b_c"};  // Parquet names or their normalized names
  Loaded l = Load({path}, options);
  EXPECT_EQ(l.rows["t"], (std::vector<std::string>{"d=3|b_c=x|"}));
  EXPECT_EQ(l.batches.size(), 1u);  // the list column was not read: no child table
}

TEST_F(ParquetSourceTest, ProjectionOfUnknownColumnsIsAUsageErrorNamingThem) {
  const std::string path = Write("p.parquet", "SELECT 1 AS a, 2 AS b");
  ParquetOptions options;
  options.table = "t";
  options.columns = {"a", "nope", "zzz"};
  try {
    MakeParquetSource({{path, -1}}, options);
    FAIL() << "expected a usage error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUsage);
    const std::string m = e.what();
    EXPECT_NE(m.find("'nope', 'zzz'"), std::string::npos) << m;
    EXPECT_NE(m.find("its columns: a, b"), std::string::npos) << m;
  }
}

TEST_F(ParquetSourceTest, MalformedOrTruncatedFilesAreInputErrorsNamingTheFile) {
  const std::string good = Write("good.parquet", "SELECT range AS n FROM range(10000)");
  std::string bytes;
  {
    std::ifstream in(good, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  const std::string truncated = Path("truncated.parquet");
  std::ofstream(truncated, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  const std::string garbage = Path("garbage.parquet");
  std::ofstream(garbage, std::ios::binary) << "this is not parquet at all";
  const std::string empty = Path("empty.parquet");
  std::ofstream(empty, std::ios::binary) << "";
  ParquetOptions options;
  options.table = "t";
  for (const std::string& bad : {truncated, garbage, empty}) {
    try {
      MakeParquetSource({{bad, -1}}, options);
      ADD_FAILURE() << "expected an input error for " << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInput);
      EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
    }
  }
  // A bad second file fails when the reader reaches it, naming that file.
  auto source = MakeParquetSource({{good, -1}, {garbage, -1}}, options);
  try {
    Drain(source.get());
    ADD_FAILURE() << "expected an input error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInput);
    EXPECT_NE(std::string(e.what()).find(garbage), std::string::npos) << e.what();
  }
}

TEST_F(ParquetSourceTest, CorruptPagesAreInputErrorsNotCrashes) {
  const std::string good =
      Write("good.parquet", "SELECT range AS n, 'v' || range AS s FROM range(50000)",
            ", COMPRESSION uncompressed");
  std::string bytes;
  {
    std::ifstream in(good, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  // Scribble over the data pages, keep the footer intact.
  for (size_t i = 16; i + 2000 < bytes.size() && i < bytes.size() / 2; i += 97) bytes[i] ^= 0x5a;
  const std::string corrupt = Path("corrupt.parquet");
  std::ofstream(corrupt, std::ios::binary) << bytes;
  ParquetOptions options;
  options.table = "t";
  try {
    auto source = MakeParquetSource({{corrupt, -1}}, options);  // the footer is intact
    Drain(source.get());
    FAIL() << "expected an input error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInput);
    EXPECT_NE(std::string(e.what()).find(corrupt), std::string::npos) << e.what();
  }
}

// Random byte flips and truncations (fixed seed): every variant either loads or fails with an
// input error; nothing crashes or throws anything else.
TEST_F(ParquetSourceTest, MutatedFilesLoadOrFailCleanly) {
  const std::string good = Write("seed.parquet", R"(
    SELECT range AS n, 'v' || (range % 13) AS s, [range, range + 1] AS l,
           {'a': range % 3, 'b': DATE '2024-01-01' + (range % 30)::INTEGER} AS st
    FROM range(3000))",
                                 ", ROW_GROUP_SIZE 1000");
  std::string bytes;
  {
    std::ifstream in(good, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  uint64_t state = 0x9e3779b97f4a7c15ull;
  auto next = [&] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  ParquetOptions options;
  options.table = "t";
  int failed = 0;
  for (int i = 0; i < 60; i++) {
    std::string m = bytes;
    if (i % 4 == 3) {
      m.resize(next() % m.size());
    } else {
      for (int k = 0; k < 1 + i % 8; k++) m[next() % m.size()] ^= char(1 + next() % 255);
    }
    const std::string path = Path("m" + std::to_string(i) + ".parquet");
    std::ofstream(path, std::ios::binary) << m;
    try {
      auto source = MakeParquetSource({{path, -1}}, options);
      Drain(source.get());
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInput) << e.what();
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
      failed++;
    }
  }
  EXPECT_GT(failed, 0);
}

// A sequential stream over a local file, standing in for a remote object.
class FileStream final : public InputStream {
 public:
  explicit FileStream(const std::string& path) : in_(path, std::ios::binary) {}
  size_t Read(char* out, size_t n) override {
    in_.read(out, static_cast<std::streamsize>(n));
    read_ += static_cast<uint64_t>(in_.gcount());
    return static_cast<size_t>(in_.gcount());
  }
  uint64_t StoredBytesRead() const override { return read_; }

 private:
  std::ifstream in_;
  uint64_t read_ = 0;
};

TEST_F(ParquetSourceTest, RemoteObjectsAreSpooledToATemporaryFileThenRemoved) {
  const std::string local = Write("r.parquet", "SELECT range AS n FROM range(100)");
  const std::string tmp = Path("spool");
  std::filesystem::create_directories(tmp);
  setenv("TMPDIR", tmp.c_str(), 1);
  std::vector<std::string> opened;
  ParquetOptions options;
  options.table = "t";
  options.open_remote = [&](const std::string& uri) {
    opened.push_back(uri);
    return std::make_unique<FileStream>(local);
  };
  {
    auto source = MakeParquetSource(
        {{"s3://bucket/r.parquet?token=secret", -1}, {"s3://bucket/again.parquet", -1}}, options);
    Loaded l = Drain(source.get());
    EXPECT_EQ(l.rows["t"].size(), 200u);
    EXPECT_TRUE(std::filesystem::is_empty(tmp));  // each spool file goes when its file is read
  }
  unsetenv("TMPDIR");
  EXPECT_EQ(opened, (std::vector<std::string>{"s3://bucket/r.parquet?token=secret",
                                              "s3://bucket/again.parquet"}));
}

TEST_F(ParquetSourceTest, RemoteReadErrorsNameTheObjectWithoutItsQueryString) {
  const std::string garbage = Path("garbage.parquet");
  std::ofstream(garbage, std::ios::binary) << "not parquet";
  ParquetOptions options;
  options.table = "t";
  options.open_remote = [&](const std::string&) { return std::make_unique<FileStream>(garbage); };
  try {
    MakeParquetSource({{"https://host/x.parquet?sig=secret", -1}}, options);
    FAIL() << "expected an input error";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("https://host/x.parquet"), std::string::npos) << m;
    EXPECT_EQ(m.find("secret"), std::string::npos) << m;
  }
}

TEST_F(ParquetSourceTest, FilesWithDifferentSchemasEachLoadTheirOwnColumns) {
  const std::string a = Write("a.parquet", "SELECT 1 AS id, 'x' AS name");
  const std::string b = Write("b.parquet", "SELECT 2 AS id, DATE '2024-01-01' AS day");
  Loaded l = Load({a, b});
  EXPECT_EQ(l.rows["t"], (std::vector<std::string>{"id=1|name=x|", "id=2|day=2024-01-01|"}));
}

TEST_F(ParquetSourceTest, WithoutNestingListsAndStructsLoadAsJsonColumns) {
  const std::string path =
      Write("n.parquet", "SELECT [1, 2] AS l, {'a': 1} AS s, MAP {'k': 2} AS m");
  ParquetOptions options;
  options.max_nesting = 0;
  Loaded l = Load({path}, options);
  EXPECT_EQ(l.rows["t"],
            (std::vector<std::string>{"l=[1,2]|s={\"a\":1}|m=[{\"key\":\"k\",\"value\":2}]|"}));
  EXPECT_EQ(TypeOf(l, "t", "l"), DataType::Of(TypeId::kJson));
  EXPECT_EQ(l.batches.size(), 1u);
}

TEST_F(ParquetSourceTest, ScalarsInsideListsKeepTheValuesTheColumnPathWouldLoad) {
  const std::string path = Write("sc.parquet", R"(
    SELECT [{'f': 0.1::FLOAT, 'u': 5::UBIGINT, 'big': 18446744073709551615::UBIGINT,
             'dec': 12345678901234567890.12::DECIMAL(30,2),
             'ns': TIMESTAMP_NS '2024-01-02 03:04:05.123456789', 'd': DATE '2024-01-02'}] AS l)");
  Loaded l = Load({path}, {}, /*with_ids=*/false);
  EXPECT_EQ(l.rows["t__l"],
            (std::vector<std::string>{"f=0.1|u=5|big=18446744073709551615|"
                                      "dec=12345678901234567890.12|ns=2024-01-02 03:04:05.123456|"
                                      "d=2024-01-02|"}));
  EXPECT_EQ(TypeOf(l, "t__l", "u"), DataType::Of(TypeId::kInt64));
  EXPECT_EQ(TypeOf(l, "t__l", "big"), DataType::Of(TypeId::kText));
  EXPECT_EQ(TypeOf(l, "t__l", "dec"), DataType::Of(TypeId::kText));
  EXPECT_EQ(TypeOf(l, "t__l", "ns"), DataType::Of(TypeId::kTimestamp));
  EXPECT_EQ(TypeOf(l, "t__l", "d"), DataType::Of(TypeId::kDate));
}

TEST_F(ParquetSourceTest, NullStructsInsideListsStayNullElements) {
  const std::string path = Write("ns.parquet", "SELECT [{'m': MAP {'k': 1}}, NULL] AS l");
  Loaded l = Load({path}, {}, /*with_ids=*/false);
  // As in JSON: a null element is a child row whose `value` is NULL.
  ASSERT_EQ(l.rows["t__l"].size(), 2u);
  EXPECT_EQ(l.rows["t__l__m"], (std::vector<std::string>{"key=k|value=1|"}));
}

TEST_F(ParquetSourceTest, NamesThatCollideAfterFlatteningGetSuffixesLikeJsonKeys) {
  const std::string path =
      Write("c.parquet", "SELECT 1 AS \"a__b\", {'b': 2} AS a, 3 AS \"_sluice_id\"");
  Loaded l = Load({path});
  EXPECT_EQ(l.rows["t"], (std::vector<std::string>{"a_b=1|a__b=2|_sluice_id_2=3|"}));
}

TEST_F(ParquetSourceTest, AnEmptyFileLoadsNoRows) {
  const std::string empty = Write("e.parquet", "SELECT 1 AS a WHERE false");
  const std::string one = Write("o.parquet", "SELECT 7 AS a");
  Loaded l = Load({empty, one});
  EXPECT_EQ(l.rows["t"], (std::vector<std::string>{"a=7|"}));
  EXPECT_EQ(l.root_lines, (std::vector<uint64_t>{1}));
}

}  // namespace
}  // namespace sluice
