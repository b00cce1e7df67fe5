#include "formats/json/json_splitter.h"

#include <gtest/gtest.h>

#include <string>

namespace sluice {
namespace {

std::vector<std::string> Split(std::string_view data, bool in_array = false) {
  std::vector<JsonPiece> pieces;
  uint64_t lines = 0;
  SplitJsonDocuments(data, in_array, &pieces, &lines);
  std::vector<std::string> out;
  for (const JsonPiece& p : pieces) out.emplace_back(data.substr(p.begin, p.end - p.begin));
  return out;
}

TEST(JsonSplitter, SplitsTopLevelArrayElements) {
  EXPECT_EQ(Split(R"([ {"a": "],[{"}, [1, 2] , 3,"x\"]"])"),
            (std::vector<std::string>{R"({"a": "],[{"})", "[1, 2]", "3", R"("x\"]")"}));
  EXPECT_EQ(Split(R"( {"a": 1}, 2 ] {"b": 2})", true),
            (std::vector<std::string>{R"({"a": 1})", "2", R"({"b": 2})"}));
  EXPECT_EQ(Split("[]"), std::vector<std::string>{});
  EXPECT_EQ(Split("[1,,2]"), (std::vector<std::string>{"1", ",", "2"}));
}

TEST(JsonSplitter, ScannerCutsAfterCompleteElements) {
  const std::string text = R"([{"a": [1, 2]}, "x,y", 3])";
  JsonScanner s;
  EXPECT_EQ(s.Scan(text.data(), 10), 0u);  // inside the first element
  const size_t cut = s.Scan(text.data() + 10, text.size() - 10);
  EXPECT_EQ(10 + cut, text.size());
  JsonScanner t;
  EXPECT_EQ(t.Scan(text.data(), 20), text.find(',', 14) + 1);
  EXPECT_TRUE(t.in_array());
}

}  // namespace
}  // namespace sluice
