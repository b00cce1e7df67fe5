#include "io/glob.h"

#include <glob.h>
#include <sys/stat.h>

#include "core/error.h"

namespace sluice {

std::vector<InputFile> ExpandSourcePattern(const std::string& pattern) {
  std::vector<InputFile> files;
  glob_t g{};
  const int rc = ::glob(pattern.c_str(), GLOB_BRACE | GLOB_TILDE, nullptr, &g);
  if (rc == 0) {
    for (size_t i = 0; i < g.gl_pathc; i++) {
      struct stat st {};
      if (::stat(g.gl_pathv[i], &st) == 0 && S_ISREG(st.st_mode)) {
        files.push_back({g.gl_pathv[i], static_cast<int64_t>(st.st_size)});
      }
    }
  }
  globfree(&g);
  if (files.empty()) {
    throw InputError("no input file matches '" + pattern +
                     "': check the path, or quote the pattern so the shell does not expand it");
  }
  return files;
}

}  // namespace sluice
