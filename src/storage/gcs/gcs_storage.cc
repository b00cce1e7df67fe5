#include "storage/gcs/gcs_storage.h"

#include <algorithm>
#include <cstring>

#include "core/error.h"
#include "core/value_parse.h"
#include "storage/gcs/gcs_json.h"
#include "storage/gcs/oauth2_token_source.h"
#include "storage/range_reader.h"

namespace sluice {
namespace {

constexpr char kScheme[] = "gs://";

std::string GcsUri(const std::string& bucket, const std::string& object) {
  return kScheme + bucket + "/" + object;
}

// Maps a refusal to sluice's error model. Google's message is safe to show: it names the
// principal and the permission, never a credential.
[[noreturn]] void ThrowForStatus(const HttpResponse& response, const std::string& action,
                                 const std::string& uri) {
  std::string detail = "HTTP " + std::to_string(response.status);
  if (std::string message = GoogleErrorMessage(response.body); !message.empty()) {
    detail += ": " + message;
  }
  if (response.status == 404) throw InputError("GCS: " + uri + " not found (" + detail + ")");
  if (response.status == 401 || response.status == 403) {
    throw InputError("GCS: access to " + uri + " denied while trying to " + action + " (" + detail +
                     ")");
  }
  if (response.status >= 400 && response.status < 500) {
    throw InputError("GCS: cannot " + action + " " + uri + " (" + detail + ")");
  }
  throw Error(ErrorKind::kIo, "GCS: cannot " + action + " " + uri + " (" + detail + ")",
              HttpClient::IsRetriableStatus(response.status));
}

// "bytes 0-99/1234" -> first 0, total 1234 (total -1 for "*").
bool ParseContentRange(const std::string& value, int64_t* first, int64_t* total) {
  if (value.rfind("bytes ", 0) != 0) return false;
  size_t dash = value.find('-', 6), slash = value.find('/', 6);
  if (dash == std::string::npos || slash == std::string::npos || dash > slash) return false;
  if (!ParseInt64(value.substr(6, dash - 6), first)) return false;
  std::string total_text = value.substr(slash + 1);
  if (total_text == "*") {
    *total = -1;
    return true;
  }
  return ParseInt64(total_text, total);
}

// A resumable session's "Range: bytes=0-N" -> N + 1 bytes persisted; no header -> 0.
bool PersistedBytes(const HttpResponse& response, uint64_t* persisted) {
  std::string range = response.Header("range");
  if (range.empty()) {
    *persisted = 0;
    return true;
  }
  int64_t last = 0;
  if (range.rfind("bytes=0-", 0) != 0 || !ParseInt64(range.substr(8), &last)) return false;
  *persisted = static_cast<uint64_t>(last) + 1;
  return true;
}

class GcsStorage;

// Buffers up to one chunk. An object that fits goes up in one media upload at Commit(); a larger
// one opens a resumable session and sends full chunks as they fill, the last with the total
// size. Either way the object appears only when the final request succeeds.
class GcsObjectWriter : public ObjectWriter {
 public:
  GcsObjectWriter(GcsStorage& storage, std::string uri);
  ~GcsObjectWriter() override;
  void Write(const char* data, size_t size) override;
  void Commit() override;

 private:
  void StartSession();
  void SendChunk(size_t size, bool final);

  GcsStorage& storage_;
  const std::string uri_;
  std::string bucket_, object_;
  std::string buffer_;
  uint64_t persisted_ = 0;  // bytes the session has stored
  std::string session_url_;
  bool closed_ = false;     // Commit() was called
  bool committed_ = false;  // ... and succeeded
};

class GcsStorage : public Storage {
 public:
  GcsStorage(GcsConfig config, HttpOptions http_options)
      : config_(std::move(config)), http_(std::move(http_options)) {
    if (!config_.bearer_token.empty()) {
      tokens_ = MakeStaticTokenSource(config_.bearer_token);
    } else if (!config_.service_account_key_file.empty()) {
      tokens_ = std::make_unique<ServiceAccountTokenSource>(
          LoadServiceAccountKey(config_.service_account_key_file), http_);
    } else {
      throw UsageError(
          "GCS: no credentials; set GOOGLE_APPLICATION_CREDENTIALS to a service-account key "
          "file or GCS_OAUTH_TOKEN to an access token (or use HMAC keys through the S3 "
          "backend, docs/storage-gcs.md)");
    }
  }

