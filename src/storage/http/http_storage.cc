#include "storage/http/http_storage.h"

#include <time.h>

#include <cstdlib>
#include <cstring>

#include "core/error.h"
#include "storage/range_reader.h"

namespace sluice {
namespace {

std::string Unquote(std::string etag) {
  if (etag.rfind("W/", 0) == 0) etag = etag.substr(2);
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  return etag;
}

// "bytes 0-99/1234" -> 1234; -1 if absent or "*".
int64_t TotalFromContentRange(const std::string& value) {
  const size_t slash = value.rfind('/');
  if (slash == std::string::npos || slash + 1 >= value.size() || value[slash + 1] == '*') return -1;
  return std::strtoll(value.c_str() + slash + 1, nullptr, 10);
}

Error StatusError(const std::string& method, const std::string& url, const HttpResponse& r) {
  const std::string where = method + " " + UrlForDisplay(url);
  if (r.status == 404 || r.status == 410) return InputError("no such object: " + where);
  if (r.status == 401 || r.status == 403) {
    return InputError("access denied (HTTP " + std::to_string(r.status) + "): " + where);
  }
  return Error(ErrorKind::kIo, where + " returned HTTP " + std::to_string(r.status));
}

class HttpStorage : public Storage {
 public:
  explicit HttpStorage(HttpOptions options) : client_(std::move(options)) {}

  std::vector<ObjectInfo> List(const std::string& prefix) override {
    throw UsageError("HTTP(S) cannot list objects: name each URL instead of a pattern or prefix ('" +
                     UrlForDisplay(prefix) + "')");
  }

  ObjectInfo Stat(const std::string& uri) override {
    HttpRequest head;
    head.method = "HEAD";
    head.url = uri;
    HttpResponse r = client_.Send(head);
    ObjectInfo info;
    info.uri = uri;
    if (r.status != 200 || r.Header("content-length").empty()) {
      // No HEAD (405/501), a link signed for GET only (403: presigned S3/GCS URLs), or no length
      // in it: ask for the first byte instead; Content-Range carries the size.
      HttpRequest get;
      get.url = uri;
      get.headers.emplace_back("Range", "bytes=0-0");
      get.max_body_bytes = 1;
      r = client_.Send(get);
      if (r.status == 206) info.size = TotalFromContentRange(r.Header("content-range"));
      if (r.status != 200 && r.status != 206) throw StatusError("GET", uri, r);
    }
    if (info.size < 0 && r.status == 200 && !r.Header("content-length").empty()) {
      info.size = std::strtoll(r.Header("content-length").c_str(), nullptr, 10);
    }
    info.etag = Unquote(r.Header("etag"));
    info.mtime_ns = ParseHttpDate(r.Header("last-modified"));
    return info;
  }

  size_t ReadRange(const std::string& uri, uint64_t offset, size_t length, char* out) override {
    if (length == 0) return 0;
    HttpRequest get;
    get.url = uri;
    get.headers.emplace_back("Range", "bytes=" + std::to_string(offset) + "-" +
                                          std::to_string(offset + length - 1));
    // A server that ignores Range answers with the whole object: never take more than asked.
    get.max_body_bytes = length;
    HttpResponse r = client_.Send(get);
    if (r.status == 416) return 0;  // offset at or past the end
    if (r.status == 206) {
      // The server may send less than asked only at the end of the object.
      const int64_t total = TotalFromContentRange(r.Header("content-range"));
      const uint64_t expected =
          total >= 0 ? std::min<uint64_t>(length, static_cast<uint64_t>(total) - offset) : length;
      if (r.body.size() != expected) {
        throw Error(ErrorKind::kIo,
                    "GET " + UrlForDisplay(uri) + " returned " + std::to_string(r.body.size()) +
                        " bytes for a range of " + std::to_string(expected),
                    true);
      }
      std::memcpy(out, r.body.data(), r.body.size());
      return r.body.size();
    }
    if (r.status == 200) {
      // The server ignored the range and sends the object from its first byte. The first range
      // is its start; a later one would mean downloading everything before it, per range.
      if (offset > 0) {
        throw InputError("GET " + UrlForDisplay(uri) +
                         ": the server ignores HTTP Range requests, so the object cannot be read "
                         "in bounded memory; set SLUICE_RANGE_SIZE above its size to read it in "
                         "one request");
      }
      std::memcpy(out, r.body.data(), r.body.size());
      return r.body.size();
    }
    throw StatusError("GET", uri, r);
  }

  std::unique_ptr<InputStream> OpenRead(const std::string& uri) override {
    return MakeRangeInputStream(*this, Stat(uri), RangeReadOptions::FromEnvironment());
  }

  std::unique_ptr<ObjectWriter> OpenWrite(const std::string& uri) override {
    throw UsageError("cannot write to " + UrlForDisplay(uri) +
                     ": HTTP(S) is read-only; write to file://, s3://, gs:// or az://");
  }

  void Remove(const std::string& uri) override {
    throw UsageError("cannot remove " + UrlForDisplay(uri) + ": HTTP(S) is read-only");
  }

 private:
  HttpClient client_;
};

}  // namespace

std::unique_ptr<Storage> MakeHttpStorage(HttpOptions options) {
  return std::make_unique<HttpStorage>(std::move(options));
}

int64_t ParseHttpDate(const std::string& value) {
  struct tm tm {};
  const char* end = strptime(value.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (!end) return 0;
  return static_cast<int64_t>(timegm(&tm)) * 1000000000;
}

}  // namespace sluice
