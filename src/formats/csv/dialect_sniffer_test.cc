#include "formats/csv/dialect_sniffer.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

CsvDialect Sniff(std::string_view text, CsvOptions options = {}) {
  return SniffCsvDialect(text, true, options).dialect;
}

TEST(DialectSniffer, PicksTheDelimiterWithConsistentFieldCounts) {
  EXPECT_EQ(Sniff("a,b,c\n1,2,3\n4,5,6\n").delimiter, ',');
  EXPECT_EQ(Sniff("a;b;c\n1,5;2;3\n4;5,5;6\n").delimiter, ';');
  EXPECT_EQ(Sniff("a\tb\tc\n1\t2\t3\n").delimiter, '\t');
  EXPECT_EQ(Sniff("a|b|c\n1|2, 3|3\n").delimiter, '|');
}

TEST(DialectSniffer, QuotedDelimitersDoNotCount) {
  EXPECT_EQ(Sniff("name;note\n\"x\";\"a,b,c\"\n\"y\";\"d,e\"\n").delimiter, ';');
}

TEST(DialectSniffer, SingleColumnFallsBackToCommaAndIsNotConfident) {
  const SniffResult r = SniffCsvDialect("name\nann\nbob\n", true, {});
  EXPECT_EQ(r.dialect.delimiter, ',');
  EXPECT_FALSE(r.delimiter_confident);
}

TEST(DialectSniffer, DetectsSingleQuotesWhenTheyHideDelimiters) {
  const CsvDialect d = Sniff("id,name\n1,'Smith, J'\n2,'Doe, A'\n3,'Roe, B'\n");
  EXPECT_EQ(d.quote, '\'');
  EXPECT_EQ(d.delimiter, ',');
}

TEST(DialectSniffer, DetectsBackslashEscapes) {
  EXPECT_EQ(Sniff("a,b\n1,\"say \\\"hi\\\" now\"\n").escape, '\\');
  EXPECT_EQ(Sniff("a,b\n1,\"say \"\"hi\"\" now\"\n").escape, '"');
}

TEST(DialectSniffer, HeaderWhenTextNamesSitAboveTypedColumns) {
  EXPECT_TRUE(Sniff("id,name\n1,ann\n2,bob\n").header);
  EXPECT_FALSE(Sniff("1,ann\n2,bob\n").header);
}

TEST(DialectSniffer, AllTextColumnsHaveAHeaderOnlyIfFirstRowIsUniqueAndNonEmpty) {
  EXPECT_TRUE(Sniff("first,last\nann,lee\nbob,ray\n").header);
  EXPECT_FALSE(Sniff("ann,ann\nbob,ray\n").header);
  EXPECT_FALSE(Sniff("ann,\nbob,ray\n").header);
}

TEST(DialectSniffer, UserSettingsWin) {
  CsvOptions o;
  o.delimiter = ';';
  o.header = CsvOptions::HeaderMode::kNo;
  const CsvDialect d = Sniff("a,b\n1,2\n", o);
  EXPECT_EQ(d.delimiter, ';');
  EXPECT_FALSE(d.header);
}

TEST(DialectSniffer, DetectsLineTerminators) {
  EXPECT_EQ(Sniff("a,b\r\n1,2\r\n").terminator, LineTerminator::kCrLf);
  EXPECT_EQ(Sniff("a,b\r1,2\r").terminator, LineTerminator::kCr);
  EXPECT_EQ(Sniff("a,b\n1,2\n").terminator, LineTerminator::kLf);
}

TEST(DialectSniffer, IgnoresAPartialLastRecordOfASample) {
  // "3" alone would look like a one-field row.
  EXPECT_EQ(SniffCsvDialect("a;b\n1;2\n3", false, {}).dialect.delimiter, ';');
}

TEST(DialectSniffer, RecognizesTheUtf8Bom) {
  EXPECT_EQ(Utf8BomLength("\xEF\xBB\xBFx"), 3u);
  EXPECT_EQ(Utf8BomLength("x"), 0u);
}

}  // namespace
}  // namespace sluice
