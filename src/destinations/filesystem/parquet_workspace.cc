#include "destinations/filesystem/parquet_workspace.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
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

namespace {
// Workspaces of processes that were killed (kill -9 skips destructors) are removed by the next
// one: the directory name carries the owner's pid.
void RemoveDeadWorkspaces(const std::string& tmp) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(tmp, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("sluice-parquet-", 0) != 0) continue;
    const long pid = std::strtol(name.c_str() + 15, nullptr, 10);
    if (pid <= 0 || (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH)) {
      std::error_code ignored;
      std::filesystem::remove_all(entry.path(), ignored);
    }
  }
}
}  // namespace

ParquetWorkspace::ParquetWorkspace(std::string compression) : compression_(std::move(compression)) {
  const char* env_tmp = std::getenv("TMPDIR");
  const std::string tmp = env_tmp && *env_tmp ? env_tmp : "/tmp";
  RemoveDeadWorkspaces(tmp);
  std::string pattern = tmp + "/sluice-parquet-" + std::to_string(::getpid()) + "-XXXXXX";
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
