#pragma once
// Incremental loading of an API resource by a cursor field in its records (config:
// `incremental`, docs/api-sources.md). It works on records before they are flattened, so the
// same decision feeds both the resource's rows and its child resources:
// - the start value sent to the API (`param`) is the stored last value minus the lag, or the
//   initial value on a first run;
// - records below the start value (or, without a lag, below the last value) are skipped: the
//   API sent more than asked;
// - records carrying exactly the last value load unless their primary key was among the records
//   that carried it when it was stored (boundary deduplication);
// - records at or beyond the end value are skipped; a run with an end value is a backfill
//   window: it starts at the initial value whatever is stored, and does not move the cursor;
// - a record without the cursor field is rejected with the reason, or loaded (on_null: load).
// Values compare as numbers when both are numbers, as instants when both parse as timestamps
// or dates, else as text.
#include <simdjson.h>

#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "api/json_path.h"
#include "config/pipeline_config.h"

namespace sluice {

class RecordCursor {
 public:
  // `stored` is the state value an earlier run committed ("" on a first run). `primary_key`
  // are paths into the record (boundary deduplication; empty = the whole record).
  RecordCursor(IncrementalConfig config, std::vector<std::string> primary_key,
               const std::string& stored);

  // The value to send as the start parameter ("" when there is none).
  const std::string& StartValue() const { return start_text_; }
  // Whether the start value is a number the API sent as a JSON number (or a numeric initial
  // value): GraphQL variables then get it unquoted.
  bool StartIsNumber() const { return start_.kind == Value::Kind::kNumber && start_number_; }
  // Throws UsageError unless `lag` is "" or a duration (a number; 90s, 15m, 2h, 3d).
  static void ValidateLag(const std::string& lag);
  const IncrementalConfig& config() const { return config_; }

  enum class Verdict { kLoad, kSkip, kNullCursor };
  // Thread-safe. `record_json` is the record's compact text (for keys without a primary key).
  Verdict Judge(simdjson::dom::element record, std::string_view record_json);

  // The state value to commit with this run ("" = leave the stored state as it is).
  std::string StateJson() const;
  static std::string StateKey() { return "cursor"; }
  uint64_t skipped() const;

 private:
  struct Value {
    enum class Kind { kNone, kNumber, kInstant, kText } kind = Kind::kNone;
    double number = 0;
    int64_t micros = 0;
    std::string text;          // as the API wrote it (strings unquoted)
    bool json_number = false;  // the API sent it as a JSON number (not a string)
  };
  static Value FromText(const std::string& text);
  static Value FromJson(simdjson::dom::element value);
  // <0, 0, >0; values of different kinds compare by text.
  static int Compare(const Value& a, const Value& b);
  Value Minus(const Value& v, const std::string& lag) const;
  std::string KeyOf(simdjson::dom::element record, std::string_view record_json) const;

  IncrementalConfig config_;
  JsonPath path_;
  std::vector<JsonPath> key_paths_;
  Value last_, start_, end_;
  std::set<std::string> boundary_keys_;
  std::string start_text_;
  bool start_number_ = false;

  mutable std::mutex mu_;
  Value max_;
  std::set<std::string> max_keys_;
  uint64_t skipped_ = 0;
};

}  // namespace sluice
