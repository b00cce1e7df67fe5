#include "normalize/json_flattener.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace sluice {
namespace {

struct Result {
  std::vector<Batch> batches;
  std::vector<std::string> errors;  // "" for accepted documents
};

Result Flatten(JsonFlattener* f, const std::vector<std::string>& docs) {
  JsonBatchBuilder b(f);
  Result r;
  for (size_t i = 0; i < docs.size(); i++) {
    std::string error;
    r.errors.push_back(b.AddUnpadded(docs[i], "file.json", i, 0, &error) ? "" : error);
  }
  r.batches = b.Finish();
  return r;
}

Result Flatten(const std::vector<std::string>& docs, JsonFlattenOptions options = {}) {
  if (options.table.empty()) options.table = "t";
  JsonFlattener f(options);
  return Flatten(&f, docs);
}

const Batch* FindTable(const Result& r, const std::string& name) {
  for (const Batch& b : r.batches) {
    if (b.table == name) return &b;
  }
  return nullptr;
}

// The value as text, or "NULL".
std::string Value(const Batch& b, const std::string& column, size_t row) {
  const int c = b.FindColumn(column);
  if (c < 0) return "<no column " + column + ">";
  if (!b.columns[c].IsValid(row)) return "NULL";
  std::string s;
  b.columns[c].AppendValueAsText(row, &s);
  return s;
}

DataType TypeOf(const Batch& b, const std::string& column) {
  const int c = b.FindColumn(column);
  return c < 0 ? DataType::Of(TypeId::kBinary) : b.columns[c].type();
}

TEST(JsonFlattener, FlattensNestedObjects) {
  Result r = Flatten({R"({"id": 1, "user": {"firstName": "Ann", "address": {"zip": "01234"}}})"});
  ASSERT_EQ(r.batches.size(), 1u);
  const Batch& b = r.batches[0];
  EXPECT_EQ(b.table, "t");
  EXPECT_EQ(b.num_rows, 1u);
  EXPECT_EQ(b.names, (std::vector<std::string>{"_sluice_id", "id", "user__first_name",
                                               "user__address__zip"}));
  EXPECT_EQ(Value(b, "user__first_name", 0), "Ann");
  EXPECT_EQ(Value(b, "user__address__zip", 0), "01234");
  EXPECT_EQ(TypeOf(b, "id"), DataType::Of(TypeId::kInt64));
  EXPECT_EQ(TypeOf(b, "user__address__zip"), DataType::Of(TypeId::kText));
  const std::string id = Value(b, "_sluice_id", 0);
  ASSERT_EQ(id.size(), 36u) << "a UUID";
  EXPECT_EQ(id[14], '8') << "RFC 9562 version 8: " << id;
}

TEST(JsonFlattener, ArraysOfObjectsBecomeChildTables) {
  Result r = Flatten({R"({"id": 1, "items": [{"sku": "a", "parts": [{"n": 1}, {"n": 2}]},
                                              {"sku": "b"}]})",
                      R"({"id": 2, "items": []})", R"({"id": 3, "items": [{"sku": "c"}]})"});
  ASSERT_EQ(r.batches.size(), 3u);
  const Batch& root = r.batches[0];
  const Batch& items = r.batches[1];
  const Batch& parts = r.batches[2];
  EXPECT_EQ(root.num_rows, 3u);
  EXPECT_EQ(root.FindColumn("items"), -1);
  EXPECT_EQ(items.table, "t__items");
  EXPECT_EQ(parts.table, "t__items__parts");
  EXPECT_EQ(items.names, (std::vector<std::string>{"_sluice_id", "_sluice_parent_id",
                                                   "_sluice_list_idx", "sku"}));
  ASSERT_EQ(items.num_rows, 3u);
  EXPECT_EQ(Value(items, "_sluice_parent_id", 0), Value(root, "_sluice_id", 0));
  EXPECT_EQ(Value(items, "_sluice_parent_id", 1), Value(root, "_sluice_id", 0));
  EXPECT_EQ(Value(items, "_sluice_parent_id", 2), Value(root, "_sluice_id", 2));
  EXPECT_EQ(Value(items, "_sluice_list_idx", 0), "0");
  EXPECT_EQ(Value(items, "_sluice_list_idx", 1), "1");
  EXPECT_EQ(Value(items, "_sluice_list_idx", 2), "0");
  EXPECT_EQ(Value(items, "sku", 2), "c");
  ASSERT_EQ(parts.num_rows, 2u);
  EXPECT_EQ(Value(parts, "_sluice_parent_id", 1), Value(items, "_sluice_id", 0));
  EXPECT_EQ(Value(parts, "n", 1), "2");
  // Every id is distinct.
  std::set<std::string> ids;
  for (const Batch* b : {&root, &items, &parts}) {
    for (size_t i = 0; i < b->num_rows; i++) ids.insert(Value(*b, "_sluice_id", i));
  }
  EXPECT_EQ(ids.size(), 3u + 3u + 2u);
}