  std::vector<ObjectInfo> List(const std::string& prefix) override {
    std::string bucket, object_prefix;
    SplitGcsUri(prefix, &bucket, &object_prefix);
    std::vector<ObjectInfo> out;
    std::string page_token;
    do {
      HttpRequest request;
      request.url = BucketUrl(bucket) + "/o?prefix=" + UriEncode(object_prefix, false) +
                    "&maxResults=" + std::to_string(config_.list_page_size);
      if (!page_token.empty()) request.url += "&pageToken=" + UriEncode(page_token, false);
      HttpResponse response = Send(std::move(request));
      if (response.status != 200) ThrowForStatus(response, "list", prefix);
      GcsListPage page;
      if (!ParseGcsListPage(response.body, &page)) {
        throw Error(ErrorKind::kIo, "GCS: an objects.list page for " + prefix + " is not JSON",
                    true);
      }
      for (GcsObjectMetadata& item : page.items) {
        out.push_back(
            ObjectInfo{GcsUri(bucket, item.name), item.size, std::move(item.etag), item.mtime_ns});
      }
      if (!page.next_page_token.empty() && page.next_page_token == page_token) {
        throw Error(ErrorKind::kIo, "GCS: objects.list for " + prefix + " repeated its page token");
      }
      page_token = std::move(page.next_page_token);
    } while (!page_token.empty());
    std::sort(out.begin(), out.end(),
              [](const ObjectInfo& a, const ObjectInfo& b) { return a.uri < b.uri; });
    return out;
  }

  ObjectInfo Stat(const std::string& uri) override {
    std::string bucket, object;
    SplitGcsUri(uri, &bucket, &object);
    if (object.empty()) throw InputError("GCS: " + uri + " names a bucket, not an object");
    HttpRequest request;
    request.url = ObjectUrl(bucket, object);
    HttpResponse response = Send(std::move(request));
    if (response.status != 200) ThrowForStatus(response, "stat", uri);
    GcsObjectMetadata meta;
    if (!ParseGcsObject(response.body, &meta)) {
      throw Error(ErrorKind::kIo, "GCS: the metadata of " + uri + " is not an object resource",
                  true);
    }
    return ObjectInfo{uri, meta.size, std::move(meta.etag), meta.mtime_ns};
  }

  size_t ReadRange(const std::string& uri, uint64_t offset, size_t length, char* out) override {
    if (length == 0) return 0;
    std::string bucket, object;
    SplitGcsUri(uri, &bucket, &object);
    HttpRequest request;
    request.url = ObjectUrl(bucket, object) + "?alt=media";
    request.headers.emplace_back(
        "Range", "bytes=" + std::to_string(offset) + "-" + std::to_string(offset + length - 1));
    HttpResponse response = Send(std::move(request));
    if (response.status == 416) return 0;  // offset at or past the end
    if (response.status == 200) {          // the whole object (the server ignored Range)
      if (response.body.size() <= offset) return 0;
      size_t n = std::min<size_t>(length, response.body.size() - offset);
      std::memcpy(out, response.body.data() + offset, n);
      return n;
    }
    if (response.status != 206) ThrowForStatus(response, "read", uri);
    int64_t first = 0, total = 0;
    if (!ParseContentRange(response.Header("content-range"), &first, &total) ||
        static_cast<uint64_t>(first) != offset) {
      throw Error(ErrorKind::kIo,
                  "GCS: a range read of " + uri + " came back without the requested Content-Range",
                  true);
    }
    size_t expected = length;
    if (total >= 0) expected = std::min<uint64_t>(length, static_cast<uint64_t>(total) - offset);
    if (response.body.size() != expected) {
      throw Error(ErrorKind::kIo,
                  "GCS: a range read of " + uri + " at offset " + std::to_string(offset) +
                      " returned " + std::to_string(response.body.size()) + " bytes, expected " +
                      std::to_string(expected),
                  true);
    }
    std::memcpy(out, response.body.data(), expected);
    return expected;
  }

