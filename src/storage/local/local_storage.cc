#include "storage/local/local_storage.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>

#include "core/error.h"

namespace sluice {
namespace {

namespace fs = std::filesystem;

ObjectInfo InfoFromStat(const std::string& uri, const struct stat& st) {
  ObjectInfo info;
  info.uri = uri;
  info.size = static_cast<int64_t>(st.st_size);
  info.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  return info;
}


class LocalWriter : public ObjectWriter {
 public:
  explicit LocalWriter(std::string path) : path_(std::move(path)) {
    const fs::path parent = fs::path(path_).parent_path();
    std::error_code ec;
    if (!parent.empty()) fs::create_directories(parent, ec);
    if (ec) throw IoError("cannot create directory " + parent.string() + ": " + ec.message());
    std::random_device rd;
    temp_ = path_ + ".tmp-" + std::to_string(rd()) + std::to_string(::getpid());
    fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd_ < 0) throw IoError("cannot create " + temp_ + ": " + std::strerror(errno));
  }
  ~LocalWriter() override {
    if (fd_ >= 0) {
      ::close(fd_);
      ::unlink(temp_.c_str());
    }
  }
  void Write(const char* data, size_t size) override {
    while (size > 0) {
      const ssize_t n = ::write(fd_, data, size);
      if (n < 0) {
        if (errno == EINTR) continue;
        throw IoError("cannot write " + temp_ + ": " + std::strerror(errno));
      }
      data += n;
      size -= static_cast<size_t>(n);
    }
  }
  void Commit() override {
    // fsync before rename: after a crash the name points at complete content or at nothing new.
    if (::fsync(fd_) != 0) throw IoError("cannot fsync " + temp_ + ": " + std::strerror(errno));
    ::close(fd_);
    fd_ = -1;
    if (::rename(temp_.c_str(), path_.c_str()) != 0) {
      const int err = errno;
      ::unlink(temp_.c_str());
      throw IoError("cannot rename " + temp_ + " to " + path_ + ": " + std::strerror(err));
    }
    const std::string dir = fs::path(path_).parent_path().string();
    const int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
      ::fsync(dfd);
      ::close(dfd);
    }
  }

 private:
  std::string path_;
  std::string temp_;
  int fd_ = -1;
};

class LocalStorage : public Storage {
 public:
  std::vector<ObjectInfo> List(const std::string& prefix) override { return ListForGlob(prefix, -1); }

  std::vector<ObjectInfo> ListForGlob(const std::string& prefix, int max_depth) override {
    const std::string path_prefix = LocalPath(prefix);
    // Walk the deepest existing directory the prefix names, keep paths starting with the prefix.
    std::string dir = path_prefix;
    if (dir.empty()) dir = ".";
    else if (dir.back() != '/') {
      const size_t slash = dir.find_last_of('/');
      dir = slash == std::string::npos ? "." : dir.substr(0, slash + 1);
    }
    std::vector<ObjectInfo> out;
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
      struct stat st {};
      if (::stat(path_prefix.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
        out.push_back(InfoFromStat(prefix, st));
      }
      return out;
    }
    const bool dot_relative = dir == "." && path_prefix.rfind("./", 0) != 0;
    auto it = fs::recursive_directory_iterator(
        dir, fs::directory_options::follow_directory_symlink |
                 fs::directory_options::skip_permission_denied,
        ec);
    for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (max_depth >= 0 && it.depth() + 1 >= max_depth) it.disable_recursion_pending();
      std::string path = it->path().string();
      if (dot_relative && path.rfind("./", 0) == 0) path = path.substr(2);
      if (path.rfind(path_prefix, 0) != 0) continue;
      struct stat st {};
      if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
      // In the caller's spelling ("~/", "file://localhost/"), so patterns match what we return.
      out.push_back(InfoFromStat(prefix + path.substr(path_prefix.size()), st));
    }
    if (ec) throw IoError("cannot list " + dir + ": " + ec.message());
    std::sort(out.begin(), out.end(),
              [](const ObjectInfo& a, const ObjectInfo& b) { return a.uri < b.uri; });
    return out;
  }

  ObjectInfo Stat(const std::string& uri) override {
    const std::string path = LocalPath(uri);
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
      throw InputError("cannot stat " + path + ": " + std::strerror(errno));
    }
    if (!S_ISREG(st.st_mode)) throw InputError(path + " is not a regular file");
    return InfoFromStat(uri, st);
  }

  size_t ReadRange(const std::string& uri, uint64_t offset, size_t length, char* out) override {
    const std::string path = LocalPath(uri);
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw InputError("cannot open " + path + ": " + std::strerror(errno));
    size_t done = 0;
    while (done < length) {
      const ssize_t n = ::pread(fd, out + done, length - done, static_cast<off_t>(offset + done));
      if (n < 0) {
        if (errno == EINTR) continue;
        const int err = errno;
        ::close(fd);
        throw IoError("cannot read " + path + ": " + std::strerror(err));
      }
      if (n == 0) break;
      done += static_cast<size_t>(n);
    }
    ::close(fd);
    return done;
  }

  std::unique_ptr<InputStream> OpenRead(const std::string& uri) override {
    return OpenLocalFile(LocalPath(uri));
  }

  std::unique_ptr<ObjectWriter> OpenWrite(const std::string& uri) override {
    return std::make_unique<LocalWriter>(LocalPath(uri));
  }

  void Remove(const std::string& uri) override {
    const std::string path = LocalPath(uri);
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      throw IoError("cannot remove " + path + ": " + std::strerror(errno));
    }
  }
};

}  // namespace

std::unique_ptr<Storage> MakeLocalStorage() {
  return std::make_unique<LocalStorage>();
}

std::string LocalPath(const std::string& uri) {
  if (uri.rfind("file://", 0) == 0) {
    std::string path = uri.substr(7);
    // file://localhost/x is the same file as file:///x.
    if (path.rfind("localhost/", 0) == 0) path = path.substr(9);
    if (path.empty() || path[0] != '/') {
      throw UsageError("file URI '" + uri + "' must be absolute: file:///path/to/file");
    }
    return path;
  }
  if (uri.rfind("~/", 0) == 0) {
    if (const char* home = std::getenv("HOME"); home && *home) return home + uri.substr(1);
  }
  return uri;
}

}  // namespace sluice
