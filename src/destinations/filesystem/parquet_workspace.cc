#include "destinations/filesystem/parquet_workspace.h"

#include <cstdlib>
#include <filesystem>

#include "core/error.h"

namespace sluice {
std::string SqlStringLiteral(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

ParquetWorkspace::ParquetWorkspace(std::string compression) : compression_(std::move(compression)) {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/sluice-parquet-XXXXXX";
  if (!mkdtemp(pattern.data())) {
    throw Error(ErrorKind::kIo, "cannot create a temporary directory for Parquet files under " +
                                    pattern.substr(0, pattern.rfind('/')));
  }
  dir_ = pattern;
  connection_ = std::make_unique<DuckDbConnection>(":memory:");
  // Bounded memory: buffered rows beyond the limit spill to the private directory.
  connection_->Execute("SET memory_limit = '128MB'");
  connection_->Execute("SET temp_directory = " + SqlStringLiteral(dir_ + "/spill"));
  connection_->Execute("SET preserve_insertion_order = true");
}

ParquetWorkspace::~ParquetWorkspace() {
  connection_.reset();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string ParquetWorkspace::NextName() {
  return "buffer_" + std::to_string(counter_++);
}

}  // namespace sluice