  std::unique_ptr<InputStream> OpenRead(const std::string& uri) override {
    return MakeRangeInputStream(*this, Stat(uri), RangeReadOptions::FromEnvironment());
  }

  std::unique_ptr<ObjectWriter> OpenWrite(const std::string& uri) override {
    return std::make_unique<GcsObjectWriter>(*this, uri);
  }

  void Remove(const std::string& uri) override {
    std::string bucket, object;
    SplitGcsUri(uri, &bucket, &object);
    HttpRequest request;
    request.method = "DELETE";
    request.url = ObjectUrl(bucket, object);
    HttpResponse response = Send(std::move(request));
    if (response.status == 404 || (response.status >= 200 && response.status < 300)) return;
    ThrowForStatus(response, "remove", uri);
  }

  // Sends with "Authorization: Bearer" (added per attempt, so a retry after a long backoff takes
  // a fresh token). A 401 makes the token source drop that token and the request goes once more.
  HttpResponse Send(HttpRequest request) {
    tokens_->Token();  // token endpoint failures surface here, outside the storage call's retries
    auto used = std::make_shared<std::string>();
    AccessTokenSource* tokens = tokens_.get();
    request.sign = [tokens, used](HttpRequest& r) {
      *used = tokens->Token();
      std::erase_if(r.headers, [](const auto& h) { return h.first == "Authorization"; });
      r.headers.emplace_back("Authorization", "Bearer " + *used);
    };
    HttpResponse response = http_.Send(request);
    if (response.status == 401 && tokens_->Reject(*used)) response = http_.Send(std::move(request));
    return response;
  }

  const GcsConfig& config() const { return config_; }
  std::string BucketUrl(const std::string& bucket) const {
    return config_.endpoint + "/storage/v1/b/" + UriEncode(bucket, false);
  }
  std::string ObjectUrl(const std::string& bucket, const std::string& object) const {
    return BucketUrl(bucket) + "/o/" + UriEncode(object, false);  // '/' in names encoded too
  }
  std::string UploadUrl(const std::string& bucket, const std::string& object,
                        const char* upload_type) const {
    return config_.endpoint + "/upload/storage/v1/b/" + UriEncode(bucket, false) +
           "/o?uploadType=" + upload_type + "&name=" + UriEncode(object, false);
  }

