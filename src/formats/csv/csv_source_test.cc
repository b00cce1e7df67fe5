#include "formats/csv/csv_source.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "core/error.h"

namespace sluice {
namespace {

using Rows = std::vector<std::vector<std::string>>;

struct Loaded {
  std::vector<std::vector<std::string>> names;  // per batch
  Rows rows;                                    // values rendered as text, NULL as "<null>"
  std::vector<std::vector<DataType>> types;     // per batch
  std::vector<RejectedRecord> rejects;          // lines made absolute as the runner does
  size_t chunks = 0;
  uint64_t stored_bytes = 0;
};

Loaded LoadAll(Source& source) {
  Loaded out;
  RawChunk chunk;
  uint64_t file_lines = 0;
  uint64_t expected_sequence = 0;
  while (source.ReadChunk(&chunk)) {
    EXPECT_EQ(chunk.sequence, expected_sequence++);
    EXPECT_GE(chunk.data.capacity(), chunk.data.size() + kChunkPadding);
    ParsedChunk parsed = source.ParseChunk(std::move(chunk));
    chunk = RawChunk();
    ++out.chunks;
    out.stored_bytes += parsed.stored_bytes;
    if (parsed.first_in_file) file_lines = 0;
    for (RejectedRecord& r : parsed.rejects) {
      r.line += file_lines;
      out.rejects.push_back(r);
    }
    file_lines += parsed.lines;
    for (const Batch& b : parsed.batches) {
      out.names.push_back(b.names);
      std::vector<DataType> types;
      for (const Column& c : b.columns) types.push_back(c.type());
      out.types.push_back(types);
      for (size_t r = 0; r < b.num_rows; r++) {
        std::vector<std::string> row;
        for (const Column& c : b.columns) {
          std::string v;
          if (c.IsValid(r)) {
            c.AppendValueAsText(r, &v);
          } else {
            v = "<null>";
          }
          row.push_back(v);
        }
        out.rows.push_back(row);
      }
    }
  }
  return out;
}

CsvOptions Options() {
  CsvOptions o;
  o.table = "t";
  return o;
}

Loaded LoadString(const std::string& text, CsvOptions o = Options()) {
  auto source = MakeCsvSourceFromString(text, o, "mem.csv");
  return LoadAll(*source);
}

std::string TempPath(const std::string& name) {
  static const std::string dir = [] {
    std::string tmpl = testing::TempDir() + "/csv_source_test_XXXXXX";
    return std::string(mkdtemp(tmpl.data()));
  }();
  return dir + "/" + name;
}

std::string WriteFile(const std::string& name, const std::string& bytes) {
  const std::string path = TempPath(name);
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

Loaded LoadFiles(const std::vector<std::string>& paths, CsvOptions o = Options()) {
  std::vector<InputFile> files;
  for (const std::string& p : paths) files.push_back({p, -1});
  auto source = MakeCsvSource(files, o);
  return LoadAll(*source);
}

TEST(CsvSource, LoadsTypedColumnsUnderNormalizedHeaderNames) {
  const Loaded l = LoadString("Id,Full Name,Score\n1,ann,1.5\n2,bob,2.25\n");
  ASSERT_EQ(l.names.size(), 1u);
  EXPECT_EQ(l.names[0], (std::vector<std::string>{"id", "full_name", "score"}));
  EXPECT_EQ(l.types[0][0].id, TypeId::kInt64);
  EXPECT_EQ(l.types[0][1].id, TypeId::kText);
  EXPECT_EQ(l.types[0][2], DataType::Decimal(2));
  EXPECT_EQ(l.rows, (Rows{{"1", "ann", "1.50"}, {"2", "bob", "2.25"}}));
}

TEST(CsvSource, NoHeaderNamesColumnsByPosition) {
  CsvOptions o = Options();
  o.header = CsvOptions::HeaderMode::kNo;
  const Loaded l = LoadString("a,b\nc,d\n", o);
  EXPECT_EQ(l.names[0], (std::vector<std::string>{"col_1", "col_2"}));
  EXPECT_EQ(l.rows.size(), 2u);
}

TEST(CsvSource, UnquotedNullTokensAreNullButQuotedOnesAreText) {
  const Loaded l = LoadString("a,b,c,d\nx,,NULL,\\N\nx,\"\",\"NULL\",null\n");
  EXPECT_EQ(l.rows, (Rows{{"x", "<null>", "<null>", "<null>"}, {"x", "", "NULL", "<null>"}}));
}

TEST(CsvSource, QuotedNewlinesDelimitersAndQuotesSurvive) {
  const Loaded l = LoadString("a,b\n\"x,1\",\"line1\r\nline2 \"\"q\"\"\"\n");
  EXPECT_EQ(l.rows, (Rows{{"x,1", "line1\r\nline2 \"q\""}}));
}

TEST(CsvSource, BackslashEscapedFilesAreSniffedAndDecoded) {
  const Loaded l = LoadString("a,b\n1,\"say \\\"hi\\\"\"\n2,\"c:\\\\dir\"\n");
  EXPECT_EQ(l.rows, (Rows{{"1", "say \"hi\""}, {"2", "c:\\dir"}}));
}

TEST(CsvSource, HandlesCrLfAndLoneCrEndingsAndNoTrailingNewline) {
  const Rows want{{"1", "x"}, {"2", "y"}};
  EXPECT_EQ(LoadString("a,b\r\n1,x\r\n2,y").rows, want);
  EXPECT_EQ(LoadString("a,b\r1,x\r2,y\r").rows, want);
  EXPECT_EQ(LoadString("a,b\n1,x\n2,y").rows, want);
}

TEST(CsvSource, SkipsUtf8BomAndBlankLines) {
  const Loaded l = LoadString("\xEF\xBB\xBFid,v\n\n1,a\n\n\n2,b\n\n");
  EXPECT_EQ(l.names[0], (std::vector<std::string>{"id", "v"}));
  EXPECT_EQ(l.rows, (Rows{{"1", "a"}, {"2", "b"}}));
}

TEST(CsvSource, EmptyFileYieldsNoRowsAndNoBatch) {
  const Loaded l = LoadString("");
  EXPECT_TRUE(l.rows.empty());
  EXPECT_TRUE(l.names.empty());
  EXPECT_TRUE(l.rejects.empty());
}

TEST(CsvSource, HeaderOnlyFileDeclaresItsColumns) {
  CsvOptions o = Options();
  o.header = CsvOptions::HeaderMode::kYes;
  const Loaded l = LoadString("id,name\n", o);
  ASSERT_EQ(l.names.size(), 1u);
  EXPECT_EQ(l.names[0], (std::vector<std::string>{"id", "name"}));
  EXPECT_TRUE(l.rows.empty());
}

TEST(CsvSource, RaggedRowsAreRejectedByDefaultWithTheirLine) {
  const Loaded l = LoadString("a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12\n");
  EXPECT_EQ(l.rows, (Rows{{"1", "2", "3"}, {"10", "11", "12"}}));
  ASSERT_EQ(l.rejects.size(), 2u);
  EXPECT_EQ(l.rejects[0].line, 3u);
  EXPECT_EQ(l.rejects[0].raw, "4,5");
  EXPECT_EQ(l.rejects[0].reason, "row has 2 fields, expected 3");
  EXPECT_EQ(l.rejects[0].source, "mem.csv");
  EXPECT_EQ(l.rejects[0].table, "t");
  EXPECT_EQ(l.rejects[0].byte_offset, 12u);
  EXPECT_EQ(l.rejects[1].line, 4u);
}

TEST(CsvSource, PadFillsShortRowsButStillRejectsLongOnes) {
  CsvOptions o = Options();
  o.ragged = CsvOptions::RaggedPolicy::kPad;
  const Loaded l = LoadString("a,b,c\n1,2,3\n4,5\n6,7,8,9\n", o);
  EXPECT_EQ(l.rows, (Rows{{"1", "2", "3"}, {"4", "5", "<null>"}}));
  ASSERT_EQ(l.rejects.size(), 1u);
  EXPECT_EQ(l.rejects[0].line, 4u);
}

TEST(CsvSource, ErrorPolicyEndsTheLoadNamingFileAndLine) {
  CsvOptions o = Options();
  o.ragged = CsvOptions::RaggedPolicy::kError;
  o.chunk_bytes = 16;
  try {
    LoadString("a,b,c\n1,2,3\n1,2,3\n1,2,3\n1,2,3\n4,5\n", o);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInput);
    EXPECT_NE(std::string(e.what()).find("mem.csv line 6"), std::string::npos) << e.what();
  }
  EXPECT_THROW(LoadString("a,b\n1,2,3\n", o), Error);
}

TEST(CsvSource, UnterminatedQuoteRejectsTheRestAsOneRecord) {
  const Loaded l = LoadString("a,b\n1,x\n2,\"open\n3,y\n");
  EXPECT_EQ(l.rows, (Rows{{"1", "x"}}));
  ASSERT_EQ(l.rejects.size(), 1u);
  EXPECT_EQ(l.rejects[0].reason, "unterminated quoted field");
  EXPECT_EQ(l.rejects[0].line, 3u);
  EXPECT_EQ(l.rejects[0].raw, "2,\"open\n3,y\n");
}

TEST(CsvSource, InvalidUtf8RowsAreRejectedWithByteAndColumn) {
  const Loaded l = LoadString("id,name\n1,ok\n2,caf\xE9\n3,fine\n");
  EXPECT_EQ(l.rows, (Rows{{"1", "ok"}, {"3", "fine"}}));
  ASSERT_EQ(l.rejects.size(), 1u);
  EXPECT_EQ(l.rejects[0].column, "name");
  EXPECT_EQ(l.rejects[0].line, 3u);
  EXPECT_NE(l.rejects[0].reason.find("invalid UTF-8 (byte 0xE9)"), std::string::npos);
  EXPECT_NE(l.rejects[0].reason.find("--encoding latin1"), std::string::npos);
}

TEST(CsvSource, DecodesLatin1AndWindows1252Files) {
  const std::string path = WriteFile("latin.csv", "name,qty\ncaf\xE9,1\n\x80uro,2\n");
  CsvOptions o = Options();
  o.encoding = TextEncoding::kLatin1;
  EXPECT_EQ(LoadFiles({path}, o).rows, (Rows{{"caf\xC3\xA9", "1"}, {"\xC2\x80uro", "2"}}));
  o.encoding = TextEncoding::kWindows1252;
  EXPECT_EQ(LoadFiles({path}, o).rows, (Rows{{"caf\xC3\xA9", "1"}, {"\xE2\x82\xACuro", "2"}}));
}

std::string Gzip(const std::string& data) {
  z_stream z{};
  deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, data.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = uInt(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = uInt(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string Zstd(const std::string& data) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  out.resize(ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 3));
  return out;
}

TEST(CsvSource, ReadsGzipAndZstdFiles) {
  std::string text = "id,v\n";
  for (int i = 0; i < 1000; i++) text += std::to_string(i) + ",\"v\n" + std::to_string(i) + "\"\n";
  const Loaded plain = LoadString(text);
  CsvOptions o = Options();
  o.chunk_bytes = 1000;
  const Loaded gz = LoadFiles({WriteFile("a.csv.gz", Gzip(text))}, o);
  const Loaded zst = LoadFiles({WriteFile("a.csv.zst", Zstd(text))}, o);
  EXPECT_EQ(gz.rows, plain.rows);
  EXPECT_EQ(zst.rows, plain.rows);
  EXPECT_GT(gz.chunks, 5u);
  EXPECT_GT(gz.stored_bytes, 0u);
  // Magic bytes are enough when the name has no suffix.
  EXPECT_EQ(LoadFiles({WriteFile("gz_no_suffix", Gzip(text))}).rows, plain.rows);
}

// A messy but valid file: quoted newlines (LF and CRLF), doubled quotes, blank lines, ragged
// and unterminated rows. Every chunk size must give the same rows, rejects and line numbers
// as one big chunk.
std::string MessyCsv(uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s = "id,text,n\n";
  for (int i = 0; i < 300; i++) {
    const int kind = int(rng() % 8);
    const std::string id = std::to_string(i);
    switch (kind) {
      case 0:
        s += id + ",\"multi\nline\r\nvalue\",7\n";
        break;
      case 1:
        s += id + ",\"quote \"\"inside\"\", and comma\",8\r\n";
        break;
      case 2:
        s += "\n";
        break;
      case 3:
        s += id + ",short\n";
        break;
      case 4:
        s += id + ",\"\",NULL\n";
        break;
      case 5:
        s += id + ",plain text here,\n";
        break;
      case 6:
        s += id + ",stray\"quote,9\n";
        break;
      default:
        s += id + ",x,1\r";
        break;
    }
  }
  return s + "last,\"open\nquote,1\n";
}

TEST(CsvSource, ChunkSizeNeverChangesTheResult) {
  for (uint32_t seed = 1; seed <= 3; seed++) {
    const std::string text = MessyCsv(seed);
    CsvOptions whole = Options();
    whole.delimiter = ',';
    const Loaded want = LoadString(text, whole);
    ASSERT_GT(want.rows.size(), 100u);
    ASSERT_FALSE(want.rejects.empty());
    for (size_t chunk = 16; chunk <= 600; chunk += (chunk < 80 ? 1 : 37)) {
      CsvOptions o = whole;
      o.chunk_bytes = chunk;
      const Loaded got = LoadString(text, o);
      ASSERT_EQ(got.rows, want.rows) << "chunk_bytes " << chunk;
      ASSERT_EQ(got.rejects.size(), want.rejects.size()) << "chunk_bytes " << chunk;
      for (size_t i = 0; i < want.rejects.size(); i++) {
        EXPECT_EQ(got.rejects[i].line, want.rejects[i].line) << chunk;
        EXPECT_EQ(got.rejects[i].byte_offset, want.rejects[i].byte_offset) << chunk;
        EXPECT_EQ(got.rejects[i].raw, want.rejects[i].raw) << chunk;
      }
    }
  }
}

TEST(CsvSource, RejectLinesCountQuotedNewlinesAndTheHeader) {
  const Loaded l = LoadString("\"multi\nline\",b\n\"x\ny\",1\nbad\n");
  ASSERT_EQ(l.rejects.size(), 1u);
  EXPECT_EQ(l.rejects[0].line, 5u);
}

TEST(CsvSource, TypesWidenAcrossChunks) {
  CsvOptions o = Options();
  o.chunk_bytes = 16;
  const Loaded l = LoadString("v\n1\n2\n3\n4\n5\n6\n1.5\n2.5\n3.5\n4.5\n5.5\nabc\ndef\n", o);
  ASSERT_GE(l.types.size(), 3u);
  EXPECT_EQ(l.types.front()[0].id, TypeId::kInt64);
  EXPECT_EQ(l.types.back()[0].id, TypeId::kText);
  bool saw_decimal = false;
  for (const auto& t : l.types) saw_decimal |= t[0].id == TypeId::kDecimal;
  EXPECT_TRUE(saw_decimal);
  // Hints carry forward: once text, later numbers stay text.
  const Loaded m = LoadString("v\nabc\n1\n2\n3\n4\n5\n6\n7\n8\n9\n", o);
  EXPECT_EQ(m.types.back()[0].id, TypeId::kText);
}

TEST(CsvSource, SniffsSemicolonsTabsAndPipes) {
  EXPECT_EQ(LoadString("a;b\n1;x,y\n").rows, (Rows{{"1", "x,y"}}));
  EXPECT_EQ(LoadString("a\tb\n1\tx y\n").rows, (Rows{{"1", "x y"}}));
  EXPECT_EQ(LoadString("a|b\n1|x;y\n").rows, (Rows{{"1", "x;y"}}));
  auto source = MakeCsvSourceFromString("a|b\n1|2\n", Options());
  EXPECT_EQ(source->Dialect().delimiter, '|');
  EXPECT_TRUE(source->Dialect().header);
}

TEST(CsvSource, MultipleFilesKeepTheirOwnHeadersAndLineNumbers) {
  const std::string a = WriteFile("m1.csv", "id,name\n1,ann\nbad\n");
  const std::string b = WriteFile("m2.csv", "name,id,extra\nbob,2,x\nbad\n");
  CsvOptions o = Options();
  o.chunk_bytes = 8;
  const Loaded l = LoadFiles({a, b}, o);
  EXPECT_EQ(l.names.front(), (std::vector<std::string>{"id", "name"}));
  EXPECT_EQ(l.names.back(), (std::vector<std::string>{"name", "id", "extra"}));
  EXPECT_EQ(l.rows, (Rows{{"1", "ann"}, {"bob", "2", "x"}}));
  ASSERT_EQ(l.rejects.size(), 2u);
  EXPECT_EQ(l.rejects[0].source, a);
  EXPECT_EQ(l.rejects[0].line, 3u);
  EXPECT_EQ(l.rejects[1].source, b);
  EXPECT_EQ(l.rejects[1].line, 3u);
}

TEST(CsvSource, FilesWithADifferentDelimiterAreRefused) {
  const std::string a = WriteFile("d1.csv", "id,name\n1,ann\n2,bob\n");
  const std::string b = WriteFile("d2.csv", "id;name\n1;ann\n2;bob\n");
  EXPECT_THROW(LoadFiles({a, b}), Error);
}

TEST(CsvSource, RecordsLongerThanTheChunkSizeStayWhole) {
  const std::string big(5000, 'x');
  CsvOptions o = Options();
  o.chunk_bytes = 64;
  o.sample_bytes = 100;
  const Loaded l = LoadString("a,b\n1,\"" + big + "\"\n2,y\n", o);
  EXPECT_EQ(l.rows, (Rows{{"1", big}, {"2", "y"}}));
}

TEST(CsvSource, RejectsInvalidOptions) {
  CsvOptions o;
  EXPECT_THROW(o.Validate(), Error);  // no table
  o = Options();
  o.delimiter = '"';
  o.quote = '"';
  EXPECT_THROW(o.Validate(), Error);
  o = Options();
  o.escape = 'x';
  EXPECT_THROW(o.Validate(), Error);
  o = Options();
  o.chunk_bytes = 0;
  EXPECT_THROW(o.Validate(), Error);
  EXPECT_THROW(LoadFiles({}, Options()), Error);
}

TEST(CsvSource, MissingFileIsAnInputError) {
  try {
    LoadFiles({TempPath("does_not_exist.csv")});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInput);
  }
}

}  // namespace
}  // namespace sluice
