#pragma once
// A destination that reads the schema and state of a real one but changes nothing: a load run
// into it shows what it would do (`sluice schema SOURCE --destination URI` prints the schema
// changes the evolver decides) without writing a row or altering a table.
#include <memory>

#include "destinations/destination.h"

namespace sluice {

class DryRunDestination final : public Destination {
 public:
  explicit DryRunDestination(std::unique_ptr<Destination> real) : real_(std::move(real)) {}

  size_t MaxIdentifierBytes() const override { return real_->MaxIdentifierBytes(); }
  std::vector<TableSchema> ReadTables(const std::string& root) override {
    return real_->ReadTables(root);
  }
  bool ColumnHasValues(const std::string& table, const std::string& column) override {
    return real_->ColumnHasValues(table, column);
  }
  uint8_t LoadedIntegerDigits(const std::string& table, const std::string& column) override {
    return real_->LoadedIntegerDigits(table, column);
  }
  std::vector<StateEntry> ReadState(const std::string& pipeline) override {
    return real_->ReadState(pipeline);
  }
  uint64_t ResetState(const std::string&) override { return 0; }
  void Begin(const LoadPlan&) override {}
  void CreateTable(const TableSchema&) override {}
  void AddColumn(const std::string&, const ColumnSchema&) override {}
  void WidenColumn(const std::string&, const ColumnSchema&) override {}
  void Write(Batch&) override {}
  void WriteRejects(const std::vector<RejectedRecord>&) override {}
  void Commit(const LoadRecord&) override {}
  void Rollback() noexcept override {}
  void RecordFailure(const LoadRecord&, const std::string&) noexcept override {}
  std::string Describe() const override { return real_->Describe() + " (dry run)"; }

 private:
  std::unique_ptr<Destination> real_;
};

}  // namespace sluice