 private:
  const GcsConfig config_;
  const HttpClient http_;  // before tokens_: the token source holds a reference to it
  std::unique_ptr<AccessTokenSource> tokens_;
};

GcsObjectWriter::GcsObjectWriter(GcsStorage& storage, std::string uri)
    : storage_(storage), uri_(std::move(uri)) {
  SplitGcsUri(uri_, &bucket_, &object_);
  if (object_.empty()) throw UsageError("GCS: cannot write to " + uri_ + ": no object name");
}

GcsObjectWriter::~GcsObjectWriter() {
  if (committed_ || session_url_.empty()) return;  // nothing was created server-side
  // Cancel the session so the partial upload is discarded now rather than after a week.
  try {
    HttpRequest request;
    request.method = "DELETE";
    request.url = session_url_;
    storage_.Send(std::move(request));
  } catch (...) {
  }
}

void GcsObjectWriter::Write(const char* data, size_t size) {
  if (closed_) throw Error(ErrorKind::kInternal, "GCS: write to a finished writer for " + uri_);
  buffer_.append(data, size);
  const size_t chunk = storage_.config().upload_chunk_size;
  // Strictly more than a chunk: the last chunk must carry the total size, so a chunk goes out
  // only once bytes after it are known to exist.
  while (buffer_.size() > chunk) {
    if (session_url_.empty()) StartSession();
    SendChunk(chunk, false);
  }
}

void GcsObjectWriter::Commit() {
  if (closed_) throw Error(ErrorKind::kInternal, "GCS: commit of a finished writer for " + uri_);
  closed_ = true;  // a failed commit is final too; the destructor then cancels the session
  if (session_url_.empty()) {
    HttpRequest request;
    request.method = "POST";
    request.url = storage_.UploadUrl(bucket_, object_, "media");
    request.headers.emplace_back("Content-Type", "application/octet-stream");
    request.body = std::move(buffer_);
    HttpResponse response = storage_.Send(std::move(request));
    if (response.status != 200 && response.status != 201) {
      ThrowForStatus(response, "upload", uri_);
    }
  } else {
    SendChunk(buffer_.size(), true);
  }
  committed_ = true;
}

void GcsObjectWriter::StartSession() {
  HttpRequest request;
  request.method = "POST";
  request.url = storage_.UploadUrl(bucket_, object_, "resumable");
  request.headers.emplace_back("X-Upload-Content-Type", "application/octet-stream");
  HttpResponse response = storage_.Send(std::move(request));
  if (response.status != 200 && response.status != 201) {
    ThrowForStatus(response, "start an upload of", uri_);
  }
  session_url_ = response.Header("location");
  if (session_url_.empty()) {
    throw Error(ErrorKind::kIo, "GCS: the resumable upload of " + uri_ + " got no session URI");
  }
  if (session_url_[0] == '/') session_url_ = storage_.config().endpoint + session_url_;
}

void GcsObjectWriter::SendChunk(size_t size, bool final) {
  const uint64_t end = persisted_ + size;  // exclusive
  // A 308 that stored only part of the chunk (or a retried PUT whose first try had partly
  // arrived) leaves a tail to resend; a session that stops making progress is an error.
  for (int stalled = 0; stalled < 3;) {
    const uint64_t begin = persisted_;
    const size_t offset_in_buffer = static_cast<size_t>(begin - (end - size));
    HttpRequest request;
    request.method = "PUT";
    request.url = session_url_;
    // Explicit, or an HTTP library may label the bytes as a form.
    request.headers.emplace_back("Content-Type", "application/octet-stream");
    std::string total = final ? std::to_string(end) : "*";
    request.headers.emplace_back("Content-Range", begin == end
                                                      ? "bytes */" + total
                                                      : "bytes " + std::to_string(begin) + "-" +
                                                            std::to_string(end - 1) + "/" + total);
    request.body.assign(buffer_, offset_in_buffer, size - offset_in_buffer);
    HttpResponse response = storage_.Send(std::move(request));
    if (final && (response.status == 200 || response.status == 201)) {
      persisted_ = end;
      buffer_.clear();
      return;
    }
    if (response.status != 308) ThrowForStatus(response, "upload", uri_);
    uint64_t persisted = 0;
    if (!PersistedBytes(response, &persisted) || persisted < begin || persisted > end) {
      throw Error(ErrorKind::kIo, "GCS: the upload session for " + uri_ +
                                      " reports stored bytes that do not match what was sent");
    }
    stalled = persisted == begin ? stalled + 1 : 0;
    persisted_ = persisted;
    if (!final && persisted_ == end) {
      buffer_.erase(0, size);
      return;
    }
  }
  throw Error(ErrorKind::kIo, "GCS: the upload session for " + uri_ + " stopped accepting bytes",
              true);
}

}  // namespace

void SplitGcsUri(const std::string& uri, std::string* bucket, std::string* object) {
  if (uri.rfind(kScheme, 0) != 0) throw UsageError("not a gs:// URI: " + uri);
  size_t slash = uri.find('/', std::strlen(kScheme));
  *bucket =
      uri.substr(std::strlen(kScheme),
                 slash == std::string::npos ? std::string::npos : slash - std::strlen(kScheme));
  *object = slash == std::string::npos ? "" : uri.substr(slash + 1);
  if (bucket->empty()) throw UsageError("gs:// URI without a bucket: " + uri);
}

std::unique_ptr<Storage> MakeGcsStorage(GcsConfig config, HttpOptions http_options) {
  config.Validate();
  return std::make_unique<GcsStorage>(std::move(config), std::move(http_options));
}

}  // namespace sluice
