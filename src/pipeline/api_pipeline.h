#pragma once
// `sluice run PIPELINE.yaml`: loads every selected resource of every API source in the file
// (docs/api-sources.md). Each resource is one load (one transaction) into its table family,
// parents before their children. What a resource's next run needs is pipeline state committed
// with its rows: its incremental cursor, and for a parent, the parent records whose children
// are still to be fetched ("pending_parents" of the child). A child's load fetches those and
// clears them in its own transaction, so a crash between the two loads neither loses nor
// doubles child rows.
#include <string>
#include <vector>

#include "config/pipeline_config.h"
#include "pipeline/load_report.h"

namespace sluice {

struct ApiRunOptions {
  size_t workers = 0;  // parse workers; 0 = one per core
  bool progress = true;
  std::vector<std::string> only;  // resource names to run (their parents run too); empty = all
};

struct ResourceRun {
  std::string source;    // source name
  std::string resource;  // resource name
  std::string status;    // committed | failed | skipped
  LoadReport report;
  uint64_t pages = 0;
  uint64_t records_received = 0;  // selected from responses, before filters and the cursor
  uint64_t records_filtered = 0;
};

// Runs the pipeline; never throws for a failing resource (its ResourceRun says failed and why)
// but throws UsageError for configurations it cannot run at all.
std::vector<ResourceRun> RunApiPipeline(const PipelineConfig& config, const ApiRunOptions& options);

// {"pipeline": ..., "status": ..., "resources": [...]} with each resource's load report.
std::string RenderApiRunJson(const PipelineConfig& config, const std::vector<ResourceRun>& runs);
std::string RenderApiRunHuman(const std::vector<ResourceRun>& runs);

}  // namespace sluice
