#include "formats/csv/csv_tokenizer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sluice {
namespace {

struct Parsed {
  std::vector<std::vector<std::string>> rows;
  std::vector<uint64_t> lines;
  std::vector<bool> unterminated;
  uint64_t total_lines = 0;
};

Parsed Tokenize(std::string text, CsvDialect d = {}) {
  const size_t n = text.size();
  text.push_back('\n');
  CsvTokens tokens;
  TokenizeCsv(std::string_view(text.data(), n), d, &tokens);
  Parsed p;
  p.total_lines = tokens.lines;
  for (const CsvRow& row : tokens.rows) {
    std::vector<std::string> fields;
    for (uint32_t i = 0; i < row.num_fields; i++) {
      const CsvField& f = tokens.fields[row.first_field + i];
      std::string v = text.substr(f.offset, f.length);
      if (f.flags & CsvField::kNeedsUnescape) v.resize(UnescapeCsvField(v.data(), v.size(), d));
      fields.push_back(v);
    }
    p.rows.push_back(fields);
    p.lines.push_back(row.line);
    p.unterminated.push_back(row.unterminated);
  }
  return p;
}

using Rows = std::vector<std::vector<std::string>>;

TEST(CsvTokenizer, SplitsRfc4180Records) {
  EXPECT_EQ(Tokenize("aaa,bbb,ccc\r\nzzz,yyy,xxx\r\n").rows,
            (Rows{{"aaa", "bbb", "ccc"}, {"zzz", "yyy", "xxx"}}));
  EXPECT_EQ(Tokenize("aaa,bbb,ccc\nzzz,yyy,xxx").rows,
            (Rows{{"aaa", "bbb", "ccc"}, {"zzz", "yyy", "xxx"}}));
}

TEST(CsvTokenizer, QuotedFieldsMayHoldDelimitersLineBreaksAndDoubledQuotes) {
  const Parsed p = Tokenize("\"a,b\",\"line1\nline2\",\"say \"\"hi\"\"\"\nx,y,z\n");
  EXPECT_EQ(p.rows, (Rows{{"a,b", "line1\nline2", "say \"hi\""}, {"x", "y", "z"}}));
  EXPECT_EQ(p.lines, (std::vector<uint64_t>{1, 3}));
  EXPECT_EQ(p.total_lines, 3u);
}

TEST(CsvTokenizer, EmptyAndQuotedEmptyFields) {
  const Parsed p = Tokenize(",\"\",\n");
  EXPECT_EQ(p.rows, (Rows{{"", "", ""}}));
}

TEST(CsvTokenizer, QuoteInsideUnquotedFieldIsOrdinary) {
  EXPECT_EQ(Tokenize("5'11\",ab\"c\n").rows, (Rows{{"5'11\"", "ab\"c"}}));
}

TEST(CsvTokenizer, TextAfterClosingQuoteIsKept) {
  EXPECT_EQ(Tokenize("\"ab\"cd,e\n").rows, (Rows{{"abcd", "e"}}));
}

TEST(CsvTokenizer, BackslashEscapesInsideQuotes) {
  CsvDialect d;
  d.escape = '\\';
  EXPECT_EQ(Tokenize("\"a\\\"b\",\"c\\\\\",d\\e\n", d).rows, (Rows{{"a\"b", "c\\", "d\\e"}}));
}

TEST(CsvTokenizer, CountsLfCrLfAndLoneCrAsOneLineEach) {
  const Parsed p = Tokenize("a\nb\r\nc\rd");
  EXPECT_EQ(p.rows, (Rows{{"a"}, {"b"}, {"c"}, {"d"}}));
  EXPECT_EQ(p.lines, (std::vector<uint64_t>{1, 2, 3, 4}));
  EXPECT_EQ(p.total_lines, 3u);
}

TEST(CsvTokenizer, SkipsBlankLinesButCountsThem) {
  const Parsed p = Tokenize("\na,b\n\r\n\nc,d\n\n");
  EXPECT_EQ(p.rows, (Rows{{"a", "b"}, {"c", "d"}}));
  EXPECT_EQ(p.lines, (std::vector<uint64_t>{2, 5}));
  EXPECT_EQ(p.total_lines, 6u);
}

TEST(CsvTokenizer, TrailingDelimiterMakesAnEmptyLastField) {
  EXPECT_EQ(Tokenize("a,b,\n").rows, (Rows{{"a", "b", ""}}));
  EXPECT_EQ(Tokenize("a,b,").rows, (Rows{{"a", "b", ""}}));
}

TEST(CsvTokenizer, UnterminatedQuoteMarksTheLastRow) {
  const Parsed p = Tokenize("a,b\nc,\"open\nmore,stuff\n");
  ASSERT_EQ(p.rows.size(), 2u);
  EXPECT_FALSE(p.unterminated[0]);
  EXPECT_TRUE(p.unterminated[1]);
  EXPECT_EQ(p.total_lines, 3u);
}

TEST(CsvTokenizer, BackslashAtEndOfDataIsUnterminated) {
  CsvDialect d;
  d.escape = '\\';
  const Parsed p = Tokenize("\"abc\\", d);
  ASSERT_EQ(p.rows.size(), 1u);
  EXPECT_TRUE(p.unterminated[0]);
}

TEST(CsvTokenizer, OtherDelimitersAndSingleQuotes) {
  CsvDialect d;
  d.delimiter = '\t';
  d.quote = d.escape = '\'';
  EXPECT_EQ(Tokenize("'a\tb'\tc,d\n", d).rows, (Rows{{"a\tb", "c,d"}}));
}

}  // namespace
}  // namespace sluice
