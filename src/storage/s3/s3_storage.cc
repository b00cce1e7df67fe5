#include "storage/s3/s3_storage.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <deque>
#include <future>
#include <utility>
#include <vector>

#include "core/error.h"
#include "storage/range_reader.h"
#include "storage/s3/s3_xml.h"
#include "storage/s3/sigv4_signer.h"

namespace sluice {
namespace {

constexpr char kEmptySha256[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

struct Location {
  std::string bucket;
  std::string key;
};

std::string StripQuotes(std::string etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  return etag;
}

// "2009-10-12T17:50:30.000Z" (ListObjectsV2) -> ns since the epoch; 0 if unparsable. The
// fraction is dropped: HEAD's Last-Modified has whole seconds only, and List and Stat must agree
// on an object's fingerprint (incremental loads compare them).
int64_t ParseIso8601(const std::string& text) {
  std::tm tm{};
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6) {
    return 0;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<int64_t>(timegm(&tm)) * 1000000000;
}

// "Wed, 12 Oct 2009 17:50:00 GMT" (Last-Modified) -> ns since the epoch; 0 if unparsable.
int64_t ParseHttpDate(const std::string& text) {
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S", &tm);
  if (!end) return 0;
  return static_cast<int64_t>(timegm(&tm)) * 1000000000;
}

std::string QueryString(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out += '&';
    out += AwsUriEncode(name, false) + "=" + AwsUriEncode(value, false);
  }
  return out;
}

class S3Storage;

// Buffers up to one part; a small object is a single PUT at Commit, a large one a multipart
// upload completed at Commit and aborted if the writer is destroyed before. Up to `parallelism`
// parts upload at once while the next one fills, so memory stays within
// (parallelism + 1) x part_size.
class S3Writer : public ObjectWriter {
 public:
  S3Writer(const S3Storage& storage, Location location, std::string uri, size_t part_size,
           int parallelism)
      : storage_(storage),
        location_(std::move(location)),
        uri_(std::move(uri)),
        part_size_(part_size),
        parallelism_(static_cast<size_t>(std::max(parallelism, 1))) {}
  ~S3Writer() override;
  void Write(const char* data, size_t size) override;
  void Commit() override;

 private:
  void UploadBufferAsPart();
  std::string UploadPart(const std::string& query, std::string body) const;
  void CollectOldestPart();
  bool CompletedByAnEarlierAttempt(const HttpResponse& response) const;

  const S3Storage& storage_;
  const Location location_;
  const std::string uri_;
  const size_t part_size_;
  const size_t parallelism_;
  std::string buffer_;
  std::string upload_id_;
  std::deque<std::future<std::string>> in_flight_;  // parts uploading, oldest first
  std::vector<std::string> part_etags_;             // of finished parts in order, quotes included
  size_t parts_started_ = 0;
  uint64_t bytes_written_ = 0;
  bool committed_ = false;
  bool failed_ = false;  // a part failed: completing now would drop it from the object
};

class S3Storage : public Storage {
 public:
  S3Storage(S3Config config, HttpOptions http_options)
      : config_(std::move(config)), client_(std::move(http_options)) {
    if (!config_.Anonymous()) {
      signer_ = std::make_shared<const SigV4Signer>(
          SigV4Credentials{config_.access_key_id, config_.secret_access_key, config_.session_token},
          config_.region, "s3");
    }
  }

  std::vector<ObjectInfo> List(const std::string& prefix) override;
  ObjectInfo Stat(const std::string& uri) override;
  size_t ReadRange(const std::string& uri, uint64_t offset, size_t length, char* out) override;
  std::unique_ptr<InputStream> OpenRead(const std::string& uri) override;
  std::unique_ptr<ObjectWriter> OpenWrite(const std::string& uri) override;
  void Remove(const std::string& uri) override;

  // Used by S3Writer.
  Location ParseUri(const std::string& uri, bool need_key) const;
  HttpResponse Send(const std::string& method, const Location& location, const std::string& query,
                    std::string body = "", HttpHeaders headers = {}) const;
  [[noreturn]] void Fail(const HttpResponse& response, const std::string& uri,
                         const std::string& action) const;
  std::string Uri(const std::string& bucket, const std::string& key) const {
    return config_.scheme + "://" + bucket + "/" + key;
  }

