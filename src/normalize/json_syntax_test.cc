#include "normalize/json_syntax.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

JsonSyntaxError ErrorIn(const std::string& text) {
  JsonSyntaxError e;
  EXPECT_FALSE(CheckJsonSyntax(text, &e)) << text;
  return e;
}

TEST(JsonSyntax, AcceptsWellFormedValues) {
  JsonSyntaxError e;
  for (const char* ok : {"{}", "[]", " {\"a\": [1, -2.5e3, true, false, null, \"x\\u00e9\\n\"]} ",
                         "\"s\"", "0", "{\"a\":{\"b\":[[]]}}"}) {
    EXPECT_TRUE(CheckJsonSyntax(ok, &e)) << ok << ": " << e.what;
  }
}

TEST(JsonSyntax, PointsAtTheFirstBadByteWithLineAndColumn) {
  const JsonSyntaxError e = ErrorIn("{\n  \"a\": 1,\n  \"b\": tru\n}");
  EXPECT_EQ(e.line, 3u);
  EXPECT_EQ(e.column, 8u);
  EXPECT_EQ(e.what, "invalid literal");
}

TEST(JsonSyntax, NamesTruncationAndTrailingGarbage) {
  EXPECT_EQ(ErrorIn("{\"items\": [1, 2").what, "unexpected end of input inside an array");
  EXPECT_EQ(ErrorIn("{\"a\": \"open").what, "unterminated string");
  const JsonSyntaxError trailing = ErrorIn("{} x");
  EXPECT_EQ(trailing.what, "unexpected text after the JSON value");
  EXPECT_EQ(trailing.offset, 3u);
  EXPECT_EQ(ErrorIn("<html>502 Bad Gateway</html>").offset, 0u);
  EXPECT_EQ(ErrorIn("{\"a\" 1}").what, "expected ':' after a key");
  EXPECT_EQ(ErrorIn("[01]").what, "expected ',' or ']' in an array");
}

TEST(JsonSyntax, SurvivesDeepNesting) {
  const std::string deep(100000, '[');
  EXPECT_EQ(ErrorIn(deep).what, "nested too deeply");
}

}  // namespace
}  // namespace sluice
