#include "formats/json/json_source.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "core/error.h"

namespace sluice {
namespace {

// Everything a source produced, flattened to text for easy comparison.
struct Loaded {
  std::map<std::string, std::vector<std::string>> rows;  // table -> "col=value|..." per row
  std::vector<RejectedRecord> rejects;                   // lines made absolute
  size_t chunks = 0;
};

std::string RowText(const Batch& b, size_t row) {
  std::string s;
  for (size_t c = 0; c < b.columns.size(); c++) {
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

Loaded Drain(Source* source) {
  Loaded out;
  std::vector<uint64_t> lines_before(source->files().size(), 0);
  RawChunk chunk;
  while (source->ReadChunk(&chunk)) {
    EXPECT_GE(chunk.data.capacity() - chunk.data.size(), kChunkPadding);
    out.chunks++;
    ParsedChunk parsed = source->ParseChunk(std::move(chunk));
    chunk = RawChunk();
    for (const Batch& b : parsed.batches) {
      for (size_t r = 0; r < b.num_rows; r++) out.rows[b.table].push_back(RowText(b, r));
    }
    for (RejectedRecord& r : parsed.rejects) {
      r.line += lines_before[parsed.file_index];
      out.rejects.push_back(std::move(r));
    }
    lines_before[parsed.file_index] += parsed.lines;
  }
  return out;
}

Loaded LoadText(const std::string& text, JsonOptions options = {}) {
  if (options.table.empty()) options.table = "Events";
  auto source = MakeJsonSource({{"mem.json", -1}}, options,
                               [&](const InputFile&) { return MakeJsonMemoryInput(text); });
  return Drain(source.get());
}

std::string TempPath(const std::string& name) {
  return testing::TempDir() + "/sluice_json_" + std::to_string(getpid()) + "_" + name;
}

TEST(JsonSource, LoadsNdjsonAndRejectsBadLines) {
  const std::string text =
      "{\"a\": 1}\n"
      "\n"
      "{\"a\": 2, \"b\": [1,2]}\r\n"
      "{\"a\": oops}\n"
      "   \n"
      "[1, 2]\n"
      "{\"a\": 3}";
  Loaded l = LoadText(text);
  ASSERT_EQ(l.rows["events"].size(), 3u);
  EXPECT_EQ(l.rows["events__b"].size(), 2u);
  ASSERT_EQ(l.rejects.size(), 2u);
  EXPECT_EQ(l.rejects[0].line, 4u);
  EXPECT_EQ(l.rejects[0].raw, "{\"a\": oops}");
  EXPECT_EQ(l.rejects[0].byte_offset, text.find("{\"a\": oops"));
  EXPECT_EQ(l.rejects[0].table, "events");
  EXPECT_EQ(l.rejects[0].source, "mem.json");
  EXPECT_FALSE(l.rejects[0].reason.empty());
  EXPECT_EQ(l.rejects[1].line, 6u);
  EXPECT_EQ(l.rejects[1].reason, "expected a JSON object, got an array");
}

TEST(JsonSource, SameResultForEveryChunkSize) {
  std::string ndjson, array = "\xEF\xBB\xBF [\n";
  for (int i = 0; i < 40; i++) {
    const std::string doc = "{\"id\": " + std::to_string(i) + ", \"s\": \"x,]}[{\\\"\\\\" +
                            std::to_string(i) + "\", \"l\": [{\"v\": " + std::to_string(i) +
                            ".5}, [\"],\"]]}";
    ndjson += doc + "\n";
    array += "  " + doc + (i < 39 ? ",\n" : "\n");
  }
  array += "]\n";
  for (const std::string* text : {&ndjson, &array}) {
    JsonOptions options;
    options.chunk_bytes = 1 << 20;
    const Loaded whole = LoadText(*text, options);
    ASSERT_EQ(whole.rows.at("events").size(), 40u);
    ASSERT_EQ(whole.rows.at("events__l").size(), 80u);
    EXPECT_TRUE(whole.rejects.empty()) << whole.rejects[0].reason;
    for (size_t bytes : {1, 2, 3, 7, 50, 333}) {
      options.chunk_bytes = bytes;
      const Loaded l = LoadText(*text, options);
      EXPECT_GT(l.chunks, 5u);
      EXPECT_EQ(l.rows, whole.rows) << "chunk_bytes " << bytes;
      EXPECT_TRUE(l.rejects.empty());
    }
  }
}

TEST(JsonSource, ArrayFilesRejectBadElements) {
  const std::string text =
      "[\n"
      "  {\"a\": 1},\n"
      "  {\"a\":\n"
      "     bad},\n"
      "  7,\n"
      "  {\"a\": 2}\n"
      "] junk";
  for (size_t bytes : {size_t{1}, size_t{5}, size_t{1} << 20}) {
    JsonOptions options;
    options.chunk_bytes = bytes;
    Loaded l = LoadText(text, options);
    EXPECT_EQ(l.rows["events"].size(), 2u);
    ASSERT_EQ(l.rejects.size(), 3u) << bytes;
    EXPECT_EQ(l.rejects[0].line, 3u);
    EXPECT_EQ(l.rejects[0].raw, "{\"a\":\n     bad}");
    EXPECT_EQ(l.rejects[1].line, 5u);
    EXPECT_EQ(l.rejects[1].reason, "expected a JSON object, got a number");
    EXPECT_EQ(l.rejects[2].line, 7u);
    EXPECT_EQ(l.rejects[2].raw, "junk");
  }
}

TEST(JsonSource, TruncatedArrayIsReported) {
  Loaded l = LoadText("[{\"a\": 1}, {\"a\": 2}");
  EXPECT_EQ(l.rows["events"].size(), 2u);
  ASSERT_EQ(l.rejects.size(), 1u);
  EXPECT_NE(l.rejects[0].reason.find("not closed"), std::string::npos);
  l = LoadText("[{\"a\": 1}, {\"a\": [2");
  EXPECT_EQ(l.rows["events"].size(), 1u);
  EXPECT_EQ(l.rejects.size(), 1u);
}

TEST(JsonSource, ForcedLayouts) {
  JsonOptions options;
  options.layout = JsonOptions::Layout::kLines;
  Loaded l = LoadText("[{\"a\": 1}]\n{\"a\": 2}\n", options);
  EXPECT_EQ(l.rows["events"].size(), 1u);
  EXPECT_EQ(l.rejects.size(), 1u);
  options.layout = JsonOptions::Layout::kArray;
  l = LoadText("{\"a\": 1}\n{\n \"a\": 2}\n[{\"a\": 3}]", options);
  EXPECT_EQ(l.rows["events"].size(), 3u) << "top-level objects and arrays both load";
  EXPECT_TRUE(l.rejects.empty());
}

TEST(JsonSource, EmptyFiles) {
  for (const char* text : {"", "\n\n  \n", "[]", " [ ] "}) {
    Loaded l = LoadText(text);
    EXPECT_TRUE(l.rows.empty()) << text;
    EXPECT_TRUE(l.rejects.empty()) << text;
    EXPECT_EQ(l.chunks, 1u);
  }
}

TEST(JsonSource, ReadsGzipFiles) {
  const std::string path = TempPath("in.json.gz");
  gzFile gz = gzopen(path.c_str(), "wb");
  ASSERT_NE(gz, nullptr);
  std::string text;
  for (int i = 0; i < 1000; i++) text += "{\"i\": " + std::to_string(i) + "}\n";
  gzwrite(gz, text.data(), unsigned(text.size()));
  gzclose(gz);
  JsonOptions options;
  options.table = "t";
  options.chunk_bytes = 1000;
  auto source = MakeJsonSource({{path, -1}}, options);
  Loaded l = Drain(source.get());
  EXPECT_EQ(l.rows["t"].size(), 1000u);
  EXPECT_EQ(l.rows["t"][999].substr(l.rows["t"][999].find("|i=")), "|i=999|");
  std::remove(path.c_str());
}

TEST(JsonSource, MultipleFilesKeepTheirOwnLayout) {
  const std::string a = TempPath("a.json"), b = TempPath("b.jsonl");
  FILE* f = std::fopen(a.c_str(), "w");
  std::fputs("[{\"x\": 1}, {\"x\": 2}]", f);
  std::fclose(f);
  f = std::fopen(b.c_str(), "w");
  std::fputs("{\"x\": 3}\n{\"x\": 4}\n", f);
  std::fclose(f);
  JsonOptions options;
  options.table = "t";
  auto source = MakeJsonSource({{a, -1}, {b, -1}}, options);
  Loaded l = Drain(source.get());
  EXPECT_EQ(l.rows["t"].size(), 4u);
  EXPECT_TRUE(l.rejects.empty());
  std::remove(a.c_str());
  std::remove(b.c_str());
}

TEST(JsonSource, ValidatesOptions) {
  JsonOptions options;
  EXPECT_THROW(options.Validate(), Error);
  options.table = "t";
  options.Validate();
  options.max_nesting = 1000;
  EXPECT_THROW(options.Validate(), Error);
  options.max_nesting = 5;
  options.chunk_bytes = 0;
  EXPECT_THROW(options.Validate(), Error);
}

}  // namespace
}  // namespace sluice
