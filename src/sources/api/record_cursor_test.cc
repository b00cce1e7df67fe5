#include "sources/api/record_cursor.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

IncrementalConfig Config(std::string path = "updated_at") {
  IncrementalConfig c;
  c.cursor_path = std::move(path);
  return c;
}

// Judges records given as JSON; returns "L" (load), "S" (skip) or "N" (null cursor) per record.
std::string Judge(RecordCursor& cursor, const std::vector<std::string>& records) {
  simdjson::dom::parser parser;
  std::string verdicts;
  for (const auto& json : records) {
    simdjson::dom::element e = parser.parse(json).value();
    switch (cursor.Judge(e, json)) {
      case RecordCursor::Verdict::kLoad:
        verdicts += 'L';
        break;
      case RecordCursor::Verdict::kSkip:
        verdicts += 'S';
        break;
      case RecordCursor::Verdict::kNullCursor:
        verdicts += 'N';
        break;
    }
  }
  return verdicts;
}

TEST(RecordCursor, FirstRunSendsTheInitialValueAndSkipsOlderRecords) {
  IncrementalConfig c = Config();
  c.initial_value = "2024-01-01T00:00:00Z";
  RecordCursor cursor(c, {"id"}, "");
  EXPECT_EQ(cursor.StartValue(), "2024-01-01T00:00:00Z");
  EXPECT_EQ(Judge(cursor, {R"({"id":1,"updated_at":"2023-12-31T23:59:59Z"})",
                           R"({"id":2,"updated_at":"2024-01-01T00:00:00Z"})",
                           R"({"id":3,"updated_at":"2024-03-01T10:00:00+02:00"})"}),
            "SLL");
  EXPECT_EQ(cursor.skipped(), 1u);
  EXPECT_EQ(cursor.StateJson(),
            R"({"last_value":"2024-03-01T10:00:00+02:00","boundary_keys":["3"]})");
}

TEST(RecordCursor, NextRunStartsAtTheLastValueAndDropsBoundaryDuplicatesByKey) {
  RecordCursor cursor(Config(), {"id"},
                      R"({"last_value":"2024-03-01T08:00:00Z","boundary_keys":["3"]})");
  EXPECT_EQ(cursor.StartValue(), "2024-03-01T08:00:00Z");
  // Record 3 carried the last value and was loaded; record 4 carries it too and is new.
  EXPECT_EQ(Judge(cursor, {R"({"id":3,"updated_at":"2024-03-01T08:00:00Z"})",
                           R"({"id":4,"updated_at":"2024-03-01T08:00:00Z"})",
                           R"({"id":2,"updated_at":"2024-02-01T00:00:00Z"})"}),
            "SLS");
  // The last value did not move: the stored keys and the new one are both remembered.
  EXPECT_EQ(cursor.StateJson(),
            R"({"last_value":"2024-03-01T08:00:00Z","boundary_keys":["3","4"]})");
}

TEST(RecordCursor, NumbersCompareAsNumbersNotText) {
  RecordCursor cursor(Config("seq"), {}, R"({"last_value":"9","boundary_keys":[]})");
  EXPECT_EQ(Judge(cursor, {R"({"seq":10})", R"({"seq":8})", R"({"seq":"11"})"}), "LSL");
  EXPECT_EQ(cursor.StateJson().rfind(R"({"last_value":"11",)", 0), 0u);
}

TEST(RecordCursor, LagMovesTheStartBackAndKeepsTheStoredValueWhenOnlyOlderRecordsCame) {
  IncrementalConfig c = Config();
  c.lag = "1h";
  RecordCursor cursor(c, {"id"}, R"({"last_value":"2024-03-01T08:00:00Z","boundary_keys":["3"]})");
  EXPECT_EQ(cursor.StartValue(), "2024-03-01T07:00:00Z");
  EXPECT_EQ(Judge(cursor, {R"({"id":3,"updated_at":"2024-03-01T08:00:00Z"})",
                           R"({"id":5,"updated_at":"2024-03-01T07:30:00Z"})",
                           R"({"id":6,"updated_at":"2024-03-01T06:59:59Z"})"}),
            "LLS");
  EXPECT_EQ(cursor.StateJson(), R"({"last_value":"2024-03-01T08:00:00Z","boundary_keys":["3"]})");
}

TEST(RecordCursor, EndValueBoundsAWindowAndNeverMovesTheStoredCursor) {
  IncrementalConfig c = Config("id");
  c.initial_value = "10";
  c.end_value = "20";
  RecordCursor cursor(c, {}, "");
  EXPECT_EQ(Judge(cursor, {R"({"id":9})", R"({"id":10})", R"({"id":19})", R"({"id":20})"}), "SLLS");
  EXPECT_EQ(cursor.StateJson(), "");
}

TEST(RecordCursor, ABackfillWindowStartsAtTheInitialValueWhateverIsStored) {
  IncrementalConfig c = Config();
  c.initial_value = "2023-01-01T00:00:00Z";
  c.end_value = "2023-07-01T00:00:00Z";
  RecordCursor cursor(c, {"id"}, R"({"last_value":"2024-06-01T00:00:00Z","boundary_keys":[]})");
  EXPECT_EQ(cursor.StartValue(), "2023-01-01T00:00:00Z");
  EXPECT_EQ(Judge(cursor, {R"({"id":1,"updated_at":"2023-03-01T00:00:00Z"})",
                           R"({"id":2,"updated_at":"2023-08-01T00:00:00Z"})"}),
            "LS");
  EXPECT_EQ(cursor.StateJson(), "");
}

TEST(RecordCursor, NumbersStayNumbersInTheStateSoGraphqlGetsThemUnquoted) {
  RecordCursor first(Config("seq"), {}, "");
  EXPECT_EQ(Judge(first, {R"({"seq":41})", R"({"seq":42})"}), "LL");
  EXPECT_EQ(first.StateJson().rfind(R"({"last_value":42,)", 0), 0u) << first.StateJson();
  RecordCursor next(Config("seq"), {}, first.StateJson());
  EXPECT_EQ(next.StartValue(), "42");
  EXPECT_TRUE(next.StartIsNumber());
  RecordCursor text(Config("seq"), {}, R"({"last_value":"42","boundary_keys":[]})");
  EXPECT_FALSE(text.StartIsNumber());
}

TEST(RecordCursor, RecordsWithoutACursorAreRejectedOrLoadedAsConfigured) {
  RecordCursor reject(Config(), {}, "");
  EXPECT_EQ(Judge(reject, {R"({"id":1})", R"({"id":2,"updated_at":null})"}), "NN");
  IncrementalConfig c = Config();
  c.on_null = IncrementalConfig::OnNull::kLoad;
  RecordCursor load(c, {}, "");
  EXPECT_EQ(Judge(load, {R"({"id":1})"}), "L");
  EXPECT_EQ(load.StateJson(), "");
}

TEST(RecordCursor, NestedCursorPaths) {
  RecordCursor cursor(Config("$.meta.version"), {}, R"({"last_value":"3","boundary_keys":[]})");
  EXPECT_EQ(Judge(cursor, {R"({"meta":{"version":4}})", R"({"meta":{"version":2}})"}), "LS");
}

}  // namespace
}  // namespace sluice
