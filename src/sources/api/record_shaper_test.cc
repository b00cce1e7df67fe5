#include "sources/api/record_shaper.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

RecordFilterConfig Filter(std::string path, RecordFilterConfig::Op op,
                          std::vector<std::string> values = {}) {
  RecordFilterConfig f;
  f.path = std::move(path);
  f.op = op;
  f.values = std::move(values);
  return f;
}

struct Shaped {
  bool kept;
  std::string json;
};

Shaped Shape(const ResourceConfig& r, const std::string& record,
             const ParentRecord* parent = nullptr) {
  simdjson::dom::parser parser;
  simdjson::dom::element e = parser.parse(record).value();
  RecordShaper shaper(r);
  Shaped out{shaper.Keep(e), ""};
  shaper.Write(e, parent, &out.json);
  return out;
}

TEST(RecordShaper, FiltersKeepRecordsForWhichEveryConditionHolds) {
  using Op = RecordFilterConfig::Op;
  ResourceConfig r;
  r.filters = {Filter("state", Op::kIn, {"open", "reopened"}),
               Filter("draft", Op::kNotEquals, {"true"}), Filter("comments", Op::kGreater, {"2"}),
               Filter("user.login", Op::kExists)};
  EXPECT_TRUE(Shape(r, R"({"state":"open","draft":false,"comments":3,"user":{"login":"a"}})").kept);
  EXPECT_FALSE(
      Shape(r, R"({"state":"closed","draft":false,"comments":3,"user":{"login":"a"}})").kept);
  EXPECT_FALSE(Shape(r, R"({"state":"open","draft":true,"comments":3,"user":{"login":"a"}})").kept);
  EXPECT_FALSE(Shape(r, R"({"state":"open","comments":10,"user":{}})").kept);
  // 10 > 2 as numbers (as text "10" < "2").
  EXPECT_TRUE(Shape(r, R"({"state":"open","comments":10,"user":{"login":"b"}})").kept);
}

TEST(RecordShaper, IncludeAndExcludeWorkOnTopLevelFields) {
  ResourceConfig r;
  r.include_columns = {"id", "body", "user"};
  r.exclude_columns = {"body"};
  EXPECT_EQ(Shape(r, R"({"id":1,"body":"x","user":{"id":2},"url":"u"})").json,
            R"({"id":1,"user":{"id":2}})");
}

TEST(RecordShaper, ParentFieldsGoFirstAndScalarsAreWrapped) {
  ResourceConfig r;
  ParentRecord parent;
  parent.carried = {{"_issues_number", "7"}, {"_issues_title", "\"Bug\""}};
  EXPECT_EQ(Shape(r, R"({"id":1})", &parent).json,
            R"({"_issues_number":7,"_issues_title":"Bug","id":1})");
  EXPECT_EQ(Shape(r, R"("a tag")").json, R"({"value":"a tag"})");
}

TEST(ParentFieldExtractor, ResolvesPlaceholdersAndCarriesFields) {
  ParentFieldExtractor extractor("issues", {{"issue_number", "number"}}, {"id", "user.login"});
  simdjson::dom::parser parser;
  ParentRecord p;
  std::string error;
  ASSERT_TRUE(extractor.Extract(
      parser.parse(std::string(R"({"number":42,"id":9,"user":{"login":"ann"}})")).value(), &p,
      &error));
  ASSERT_EQ(p.resolved.size(), 1u);
  EXPECT_EQ(p.resolved[0].second, "42");
  EXPECT_EQ(p.resolved_json, std::vector<std::string>{"42"});  // a number stays a number
  ASSERT_EQ(p.carried.size(), 2u);
  EXPECT_EQ(p.carried[1].first, "_issues_user__login");
  EXPECT_EQ(p.carried[1].second, "\"ann\"");
  ParentRecord missing;
  EXPECT_FALSE(
      extractor.Extract(parser.parse(std::string(R"({"id":1})")).value(), &missing, &error));
  EXPECT_EQ(error,
            "the record has no 'number' to fill {issue_number} of a child resource, whose "
            "rows for it cannot be fetched");
  // Pending parents survive a round trip through pipeline state.
  auto back = ParentRecordsFromJson(ParentRecordsToJson({p, p}));
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[1].resolved, p.resolved);
  EXPECT_EQ(back[1].carried, p.carried);
  EXPECT_EQ(back[1].resolved_json, p.resolved_json);
}

}  // namespace
}  // namespace sluice
