#include "sources/file_fingerprint.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "core/error.h"
#include "storage/local/local_storage.h"
#include "storage/storage.h"

namespace sluice {
namespace {

// Extracts a number or string value of `key` from the flat JSON objects ToJson() writes.
std::string Field(const std::string& json, const std::string& key) {
  const std::string quoted = "\"" + key + "\":";
  size_t p = json.find(quoted);
  if (p == std::string::npos) return "";
  p += quoted.size();
  if (p < json.size() && json[p] == '"') {
    const size_t end = json.find('"', p + 1);
    return end == std::string::npos ? "" : json.substr(p + 1, end - p - 1);
  }
  size_t end = p;
  while (end < json.size() && (json[end] == '-' || (json[end] >= '0' && json[end] <= '9'))) end++;
  return json.substr(p, end - p);
}

// ETags are quoted strings in HTTP; the few characters JSON needs escaped are escaped.
std::string JsonEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) >= 0x20) out += c;
  }
  return out;
}

}  // namespace

std::string FileFingerprint::ToJson() const {
  std::string json =
      "{\"size\":" + std::to_string(size) + ",\"mtime_ns\":" + std::to_string(mtime_ns);
  if (remote) return json + ",\"etag\":\"" + JsonEscape(etag) + "\"}";
  return json + ",\"xxh3\":\"" + content_hash + "\"}";
}

FileFingerprint FileFingerprint::Of(const InputFile& file) {
  if (!HasStorageScheme(file.path) || file.path.rfind("file://", 0) == 0) {
    return Stat(LocalPath(file.path));
  }
  FileFingerprint f;
  f.remote = true;
  f.path = RedactedUri(file.path);  // a signed link's signature is not part of its identity
  f.size = file.size;
  f.mtime_ns = file.mtime_ns;
  f.etag = file.etag;
  return f;
}

FileFingerprint FileFingerprint::Stat(const std::string& path) {
  FileFingerprint f;
  char resolved[PATH_MAX];
  f.path = ::realpath(path.c_str(), resolved) ? resolved : path;
  struct stat st {};
  if (::stat(f.path.c_str(), &st) != 0) {
    throw InputError("cannot stat " + path + ": " + std::strerror(errno));
  }
  f.size = static_cast<int64_t>(st.st_size);
  f.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  return f;
}

void FileFingerprint::ComputeHash() {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw InputError("cannot open " + path + ": " + std::strerror(errno));
  XXH3_state_t* state = XXH3_createState();
  XXH3_64bits_reset(state);
  std::vector<char> buf(1 << 20);
  for (;;) {
    const ssize_t got = ::read(fd, buf.data(), buf.size());
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      XXH3_freeState(state);
      ::close(fd);
      throw InputError("cannot read " + path + ": " + std::strerror(errno));
    }
    if (got == 0) break;
    XXH3_64bits_update(state, buf.data(), size_t(got));
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx",
                static_cast<unsigned long long>(XXH3_64bits_digest(state)));
  XXH3_freeState(state);
  ::close(fd);
  content_hash = hex;
}

bool SameContent(FileFingerprint& current, const std::string& stored) {
  if (Field(stored, "size") != std::to_string(current.size)) return false;
  if (current.remote) {
    if (!current.etag.empty()) return Field(stored, "etag") == JsonEscape(current.etag);
    // No ETag (a plain web server): the last-modified time must be known and unchanged.
    return current.mtime_ns != 0 && Field(stored, "mtime_ns") == std::to_string(current.mtime_ns);
  }
  // Local: the content decides, so touching a file (or copying it without -p) does not reload
  // it; size and mtime unchanged would almost always mean the same content, but a hash is cheap
  // next to a load.
  if (current.content_hash.empty()) current.ComputeHash();
  return Field(stored, "xxh3") == current.content_hash;
}

}  // namespace sluice
