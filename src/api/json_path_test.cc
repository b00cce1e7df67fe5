// The JSONPath subset that points into API responses and records: what it selects, and that
// anything beyond the subset is refused when the configuration is read, with the position.
#include "api/json_path.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace sluice {
namespace {

class JsonPathTest : public ::testing::Test {
 protected:
  simdjson::dom::element Doc(const std::string& json) { return parser_.parse(json).value(); }
  // The matches' JSON text, comma-joined.
  std::string Select(const std::string& path, const std::string& json) {
    std::vector<simdjson::dom::element> out;
    JsonPath::Parse(path).Select(Doc(json), &out);
    std::string text;
    for (auto e : out) {
      if (!text.empty()) text += ',';
      text += simdjson::to_string(e);
    }
    return text;
  }
  simdjson::dom::parser parser_;
};

const char* kDoc = R"({"data":{"items":[{"id":1,"user":{"id":"u1"}},{"id":2,"user":{"id":"u2"}}],
  "total":2,"a b":"spaced","it's":"q"},"list":[10,20,30]})";

TEST_F(JsonPathTest, DollarAndDottedNamesWithOrWithoutTheDollar) {
  EXPECT_EQ(Select("$.data.total", kDoc), "2");
  EXPECT_EQ(Select("data.total", kDoc), "2");
  EXPECT_EQ(Select("$", R"({"x":1})"), R"({"x":1})");
  EXPECT_EQ(Select("", R"({"x":1})"), R"({"x":1})");
  EXPECT_TRUE(JsonPath::Parse("$").IsRoot());
  EXPECT_TRUE(JsonPath().IsRoot());
}

TEST_F(JsonPathTest, BracketedNamesQuotedEitherWay) {
  EXPECT_EQ(Select("$.data['a b']", kDoc), R"("spaced")");
  EXPECT_EQ(Select(R"($["data"]["total"])", kDoc), "2");
  EXPECT_EQ(Select(R"($.data['it\'s'])", kDoc), R"("q")");
}

TEST_F(JsonPathTest, IndexesCountFromEitherEnd) {
  EXPECT_EQ(Select("$.list[0]", kDoc), "10");
  EXPECT_EQ(Select("$.list[-1]", kDoc), "30");
  EXPECT_EQ(Select("list[5]", kDoc), "");
  EXPECT_EQ(Select("$.data.items[1].user.id", kDoc), R"("u2")");
  EXPECT_EQ(Select("[1]", "[7,8]"), "8");
}

TEST_F(JsonPathTest, WildcardsExpandArraysAndObjectsInDocumentOrder) {
  EXPECT_EQ(Select("$.data.items[*].id", kDoc), "1,2");
  EXPECT_EQ(Select("$.data.items.*.user.id", kDoc), R"("u1","u2")");
  EXPECT_EQ(Select("$.o.*", R"({"o":{"b":2,"a":1}})"), "2,1");
  EXPECT_TRUE(JsonPath::Parse("a[*]").HasWildcard());
  EXPECT_FALSE(JsonPath::Parse("a[0]").HasWildcard());
}

TEST_F(JsonPathTest, MissingStepsAndWrongTypesSelectNothing) {
  EXPECT_EQ(Select("$.nope.deeper", kDoc), "");
  EXPECT_EQ(Select("$.list.x", kDoc), "");
  EXPECT_EQ(Select("$.data.total[0]", kDoc), "");
  EXPECT_FALSE(JsonPath::Parse("$.nope").First(Doc(kDoc)).has_value());
  EXPECT_EQ(simdjson::to_string(*JsonPath::Parse("$.data.items[*].id").First(Doc(kDoc))), "1");
}

TEST_F(JsonPathTest, UnsupportedSyntaxIsRefusedWithItsPosition) {
  for (const auto& [text, position] : std::vector<std::pair<std::string, std::string>>{
           {"$..id", "character 2"},
           {"$.items[?(@.id > 1)]", "character 9"},
           {"$.items[0:2]", "character 10"},
           {"$.a.", "character 5"},
           {"$.items[", "character 8"},
           {"$['open", "character 2"},
           {"a b", "character 2"},
       }) {
    try {
      JsonPath::Parse(text);
      ADD_FAILURE() << text << " was accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kUsage);
      const std::string message = e.what();
      EXPECT_NE(message.find(text), std::string::npos) << message;
      EXPECT_NE(message.find(position), std::string::npos) << text << ": " << message;
    }
  }
}

TEST_F(JsonPathTest, ColumnNamesAndFieldNames) {
  EXPECT_EQ(JsonPath::Parse("$.user.id").ColumnName(), "user__id");
  EXPECT_EQ(JsonPath::Parse("updated_at").ColumnName(), "updated_at");
  EXPECT_EQ(JsonPath::Parse("$.a[0]").ColumnName(), "");
  EXPECT_EQ(JsonPath::Parse("$.a.*").ColumnName(), "");
  EXPECT_EQ(*JsonPath::Parse("$['x y'].z").FieldNames(), (std::vector<std::string>{"x y", "z"}));
  EXPECT_FALSE(JsonPath::Parse("a[*]").FieldNames().has_value());
  EXPECT_EQ(JsonPath::Parse("a.b").text(), "a.b");
}

TEST_F(JsonPathTest, ScalarTextIsWhatARequestParameterCarries) {
  auto doc = Doc(R"({"s":"open","i":-42,"u":18446744073709551615,"d":1.5,"t":true,"f":false,
    "n":null,"o":{"a":[1,"x"]}})");
  EXPECT_EQ(JsonScalarText(doc["s"].value()), "open");
  EXPECT_EQ(JsonScalarText(doc["i"].value()), "-42");
  EXPECT_EQ(JsonScalarText(doc["u"].value()), "18446744073709551615");
  EXPECT_EQ(JsonScalarText(doc["d"].value()), "1.5");
  EXPECT_EQ(JsonScalarText(doc["t"].value()), "true");
  EXPECT_EQ(JsonScalarText(doc["f"].value()), "false");
  EXPECT_EQ(JsonScalarText(doc["n"].value()), "");
  EXPECT_EQ(JsonScalarText(doc["o"].value()), R"({"a":[1,"x"]})");
}

}  // namespace
}  // namespace sluice
