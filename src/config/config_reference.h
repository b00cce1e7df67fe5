#pragma once
// docs/pipeline-reference.md, rendered from the config_schema.h declaration. A test in
// sluice_config_tests fails when the committed file differs from this text.
#include <string>

namespace sluice {

// The whole markdown document: intro, then one table per file kind (pipeline, webhook) with
// every key's path, type, default and description.
std::string RenderPipelineReference();

}  // namespace sluice
