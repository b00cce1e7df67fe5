#pragma once
// For tests: every destination behind one harness, so one conformance suite runs against all of
// them. A harness opens fresh destinations on an empty database and reads rows back as
// "a|b|c" lines (NULL spelled NULL), and drives loads the way the runner does: every batch goes
// through the schema evolver first.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "destinations/destination.h"
#include "schema/schema_evolver.h"

namespace sluice::testing_util {

class DestinationHarness {
 public:
  virtual ~DestinationHarness() = default;
  virtual std::string Name() const = 0;
  // The destination URI for `sluice load` (end-to-end tests).
  virtual std::string Uri() const = 0;
  virtual std::unique_ptr<Destination> Open() = 0;
  virtual std::vector<std::string> Query(const std::string& sql) = 0;
  // Tables of the test's database whose names do not start with _sluice_.
  virtual std::vector<std::string> UserTables() = 0;
  // Every table of the test's database, sluice's own included (staging tables left behind).
  virtual std::vector<std::string> AllTables() = 0;
  // False for destinations that refuse --mode merge up front (files): merge specs check the
  // refusal instead.
  virtual bool SupportsMerge() const { return true; }
};

// Implemented in destinations/filesystem (Parquet under a temp directory).
std::unique_ptr<DestinationHarness> MakeFilesystemHarness(const std::string& test_name);

struct HarnessFactory {
  std::string name;
  std::function<std::unique_ptr<DestinationHarness>(const std::string& test_name)> make;
};
// The harnesses available in this build and environment (PostgreSQL needs a server).
std::vector<HarnessFactory> AllHarnesses();

// One load, driven like the runner drives it.
class TestLoad {
 public:
  TestLoad(Destination& destination, LoadPlan plan, SchemaContract contract = {})
      : destination_(destination), plan_(std::move(plan)), evolver_(destination_, plan_, contract) {
    destination_.Begin(plan_);
    evolver_.Start();
  }
  // Returns the rows the evolver refused (also written to _sluice_rejects).
  std::vector<RejectedRecord> Write(Batch batch) {
    std::vector<RejectedRecord> rejects;
    evolver_.Conform(batch, &rejects);
    destination_.Write(batch);
    destination_.WriteRejects(rejects);
    return rejects;
  }
  void Commit(LoadRecord record = {}) {
    record.schemas = evolver_.Versions();
    destination_.Commit(record);
  }
  void Rollback() { destination_.Rollback(); }
  const EvolutionStats& stats() const { return evolver_.stats(); }

 private:
  Destination& destination_;
  LoadPlan plan_;
  SchemaEvolver evolver_;
};

// Builds a batch from rows of text: int64 via stoll, decimals as unscaled integers, booleans
// from "true", everything else as text; nullptr is NULL.
Batch MakeBatch(const std::string& table, std::vector<std::string> names,
                std::vector<DataType> types, std::vector<std::vector<const char*>> rows);

}  // namespace sluice::testing_util
