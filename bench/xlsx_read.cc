// The xlsx reader alone: every chunk read and parsed into typed batches on the usual worker
// threads (the runner's Pump), delivered to a sink that only counts. No destination.
//
//   sluice_xlsx_read FILE.xlsx [--sheet S] [--threads N] [--phase read]
//
// Prints rows, cells (rows x columns of the batches), seconds and cells/s. `--phase read` runs
// only the sequential phase (ReadChunk: inflate + XML) on this thread and reports its CPU time,
// which bounds the reader's throughput whatever else the machine is doing.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "core/error.h"
#include "destinations/batch_sink.h"
#include "pipeline/runner.h"
#include "sources/open_source.h"

namespace {

class CountingSink final : public sluice::BatchSink {
 public:
  void Write(sluice::Batch& batch) override {
    rows += batch.num_rows;
    cells += batch.num_rows * batch.columns.size();
  }
  void WriteRejects(const std::vector<sluice::RejectedRecord>& rejects) override {
    rejected += rejects.size();
  }
  uint64_t rows = 0, cells = 0, rejected = 0;
};

double CpuSeconds(int who) {
  rusage usage;
  getrusage(who, &usage);
  return double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FILE.xlsx [--sheet S] [--threads N]\n", argv[0]);
    return 2;
  }
  sluice::SourceOptions options;
  options.format = sluice::InputFormat::kXlsx;
  sluice::RunOptions run;
  run.progress = false;
  bool read_only = false;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--sheet") == 0) options.xlsx.sheet = argv[i + 1];
    if (std::strcmp(argv[i], "--threads") == 0) run.workers = size_t(std::atoi(argv[i + 1]));
    if (std::strcmp(argv[i], "--phase") == 0) read_only = std::strcmp(argv[i + 1], "read") == 0;
  }
  try {
    const auto start = std::chrono::steady_clock::now();
    auto source = sluice::OpenSource(argv[1], options);
    if (read_only) {
      sluice::RawChunk chunk;
      uint64_t chunks = 0, bytes = 0;
      while (source->ReadChunk(&chunk)) {
        chunks++;
        bytes += chunk.data.size();
        chunk = sluice::RawChunk();
      }
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      // This thread runs expat: on an idle machine it is the critical path (the prefetcher
      // and the shared-string loader run beside it).
      std::printf(
          "phase=read chunks=%llu record_bytes=%llu seconds=%.3f xml_thread_cpu_s=%.3f "
          "process_cpu_s=%.3f\n",
          (unsigned long long)chunks, (unsigned long long)bytes, seconds, CpuSeconds(RUSAGE_THREAD),
          CpuSeconds(RUSAGE_SELF));
      return 0;
    }
    CountingSink sink;
    sluice::LoadReport report;
    sluice::Pump(*source, sink, run, &report);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double cpu = CpuSeconds(RUSAGE_SELF);
    std::printf(
        "rows=%llu cells=%llu rejected=%llu seconds=%.3f cells_per_s=%.0f cpu_s=%.3f "
        "cells_per_cpu_s=%.0f\n",
        (unsigned long long)sink.rows, (unsigned long long)sink.cells,
        (unsigned long long)sink.rejected, seconds, double(sink.cells) / seconds, cpu,
        double(sink.cells) / cpu);
  } catch (const sluice::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
