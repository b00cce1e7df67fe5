#pragma once
// Runs a load: the source's reader thread cuts chunks, worker threads parse them, and the
// calling thread hands the parsed batches to the sink in input order. All stages are connected
// by bounded queues plus a window on chunks in flight, so memory stays flat whatever the input
// size (see docs/architecture.md, "Data path").
#include <cstdint>
#include <functional>

#include "destinations/destination.h"
#include "pipeline/load_report.h"
#include "schema/schema_contract.h"
#include "schema/schema_evolver.h"
#include "sources/source.h"

namespace sluice {

struct RunOptions {
  // Parse workers; 0 = one per core.
  size_t workers = 0;
  // More rejected rows than this fails the load (it is rolled back). Default: see
  // docs/configuration.md.
  uint64_t max_bad_rows = 1000;
  // Stop after this many decoded bytes (sampling for `sluice schema`); 0 = read everything.
  uint64_t max_decoded_bytes = 0;
  bool progress = true;
  // What the load may change in the destination's schema (schema/schema_contract.h).
  SchemaContract contract;
  // Chooses the root rows the load keeps (e.g. an incremental cursor); not owned, may be null.
  RootRowFilter* root_filter = nullptr;
  // Called after every row is delivered and before the commit; the pipeline state it returns
  // is committed in the same transaction as the data (e.g. fingerprints of the loaded files).
  std::function<std::vector<StateEntry>()> final_state;
};

// Pumps every chunk of `source` into `sink` in order; fills the counters of `report`. With an
// evolver, every batch is conformed to the destination's schema before it is written, and the
// rows it refuses count as rejects.
void Pump(Source& source, BatchSink& sink, const RunOptions& options, LoadReport* report,
          SchemaEvolver* evolver = nullptr);

// One complete load: Begin, Pump, Commit; on any error Rollback, record the failure and rethrow.
// The report is filled in either case.
void RunLoad(Source& source, Destination& destination, const LoadPlan& plan,
             const RunOptions& options, LoadReport* report);

// A new load id: UTC time plus random bits, e.g. "20261126T021530Z-3f9a1c2b".
std::string NewLoadId();
int64_t NowMicros();

}  // namespace sluice
