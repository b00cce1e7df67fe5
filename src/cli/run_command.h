#pragma once
// `sluice run PIPELINE.yaml`: runs the API sources a pipeline file declares
// (docs/api-sources.md; every key in docs/pipeline-reference.md).
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace sluice {

struct RunFlags {
  std::string pipeline_file;
  std::string secrets_file;  // "" = $SLUICE_SECRETS_FILE if set
  std::string destination;   // overrides the file's
  std::vector<std::string> resources;
  std::string report = "text";
  size_t threads = 0;
  bool quiet = false;
};

void AddRunFlags(CLI::App* run, RunFlags* flags);
// Exit codes as for load: 0 every resource committed, 3 committed with rejected records,
// 1 a resource failed (the others still ran; their loads stand), 2 usage.
int RunPipelineCommand(const RunFlags& flags);

}  // namespace sluice