 private:
  S3Config config_;
  HttpClient client_;
  std::shared_ptr<const SigV4Signer> signer_;  // null: anonymous
};

Location S3Storage::ParseUri(const std::string& uri, bool need_key) const {
  std::string scheme_prefix = config_.scheme + "://";
  if (uri.compare(0, scheme_prefix.size(), scheme_prefix) != 0) {
    throw UsageError(uri + ": not a " + scheme_prefix + " URI");
  }
  std::string rest = uri.substr(scheme_prefix.size());
  size_t slash = rest.find('/');
  Location location{rest.substr(0, slash),
                    slash == std::string::npos ? "" : rest.substr(slash + 1)};
  if (location.bucket.empty()) throw UsageError(uri + ": the URI names no bucket");
  if (need_key && location.key.empty()) throw UsageError(uri + ": the URI names no object");
  return location;
}

HttpResponse S3Storage::Send(const std::string& method, const Location& location,
                             const std::string& query, std::string body,
                             HttpHeaders headers) const {
  HttpRequest request;
  request.method = method;
  request.url = S3RequestUrl(config_, location.bucket, location.key, query);
  request.headers = std::move(headers);
  // Hashed once here, not per attempt; S3 (and s3rver) want the header even on anonymous calls.
  request.headers.emplace_back("x-amz-content-sha256",
                               body.empty() ? std::string(kEmptySha256) : Sha256Hex(body));
  request.body = std::move(body);
  if (signer_) {
    request.sign = [signer = signer_](HttpRequest& attempt) { signer->SignNow(attempt); };
  }
  return client_.Send(std::move(request));
}

void S3Storage::Fail(const HttpResponse& response, const std::string& uri,
                     const std::string& action) const {
  std::string code;
  std::string message;
  std::string region = response.Header("x-amz-bucket-region");
  if (!response.body.empty() && response.body.find('<') != std::string::npos) {
    try {
      XmlElement error = ParseXml(response.body);
      code = error.ChildText("Code");
      message = error.ChildText("Message");
      // AuthorizationHeaderMalformed and PermanentRedirect name the bucket's region.
      if (region.empty()) region = error.ChildText("Region");
    } catch (const Error&) {
      // Not XML after all (a proxy's HTML page): report the status alone.
    }
  }
  std::string detail = "HTTP " + std::to_string(response.status);
  if (!code.empty()) detail += " " + code;
  if (!message.empty()) detail += ": " + message;
  if (!region.empty() && region != config_.region) {
    throw InputError(uri + ": " + action + " failed: the bucket is in region " + region + ", not " +
                     config_.region + " (set AWS_REGION=" + region + ")");
  }
  if (response.status == 404) {
    if (code == "NoSuchBucket") throw InputError(uri + ": no such bucket (" + detail + ")");
    throw InputError(uri + ": no such object (" + detail + ")");
  }
  if (response.status == 401 || response.status == 403) {
    throw InputError(uri + ": access denied on " + action + " (" + detail + ")" +
                     (config_.Anonymous() ? "; no credentials are configured" : ""));
  }
  if (response.status >= 500 || response.status == 429) {
    throw Error(ErrorKind::kIo, uri + ": " + action + " failed (" + detail + ")", true);
  }
  throw InputError(uri + ": " + action + " failed (" + detail + ")");
}

std::vector<ObjectInfo> S3Storage::List(const std::string& prefix) {
  Location location = ParseUri(prefix, /*need_key=*/false);
  std::vector<ObjectInfo> objects;
  std::string token;
  while (true) {
    std::vector<std::pair<std::string, std::string>> params = {
        {"list-type", "2"},
        {"prefix", location.key},
        {"max-keys", std::to_string(config_.list_page_size)},
        {"encoding-type", "url"}};
    if (!token.empty()) params.emplace_back("continuation-token", token);
    HttpResponse response = Send("GET", {location.bucket, ""}, QueryString(params));
    if (response.status != 200) Fail(response, prefix, "list");
    XmlElement page = ParseXml(response.body);
    // Keys come URL-encoded only if the server honoured encoding-type=url (s3rver does not).
    bool encoded = page.ChildText("EncodingType") == "url";
    for (const XmlElement& entry : page.children) {
      if (entry.name != "Contents") continue;
      std::string key = entry.ChildText("Key");
      if (encoded) key = PercentDecode(key, /*plus_is_space=*/true);
      // "dir/" placeholders that consoles create are not files.
      if (key.empty() || key.back() == '/') continue;
      ObjectInfo info;
      info.uri = Uri(location.bucket, key);
      info.size = std::strtoll(entry.ChildText("Size").c_str(), nullptr, 10);
      info.etag = StripQuotes(entry.ChildText("ETag"));
      info.mtime_ns = ParseIso8601(entry.ChildText("LastModified"));
      objects.push_back(std::move(info));
    }
    if (page.ChildText("IsTruncated") != "true") break;
    std::string next = page.ChildText("NextContinuationToken");
    if (next.empty() || next == token) {
      throw Error(ErrorKind::kIo, prefix + ": list is truncated but has no continuation token",
                  true);
    }
    token = next;
  }
  std::sort(objects.begin(), objects.end(),
            [](const ObjectInfo& a, const ObjectInfo& b) { return a.uri < b.uri; });
  return objects;
}

ObjectInfo S3Storage::Stat(const std::string& uri) {
  Location location = ParseUri(uri, /*need_key=*/true);
  HttpResponse response = Send("HEAD", location, "");
  if (response.status != 200) Fail(response, uri, "stat");
  ObjectInfo info;
  info.uri = uri;
  std::string length = response.Header("content-length");
  info.size = length.empty() ? -1 : std::strtoll(length.c_str(), nullptr, 10);
  info.etag = StripQuotes(response.Header("etag"));
  info.mtime_ns = ParseHttpDate(response.Header("last-modified"));
  return info;
}

size_t S3Storage::ReadRange(const std::string& uri, uint64_t offset, size_t length, char* out) {
  if (length == 0) return 0;
  Location location = ParseUri(uri, /*need_key=*/true);
  std::string range = "bytes=" + std::to_string(offset) + "-" + std::to_string(offset + length - 1);
  HttpResponse response = Send("GET", location, "", "", {{"Range", range}});
  if (response.status == 416) return 0;  // the range starts at or after the end
  if (response.status == 200) {
    // The server ignored Range and sent the whole object (the client checked its length).
    if (offset >= response.body.size()) return 0;
    size_t n = std::min<uint64_t>(length, response.body.size() - offset);
    std::memcpy(out, response.body.data() + offset, n);
    return n;
  }
  if (response.status != 206) Fail(response, uri, "read");
  // "bytes first-last/total"; total may be "*".
  std::string content_range = response.Header("content-range");
  unsigned long long first = 0, last = 0;
  char total_text[32] = {0};
  if (std::sscanf(content_range.c_str(), "bytes %llu-%llu/%31s", &first, &last, total_text) != 3 ||
      first != offset || last < first) {
    throw Error(ErrorKind::kIo,
                uri + ": range read got Content-Range '" + content_range + "' for " + range, true);
  }
  size_t expected = std::min<uint64_t>(length, last - first + 1);
  if (std::strcmp(total_text, "*") != 0) {
    unsigned long long total = std::strtoull(total_text, nullptr, 10);
    expected = std::min<uint64_t>(length, total > offset ? total - offset : 0);
    if (last - first + 1 != expected) {
      throw Error(ErrorKind::kIo,
                  uri + ": range read got Content-Range '" + content_range + "' for " + range,
                  true);
    }
  }
  if (response.body.size() != expected) {
    throw Error(ErrorKind::kIo,
                uri + ": range read returned " + std::to_string(response.body.size()) +
                    " bytes, expected " + std::to_string(expected),
                true);
  }
  std::memcpy(out, response.body.data(), expected);
  return expected;
}

std::unique_ptr<InputStream> S3Storage::OpenRead(const std::string& uri) {
  return MakeRangeInputStream(*this, Stat(uri), RangeReadOptions::FromEnvironment());
}

std::unique_ptr<ObjectWriter> S3Storage::OpenWrite(const std::string& uri) {
  Location location = ParseUri(uri, /*need_key=*/true);
  return std::make_unique<S3Writer>(*this, std::move(location), uri, config_.part_size,
                                    config_.upload_parallelism);
}

void S3Storage::Remove(const std::string& uri) {
  Location location = ParseUri(uri, /*need_key=*/true);
  HttpResponse response = Send("DELETE", location, "");
  if (response.status == 200 || response.status == 204 || response.status == 404) return;
  Fail(response, uri, "delete");
}

S3Writer::~S3Writer() {
  // Parts still uploading finish first: a part landing after the abort would outlive it.
  for (auto& part : in_flight_) part.wait();
  if (committed_ || upload_id_.empty()) return;
  try {
    storage_.Send("DELETE", location_, QueryString({{"uploadId", upload_id_}}));
  } catch (...) {
    // Best effort: a bucket lifecycle rule reclaims parts of uploads that were never aborted.
  }
}

// A completion retried after its response was lost (the connection dropped after S3 finished)
// finds the upload gone: NoSuchUpload. The object is then there with every byte we sent.
bool S3Writer::CompletedByAnEarlierAttempt(const HttpResponse& response) const {
  if (response.body.find("NoSuchUpload") == std::string::npos) return false;
  HttpResponse head = storage_.Send("HEAD", location_, "");
  return head.status == 200 && head.Header("content-length") == std::to_string(bytes_written_);
}

void S3Writer::Write(const char* data, size_t size) {
  if (committed_) throw Error(ErrorKind::kInternal, uri_ + ": write after commit");
  if (failed_) throw Error(ErrorKind::kIo, uri_ + ": write after a failed part upload");
  bytes_written_ += size;
  while (size > 0) {
    size_t take = std::min(size, part_size_ - buffer_.size());
    buffer_.append(data, take);
    data += take;
    size -= take;
    if (buffer_.size() == part_size_) UploadBufferAsPart();
  }
}

void S3Writer::UploadBufferAsPart() {
  if (upload_id_.empty()) {
    HttpResponse created = storage_.Send("POST", location_, "uploads=");
    if (created.status != 200) storage_.Fail(created, uri_, "start multipart upload");
    upload_id_ = ParseXml(created.body).ChildText("UploadId");
    if (upload_id_.empty()) {
      throw Error(ErrorKind::kIo, uri_ + ": multipart upload started without an UploadId", true);
    }
  }
  while (in_flight_.size() >= parallelism_) CollectOldestPart();
  std::string query =
      QueryString({{"partNumber", std::to_string(++parts_started_)}, {"uploadId", upload_id_}});
  in_flight_.push_back(std::async(std::launch::async, &S3Writer::UploadPart, this, std::move(query),
                                  std::move(buffer_)));
  buffer_ = std::string();
  buffer_.reserve(part_size_);  // the object is large: the next part fills up too
}

// Runs on its own thread; touches only members that are fixed at construction.
std::string S3Writer::UploadPart(const std::string& query, std::string body) const {
  HttpResponse response = storage_.Send("PUT", location_, query, std::move(body));
  if (response.status != 200) storage_.Fail(response, uri_, "upload part");
  std::string etag = response.Header("etag");
  if (etag.empty()) throw Error(ErrorKind::kIo, uri_ + ": uploaded part has no ETag", true);
  return etag;
}

void S3Writer::CollectOldestPart() {
  std::future<std::string> part = std::move(in_flight_.front());
  in_flight_.pop_front();
  try {
    part_etags_.push_back(part.get());
  } catch (...) {
    failed_ = true;
    throw;
  }
}

void S3Writer::Commit() {
  if (committed_) return;
  if (failed_) throw Error(ErrorKind::kIo, uri_ + ": commit after a failed part upload");
  if (upload_id_.empty()) {
    HttpResponse response = storage_.Send("PUT", location_, "", std::move(buffer_));
    buffer_.clear();
    if (response.status != 200) storage_.Fail(response, uri_, "write");
    committed_ = true;
    return;
  }
  if (!buffer_.empty()) UploadBufferAsPart();
  while (!in_flight_.empty()) CollectOldestPart();
  std::string body = "<CompleteMultipartUpload>";
  for (size_t i = 0; i < part_etags_.size(); ++i) {
    body += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>" +
            XmlEscape(part_etags_[i]) + "</ETag></Part>";
  }
  body += "</CompleteMultipartUpload>";
  HttpResponse response = storage_.Send("POST", location_, QueryString({{"uploadId", upload_id_}}),
                                        std::move(body), {{"Content-Type", "application/xml"}});
  if (response.status == 404 && CompletedByAnEarlierAttempt(response)) {
    committed_ = true;
    return;
  }
  if (response.status != 200) storage_.Fail(response, uri_, "complete multipart upload");
  // S3 may report a failed completion inside a 200 response.
  XmlElement result = ParseXml(response.body);
  if (result.name == "Error") {
    HttpResponse as_error = response;
    as_error.status = 500;
    storage_.Fail(as_error, uri_, "complete multipart upload");
  }
  committed_ = true;
}

}  // namespace

std::string S3RequestUrl(const S3Config& config, const std::string& bucket, const std::string& key,
                         const std::string& query) {
  std::string scheme = "https";
  std::string host = "s3." + config.region + ".amazonaws.com";
  if (!config.endpoint.empty()) {
    size_t separator = config.endpoint.find("://");
    if (separator == std::string::npos) {
      host = config.endpoint;
    } else {
      scheme = config.endpoint.substr(0, separator);
      host = config.endpoint.substr(separator + 3);
    }
  }
  std::string url = scheme;
  url.append("://");
  if (config.path_style || !S3BucketIsVirtualHostable(bucket)) {
    url.append(host).append("/").append(AwsUriEncode(bucket, false));
    if (!key.empty()) url.append("/").append(AwsUriEncode(key, /*keep_slash=*/true));
  } else {
    url.append(bucket).append(".").append(host).append("/");
    url.append(AwsUriEncode(key, /*keep_slash=*/true));
  }
  if (!query.empty()) url.append("?").append(query);
  return url;
}

std::unique_ptr<Storage> MakeS3Storage(S3Config config, HttpOptions http_options) {
  return std::make_unique<S3Storage>(std::move(config), std::move(http_options));
}

}  // namespace sluice
