#pragma once
// Helpers for end-to-end tests: run the real `sluice` binary, then query the DuckDB file it wrote.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "destinations/duckdb/duckdb_test_util.h"

namespace sluice::testing_util {

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

inline std::string SluiceBinary() {
  const char* bin = std::getenv("SLUICE_BIN");
  return bin ? bin : "build/sluice";
}

// Runs `sluice ARGS` through the shell (args are test-controlled), capturing stdout and stderr.
// `env` ("NAME=value ") prefixes the command.
inline CommandResult RunSluice(const std::string& args, const std::string& cwd = "",
                               const std::string& env = "") {
  char err_path[] = "/tmp/sluice_stderr_XXXXXX";
  const int err_fd = mkstemp(err_path);
  if (err_fd >= 0) close(err_fd);
  std::string cmd = (cwd.empty() ? "" : "cd '" + cwd + "' && ") + env + "'" + SluiceBinary() +
                    "' " + args + " 2>'" + err_path + "'";
  CommandResult r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (FILE* e = fopen(err_path, "r")) {
    while ((n = fread(buf.data(), 1, buf.size(), e)) > 0) r.err.append(buf.data(), n);
    fclose(e);
  }
  unlink(err_path);
  return r;
}

inline std::string SourceDir() {
  return SLUICE_SOURCE_DIR;
}

class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::path(::testing::TempDir()) /
            ("sluice_e2e_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string File(const std::string& name) const { return (path_ / name).string(); }
  std::string Write(const std::string& name, const std::string& content) const {
    std::ofstream(File(name), std::ios::binary) << content;
    return File(name);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline std::vector<std::string> ColumnTypes(const std::string& db, const std::string& table) {
  return QueryRows(db,
                   "SELECT column_name || ' ' || data_type FROM duckdb_columns() WHERE "
                   "table_name = '" +
                       table + "' ORDER BY column_index");
}

}  // namespace sluice::testing_util
