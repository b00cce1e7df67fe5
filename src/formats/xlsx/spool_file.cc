#include "formats/xlsx/spool_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "core/error.h"
#include "storage/http/http_client.h"
#include "storage/storage.h"

namespace sluice {

int SpoolToTemporaryFile(const std::string& uri) {
  const char* dir = std::getenv("TMPDIR");
  std::string path = std::string(dir && *dir ? dir : "/tmp") + "/sluice_spool_XXXXXX";
  const int fd = ::mkstemp(path.data());
  if (fd < 0) {
    throw Error(ErrorKind::kIo,
                "cannot create a spool file in " + path + ": " + std::strerror(errno), true);
  }
  ::unlink(path.c_str());
  try {
    std::unique_ptr<InputStream> in = StorageFor(uri).OpenRead(uri);
    std::string buffer(size_t{1} << 20, '\0');
    for (;;) {
      const size_t n = in->Read(buffer.data(), buffer.size());
      if (n == 0) break;
      for (size_t done = 0; done < n;) {
        const ssize_t w = ::write(fd, buffer.data() + done, n - done);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) {
          throw Error(
              ErrorKind::kIo,
              "spooling " + UrlForDisplay(uri) + " to " + path + ": " + std::strerror(errno), true);
        }
        done += size_t(w);
      }
    }
    ::lseek(fd, 0, SEEK_SET);
  } catch (...) {
    ::close(fd);
    throw;
  }
  return fd;
}

}  // namespace sluice