TEST(JsonFlattener, ScalarArraysGetAValueColumn) {
  Result r = Flatten({R"({"tags": ["x", "y"], "m": [[1, 2], [3]], "mixed": [1, {"a": 2}]})"});
  const Batch* tags = FindTable(r, "t__tags");
  ASSERT_NE(tags, nullptr);
  EXPECT_EQ(tags->num_rows, 2u);
  EXPECT_EQ(Value(*tags, "value", 1), "y");
  const Batch* m = FindTable(r, "t__m");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(TypeOf(*m, "value"), DataType::Of(TypeId::kJson));
  EXPECT_EQ(Value(*m, "value", 0), "[1,2]");
  const Batch* mixed = FindTable(r, "t__mixed");
  ASSERT_NE(mixed, nullptr);
  EXPECT_EQ(Value(*mixed, "value", 0), "1");
  EXPECT_EQ(Value(*mixed, "value", 1), "NULL");
  EXPECT_EQ(Value(*mixed, "a", 1), "2");
}

TEST(JsonFlattener, IdsAreDeterministic) {
  const std::vector<std::string> docs = {R"({"a": 1, "l": [{"b": 1}]})", R"({"a": 1})"};
  Result x = Flatten(docs), y = Flatten(docs);
  for (size_t t = 0; t < x.batches.size(); t++) {
    for (size_t i = 0; i < x.batches[t].num_rows; i++) {
      EXPECT_EQ(Value(x.batches[t], "_sluice_id", i), Value(y.batches[t], "_sluice_id", i));
    }
  }
  // Same content at another position: another id.
  EXPECT_NE(Value(x.batches[0], "_sluice_id", 0), Value(x.batches[0], "_sluice_id", 1));
}

TEST(JsonFlattener, PrimaryKeyDecidesTheRootId) {
  JsonFlattenOptions options;
  options.primary_key = {"userId"};
  Result r = Flatten({R"({"userId": 7, "v": 1, "l": [1]})", R"({"v": 2, "userId": 7, "l": [1]})",
                      R"({"userId": 8})", R"({"v": 3})"},
                     options);
  EXPECT_EQ(r.errors[3], "primary key column 'user_id' is missing or null");
  const Batch& b = r.batches[0];
  ASSERT_EQ(b.num_rows, 3u);
  EXPECT_EQ(Value(b, "_sluice_id", 0), Value(b, "_sluice_id", 1));
  EXPECT_NE(Value(b, "_sluice_id", 0), Value(b, "_sluice_id", 2));
  const Batch& l = r.batches[1];
  EXPECT_EQ(Value(l, "_sluice_id", 0), Value(l, "_sluice_id", 1)) << "child ids follow the parent";
  // Independent of batch and position.
  Result again = Flatten({R"({"userId": 8})"}, options);
  EXPECT_EQ(Value(again.batches[0], "_sluice_id", 0), Value(b, "_sluice_id", 2));
}

TEST(JsonFlattener, DepthLimitStoresJson) {
  JsonFlattenOptions options;
  options.max_nesting = 2;
  Result r = Flatten({R"({"a": {"b": {"c": {"d": 1}}, "x": [ {"y": [1, 2]} ]}})"}, options);
  const Batch& b = r.batches[0];
  // a (level 1) and a.b (level 2) are expanded; a.b.c is level 3.
  EXPECT_EQ(TypeOf(b, "a__b__c"), DataType::Of(TypeId::kJson));
  EXPECT_EQ(Value(b, "a__b__c", 0), R"({"d":1})");
  const Batch* x = FindTable(r, "t__a__x");
  ASSERT_NE(x, nullptr);
  EXPECT_EQ(Value(*x, "value", 0), R"({"y":[1,2]})");
}

