#include "cli/run_command.h"

#include <cstdlib>
#include <iostream>

#include "config/pipeline_config.h"
#include "core/error.h"
#include "pipeline/api_pipeline.h"

namespace sluice {

void AddRunFlags(CLI::App* run, RunFlags* flags) {
  run->add_option("PIPELINE", flags->pipeline_file, "Pipeline file (YAML)")->required();
  run->add_option("--secrets", flags->secrets_file,
                  "YAML file NAME: value for ${NAME} in the pipeline file (default: "
                  "$SLUICE_SECRETS_FILE); its values are never printed");
  run->add_option("--destination", flags->destination, "Overrides the file's destination");
  run->add_option("--resource", flags->resources,
                  "Run only this resource (and its parents); repeatable");
  run->add_option("--report", flags->report, "text (stderr) | json (stdout)")
      ->capture_default_str();
  run->add_option("--threads", flags->threads, "Parse workers (default: one per core)");
  run->add_flag("--quiet,-q", flags->quiet, "No progress bar and no summary unless it failed");
}

int RunPipelineCommand(const RunFlags& flags) {
  if (flags.report != "text" && flags.report != "json") {
    throw UsageError("--report takes text or json");
  }
  std::string secrets = flags.secrets_file;
  if (secrets.empty()) {
    if (const char* env = std::getenv("SLUICE_SECRETS_FILE")) secrets = env;
  }
  PipelineConfig config = LoadPipelineConfig(flags.pipeline_file, secrets);
  if (!flags.destination.empty()) config.destination = flags.destination;
  ApiRunOptions options;
  options.workers = flags.threads;
  options.progress = !flags.quiet && flags.report == "text";
  options.only = flags.resources;
  const std::vector<ResourceRun> runs = RunApiPipeline(config, options);
  int code = 0;
  for (const auto& r : runs) {
    if (r.status != "committed") {
      code = 1;
    } else if (r.report.rows_rejected && code == 0) {
      code = 3;
    }
  }
  if (flags.report == "json") {
    std::cout << RenderApiRunJson(config, runs) << std::endl;
  } else if (!flags.quiet || code != 0) {
    std::cerr << RenderApiRunHuman(runs);
  }
  return code;
}

}  // namespace sluice
