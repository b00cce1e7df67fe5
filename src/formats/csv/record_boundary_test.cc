#include "formats/csv/record_boundary.h"

#include <gtest/gtest.h>

#include <string>

namespace sluice {
namespace {

// Feeds `text` in pieces of `step` bytes and returns every boundary found.
std::vector<size_t> Boundaries(const std::string& text, size_t step, CsvDialect d = {}) {
  RecordBoundaryScanner scanner(d);
  std::vector<size_t> cuts;
  size_t consumed = 0, have = 0;
  while (have < text.size()) {
    have = std::min(text.size(), have + step);
    const bool eof = have == text.size();
    const size_t cut = scanner.Scan(std::string_view(text.data() + consumed, have - consumed), eof);
    if (cut > 0) {
      consumed += cut;
      cuts.push_back(consumed);
      scanner.Consume(cut);
    }
  }
  return cuts;
}

TEST(RecordBoundary, NeverCutsInsideAQuotedField) {
  const std::string text = "a,\"x\ny\"\nb,\"p\"\"\nq\"\n";
  for (size_t step = 1; step <= text.size(); step++) {
    for (size_t cut : Boundaries(text, step)) {
      EXPECT_TRUE(cut == 8 || cut == text.size()) << "step " << step << " cut " << cut;
    }
  }
}

TEST(RecordBoundary, QuoteInsideUnquotedFieldDoesNotOpenQuotes) {
  const std::string text = "ab\"c,d\ne,f\n";
  const std::vector<size_t> cuts = Boundaries(text, 8);
  ASSERT_FALSE(cuts.empty());
  EXPECT_EQ(cuts[0], 7u);
}

TEST(RecordBoundary, BackslashEscapedQuoteStaysInside) {
  CsvDialect d;
  d.escape = '\\';
  const std::string text = "\"a\\\"\nb\"\nc\n";
  const std::vector<size_t> cuts = Boundaries(text, 9, d);
  ASSERT_FALSE(cuts.empty());
  EXPECT_EQ(cuts[0], 8u);
}

TEST(RecordBoundary, CutsAtLoneCrInCrFilesButNeverInsideCrLf) {
  CsvDialect d;
  d.terminator = LineTerminator::kCr;
  const std::string text = "a\rb\r\nc\rd";
  for (size_t step = 1; step <= text.size(); step++) {
    const std::vector<size_t> cuts = Boundaries(text, step, d);
    ASSERT_FALSE(cuts.empty());
    for (size_t cut : cuts) {
      EXPECT_TRUE(cut == 2 || cut == 5 || cut == 7 || cut == 8) << step << " " << cut;
    }
  }
}

TEST(RecordBoundary, UnterminatedQuoteRunsToEndOfInput) {
  EXPECT_EQ(Boundaries("a\n\"b\nc\nd", 3), (std::vector<size_t>{2, 8}));
}

}  // namespace
}  // namespace sluice