TEST(JsonFlattener, JoinsTypesAcrossTheBatch) {
  Result r = Flatten({R"({"v": 1})", R"({"v": 2.5})", R"({"v": 1.25})"});
  EXPECT_EQ(TypeOf(r.batches[0], "v"), DataType::Decimal(2));
  EXPECT_EQ(Value(r.batches[0], "v", 0), "1.00");
  r = Flatten({R"({"v": 1})", R"({"v": 2.5e3})"});
  EXPECT_EQ(TypeOf(r.batches[0], "v"), DataType::Of(TypeId::kDouble));
  r = Flatten({R"({"v": 1})", R"({"v": 2.5})", R"({"v": "x"})", R"({"v": true})"});
  EXPECT_EQ(TypeOf(r.batches[0], "v"), DataType::Of(TypeId::kText));
  EXPECT_EQ(Value(r.batches[0], "v", 0), "1");
  EXPECT_EQ(Value(r.batches[0], "v", 1), "2.5");
  EXPECT_EQ(Value(r.batches[0], "v", 3), "true");
  r = Flatten({R"({"v": 12345678901234567890})", R"({"v": null})", R"({})"});
  EXPECT_EQ(TypeOf(r.batches[0], "v"), DataType::Of(TypeId::kDouble));
  EXPECT_EQ(Value(r.batches[0], "v", 1), "NULL");
  r = Flatten({R"({"v": "1"})", R"({"b": false})"});
  EXPECT_EQ(TypeOf(r.batches[0], "v"), DataType::Of(TypeId::kText)) << "strings stay text";
  EXPECT_EQ(TypeOf(r.batches[0], "b"), DataType::Of(TypeId::kBoolean));
}

TEST(JsonFlattener, ObjectWhereScalarWasBecomesJson) {
  Result r = Flatten({R"({"v": 1})", R"({"v": {"a": "q\"x"}})", R"({"v": "s"})"});
  const Batch& b = r.batches[0];
  EXPECT_EQ(TypeOf(b, "v"), DataType::Of(TypeId::kJson));
  EXPECT_EQ(Value(b, "v", 0), "1");
  EXPECT_EQ(Value(b, "v", 1), R"({"a":"q\"x"})");
  EXPECT_EQ(Value(b, "v", 2), R"("s")");
}

TEST(JsonFlattener, HintsFromEarlierBatchesWiden) {
  JsonFlattener f({"t", 5, {}});
  Flatten(&f, {R"({"v": 1.5})"});
  Result r = Flatten(&f, {R"({"v": 2})"});
  EXPECT_EQ(TypeOf(r.batches[0], "v"), DataType::Decimal(1));
  EXPECT_EQ(Value(r.batches[0], "v", 0), "2.0");
}

TEST(JsonFlattener, DatesInStrings) {
  Result r =
      Flatten({R"({"d": "2024-02-29", "ts": "2024-01-02T03:04:05Z", "l": "2024-01-02 03:04"})",
               R"({"d": "2024-03-01"})"});
  const Batch& b = r.batches[0];
  EXPECT_EQ(TypeOf(b, "d"), DataType::Of(TypeId::kDate));
  EXPECT_EQ(TypeOf(b, "ts"), DataType::Of(TypeId::kTimestampTz));
  EXPECT_EQ(TypeOf(b, "l"), DataType::Of(TypeId::kTimestamp));
  EXPECT_EQ(Value(b, "d", 1), "2024-03-01");
  r = Flatten({R"({"d": "2024-02-29"})", R"({"d": "soon"})"});
  EXPECT_EQ(TypeOf(r.batches[0], "d"), DataType::Of(TypeId::kText));
  EXPECT_EQ(Value(r.batches[0], "d", 0), "2024-02-29");
}

