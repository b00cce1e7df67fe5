#include "formats/parquet/parquet_spool.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "core/error.h"
#include "storage/http/http_client.h"
#include "storage/storage.h"

namespace sluice {

SpooledFile::SpooledFile(InputStream& in, const std::string& display) {
  const char* dir = std::getenv("TMPDIR");
  std::string pattern = std::string(dir && *dir ? dir : "/tmp") + "/sluice-spool-XXXXXX";
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  const int fd = mkstemp(name.data());
  if (fd < 0) {
    throw Error(ErrorKind::kIo, "cannot create a temporary file for " + display + " in " +
                                    pattern.substr(0, pattern.rfind('/')) + ": " +
                                    std::strerror(errno));
  }
  path_ = name.data();
  try {
    std::vector<char> buf(size_t{1} << 20);
    for (;;) {
      const size_t n = in.Read(buf.data(), buf.size());
      if (n == 0) break;
      size_t done = 0;
      while (done < n) {
        const ssize_t w = ::write(fd, buf.data() + done, n - done);
        if (w < 0) {
          if (errno == EINTR) continue;
          throw Error(ErrorKind::kIo, "cannot spool " + display + " to " + path_ + " after " +
                                          std::to_string(bytes_ + done) +
                                          " bytes: " + std::strerror(errno));
        }
        done += static_cast<size_t>(w);
      }
      bytes_ += n;
    }
  } catch (...) {
    ::close(fd);
    ::unlink(path_.c_str());
    throw;
  }
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(path_.c_str());
    throw Error(ErrorKind::kIo, "cannot spool " + display + ": " + std::strerror(err));
  }
}

SpooledFile::~SpooledFile() {
  ::unlink(path_.c_str());
}

std::string ObjectForDisplay(const std::string& uri) {
  return UrlForDisplay(uri.substr(0, uri.find('?')));
}

std::unique_ptr<InputStream> OpenRemoteObject(const std::string& uri) {
  return StorageFor(uri).OpenRead(uri);
}

}  // namespace sluice