TEST(JsonFlattener, RejectsWithoutPartialRows) {
  Result r = Flatten({R"({"a": 1, "l": [{"x": 1}, {"x": tru}]})", R"([1, 2])", R"(42)",
                      R"({"a": 2, "l": [{"x": 3}]})", R"({"a": 1} {"a": 2})", R"({"a": 01})"});
  EXPECT_NE(r.errors[0], "");
  EXPECT_EQ(r.errors[1], "expected a JSON object, got an array");
  EXPECT_EQ(r.errors[2], "expected a JSON object, got a number");
  EXPECT_EQ(r.errors[3], "");
  EXPECT_NE(r.errors[4], "");
  EXPECT_NE(r.errors[5], "");
  ASSERT_EQ(r.batches.size(), 2u);
  EXPECT_EQ(r.batches[0].num_rows, 1u);
  EXPECT_EQ(Value(r.batches[0], "a", 0), "2");
  ASSERT_EQ(r.batches[1].num_rows, 1u);
  EXPECT_EQ(Value(r.batches[1], "x", 0), "3");
  EXPECT_EQ(Value(r.batches[1], "_sluice_parent_id", 0), Value(r.batches[0], "_sluice_id", 0));
}

TEST(JsonFlattener, ARepeatedKeyRejectsTheDocumentInsteadOfGuessing) {
  Result r = Flatten({R"({"id": 1, "t": [1, 2], "t": [3]})", R"({"id": 2, "o": {"x": 1}, "o": 5})",
                      R"({"id": 3, "a": {"k": 1, "k": 2}})",
                      R"({"id": 4, "a": {"k": 1}, "b": {"k": 2}})"});
  EXPECT_NE(r.errors[0].find("duplicate key \"t\""), std::string::npos) << r.errors[0];
  EXPECT_NE(r.errors[1].find("duplicate key \"o\""), std::string::npos) << r.errors[1];
  EXPECT_NE(r.errors[2].find("duplicate key \"k\""), std::string::npos) << r.errors[2];
  EXPECT_EQ(r.errors[3], "") << "the same key in sibling objects is fine";
  ASSERT_EQ(r.batches[0].num_rows, 1u) << "no partial rows of rejected documents";
  EXPECT_EQ(Value(r.batches[0], "id", 0), "4");
}

TEST(JsonFlattener, UnicodeEscapedAndDuplicateKeys) {
  Result r = Flatten({R"({"\u0061b": 1, "Größe": 2, "a b": 3, "a_b": 4, "_sluice_id": 5,
                         "": 6, "x": 8})"});
  const Batch& b = r.batches[0];
  EXPECT_EQ(Value(b, "ab", 0), "1");
  EXPECT_EQ(Value(b, "größe", 0), "2");
  EXPECT_EQ(Value(b, "a_b", 0), "3");
  EXPECT_EQ(Value(b, "a_b_2", 0), "4");
  EXPECT_EQ(Value(b, "_sluice_id_2", 0), "5");
  EXPECT_EQ(Value(b, "col_6", 0), "6");
  EXPECT_EQ(Value(b, "x", 0), "8");
  // The same raw keys map to the same names in later batches (and other threads).
  JsonFlattener f({"t", 5, {}});
  Flatten(&f, {R"({"a b": 1, "a_b": 2})"});
  Result later = Flatten(&f, {R"({"a_b": 3, "a b": 4})"});
  EXPECT_EQ(Value(later.batches[0], "a_b", 0), "4");
  EXPECT_EQ(Value(later.batches[0], "a_b_2", 0), "3");
}

TEST(JsonFlattener, DeepNestingBombDoesNotCrash) {
  std::string deep;
  for (int i = 0; i < 10000; i++) deep += R"({"a":)";
  deep += "1";
  for (int i = 0; i < 10000; i++) deep += "}";
  std::string arrays = R"({"a":)" + std::string(10000, '[') + std::string(10000, ']') + "}";
  Result r = Flatten({deep, arrays, std::string(10000, '[')});
  EXPECT_NE(r.errors[0], "");
  EXPECT_NE(r.errors[1], "");
  EXPECT_NE(r.errors[2], "");
  EXPECT_TRUE(r.batches.empty());
}

}  // namespace
}  // namespace sluice
