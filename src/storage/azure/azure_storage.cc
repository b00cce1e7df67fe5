#include "storage/azure/azure_storage.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <deque>
#include <future>
#include <optional>
#include <random>

#include "core/error.h"
#include "storage/azure/azure_responses.h"
#include "storage/azure/shared_key_signer.h"
#include "storage/range_reader.h"

namespace sluice {
namespace {

// The REST version every request asks for (Put Blob up to 5000 MiB, Encoded names in lists).
constexpr const char* kApiVersion = "2021-08-06";
// The service's limits on blocks per blob and bytes per block (since version 2019-12-12).
constexpr size_t kMaxBlocks = 50000;
constexpr size_t kMaxBlockSize = size_t(4000) << 20;

bool IsRetriable(long status) {
  return status >= 500 || status == 429 || status == 408;
}

// Maps a failed response to sluice's errors. Never includes the URL's query (SAS) or headers.
[[noreturn]] void ThrowAzureError(const HttpResponse& response, const std::string& uri,
                                  const std::string& operation) {
  const AzureErrorBody body = ParseAzureErrorBody(response.body);
  std::string code = response.Header("x-ms-error-code");
  if (code.empty()) code = body.code;
  std::string detail = "HTTP " + std::to_string(response.status);
  if (!code.empty()) detail += " " + code;
  if (!body.message.empty()) detail += ": " + body.message;
  if (response.status == 404) {
    if (code == "ContainerNotFound") {
      throw InputError("Azure: the container of " + uri + " does not exist (" + detail + ")");
    }
    throw InputError("Azure: no such blob: " + uri + " (" + detail + ")");
  }
  if (response.status == 403 || response.status == 401) {
    throw InputError("Azure: access denied: " + operation + " " + uri + " (" + detail +
                     "); check the account key or SAS token (AZURE_STORAGE_CONNECTION_STRING, "
                     "AZURE_STORAGE_KEY, AZURE_STORAGE_SAS_TOKEN)");
  }
  throw Error(ErrorKind::kIo, "Azure: " + operation + " " + uri + " failed (" + detail + ")",
              IsRetriable(response.status));
}

class AzureStorage;

// Buffers one block; a blob that fits one block goes up with Put Blob at Commit, larger ones as
// Put Block calls (as the bytes arrive) and one Put Block List at Commit. Until then nothing is
// visible at the URI; blocks never committed are discarded by the service (after a week).
class AzureBlobWriter : public ObjectWriter {
 public:
  AzureBlobWriter(const AzureStorage& storage, std::string uri, AzureBlobUri location);
  ~AzureBlobWriter() override;
  void Write(const char* data, size_t size) override;
  void Commit() override;

 private:
  // Starts uploading the buffer as the next block, after waiting for the oldest upload if
  // upload_parallelism are in flight (its failure is thrown here).
  void PutBlock();
  void WaitForOldestUpload();
  const AzureStorage& storage_;
  std::string uri_;
  AzureBlobUri location_;
  std::string buffer_;
  std::string tag_;  // random per writer: concurrent writers to one blob never share block ids
  std::vector<std::string> block_ids_;
  bool committed_ = false;
  bool failed_ = false;
  std::deque<std::future<void>> uploads_;  // Put Block requests in flight, oldest first
};

class AzureStorage : public Storage {
 public:
  AzureStorage(AzureConfig config, HttpOptions http_options)
      : config_(std::move(config)), endpoint_(BlobEndpointOf(config_)), http_(http_options) {
    if (config_.account.empty()) throw UsageError("Azure: no storage account configured");
    if (!config_.account_key.empty()) signer_.emplace(config_.account, config_.account_key);
    if (config_.block_size == 0 || config_.block_size > kMaxBlockSize) {
      throw UsageError("Azure: the block size (SLUICE_AZURE_BLOCK_SIZE) must be 1 to " +
                       std::to_string(kMaxBlockSize) + " bytes");
    }
    config_.list_page_size = std::clamp(config_.list_page_size, 1, 5000);
    config_.upload_parallelism = std::max(config_.upload_parallelism, 1);
  }

  std::vector<ObjectInfo> List(const std::string& prefix) override {
    const AzureBlobUri location = Locate(prefix);
    std::vector<ObjectInfo> out;
    std::string marker;
    do {
      std::string query = "restype=container&comp=list&include=metadata&maxresults=" +
                          std::to_string(config_.list_page_size);
      if (!location.blob.empty()) query += "&prefix=" + UriEncode(location.blob, false);
      if (!marker.empty()) query += "&marker=" + UriEncode(marker, false);
      const HttpResponse response = Send("GET", Url(location, "", query));
      if (response.status != 200) ThrowAzureError(response, prefix, "list");
      ListBlobsPage page = ParseListBlobsPage(response.body);
      for (ListedBlob& blob : page.blobs) {
        if (blob.is_directory) continue;  // hierarchical-namespace folders hold no bytes
        out.push_back({location.root + blob.name, blob.size, std::move(blob.etag), blob.mtime_ns});
      }
      if (!page.next_marker.empty() && page.next_marker == marker) {
        throw Error(ErrorKind::kIo,
                    "Azure: List Blobs returned the same marker twice for " + prefix, true);
      }
      marker = std::move(page.next_marker);
    } while (!marker.empty());
    std::sort(out.begin(), out.end(),
              [](const ObjectInfo& a, const ObjectInfo& b) { return a.uri < b.uri; });
    return out;
  }

  ObjectInfo Stat(const std::string& uri) override {
    const AzureBlobUri location = LocateBlob(uri);
    const HttpResponse response = Send("HEAD", Url(location, location.blob, ""));
    if (response.status != 200) ThrowAzureError(response, uri, "stat");
    ObjectInfo info;
    info.uri = uri;
    const std::string length = response.Header("content-length");
    info.size = length.empty() ? -1 : std::stoll(length);
    info.etag = UnquoteEtag(response.Header("etag"));
    info.mtime_ns = ParseHttpDateNs(response.Header("last-modified"));
    return info;
  }

  size_t ReadRange(const std::string& uri, uint64_t offset, size_t length, char* out) override {
    const AzureBlobUri location = LocateBlob(uri);
    if (length == 0) return 0;
    const std::string range =
        "bytes=" + std::to_string(offset) + "-" + std::to_string(offset + length - 1);
    const HttpResponse response =
        Send("GET", Url(location, location.blob, ""), {{"x-ms-range", range}});
    if (response.status == 416) return 0;  // the range starts at or after the end
    if (response.status == 206) {
      // "bytes FIRST-LAST/TOTAL": the body must be exactly the part the service says it sent.
      unsigned long long first = 0, last = 0, total = 0;
      const std::string content_range = response.Header("content-range");
      const bool parsed =
          std::sscanf(content_range.c_str(), "bytes %llu-%llu/%llu", &first, &last, &total) == 3;
      // azurite answers a range at the end with 206 "bytes SIZE-(SIZE-1)/SIZE" (Azure: 416).
      if (parsed && first == offset && offset >= total && response.body.empty()) return 0;
      if (!parsed || first != offset || last < first || last - first + 1 > length) {
        throw Error(ErrorKind::kIo,
                    "Azure: unexpected Content-Range '" + content_range + "' reading " + uri, true);
      }
      const size_t expected = size_t(last - first + 1);
      if (response.body.size() != expected) {
        throw Error(ErrorKind::kIo,
                    "Azure: truncated range read of " + uri + ": got " +
                        std::to_string(response.body.size()) + " of " + std::to_string(expected) +
                        " bytes",
                    true);
      }
      std::copy(response.body.begin(), response.body.end(), out);
      return expected;
    }
    if (response.status == 200) {
      // The whole blob (a service that ignored the range): take the part asked for.
      if (offset >= response.body.size()) return 0;
      const size_t n = std::min(length, size_t(response.body.size() - offset));
      std::copy_n(response.body.data() + offset, n, out);
      return n;
    }
    ThrowAzureError(response, uri, "read");
  }

  std::unique_ptr<InputStream> OpenRead(const std::string& uri) override {
    return MakeRangeInputStream(*this, Stat(uri), RangeReadOptions::FromEnvironment());
  }

  std::unique_ptr<ObjectWriter> OpenWrite(const std::string& uri) override {
    return std::make_unique<AzureBlobWriter>(*this, uri, LocateBlob(uri));
  }

  void Remove(const std::string& uri) override {
    const AzureBlobUri location = LocateBlob(uri);
    const HttpResponse response = Send("DELETE", Url(location, location.blob, ""));
    if (response.status == 202 || response.status == 200 || response.status == 404) return;
    ThrowAzureError(response, uri, "delete");
  }

  // For the writer.
  const AzureConfig& config() const { return config_; }
  std::string Url(const AzureBlobUri& location, const std::string& blob,
                  const std::string& query) const {
    std::string url = endpoint_ + "/" + UriEncode(location.container, false);
    if (!blob.empty()) url += "/" + UriEncode(blob, true);
    std::string full_query = query;
    if (!signer_ && !config_.sas_token.empty()) {
      full_query += (full_query.empty() ? "" : "&") + config_.sas_token;
    }
    if (!full_query.empty()) url += "?" + full_query;
    return url;
  }
  HttpResponse Send(const std::string& method, const std::string& url, HttpHeaders headers = {},
                    std::string body = "") const {
    HttpRequest request;
    request.method = method;
    request.url = url;
    request.headers = std::move(headers);
    request.headers.emplace_back("x-ms-version", kApiVersion);
    if (method == "PUT") {
      // Set explicitly: a client library's default Content-Type would not be in the signature.
      bool has_type = false;
      for (const auto& h : request.headers) has_type |= h.first == "Content-Type";
      if (!has_type) request.headers.emplace_back("Content-Type", "application/octet-stream");
    }
    request.body = std::move(body);
    if (signer_) {
      const SharedKeySigner* signer = &*signer_;
      request.sign = [signer](HttpRequest& r) { signer->Sign(r, std::time(nullptr)); };
    }
    return http_.Send(std::move(request));
  }

 private:
  AzureBlobUri Locate(const std::string& uri) const {
    AzureBlobUri location = ParseAzureBlobUri(uri);
    if (!location.account.empty() && location.account != config_.account) {
      throw UsageError("Azure: " + uri + " names account '" + location.account +
                       "' but this storage is configured for '" + config_.account + "'");
    }
    return location;
  }
  AzureBlobUri LocateBlob(const std::string& uri) const {
    AzureBlobUri location = Locate(uri);
    if (location.blob.empty() || location.blob.back() == '/') {
      throw InputError("Azure: not a blob URI (no blob name): " + uri);
    }
    return location;
  }

  AzureConfig config_;
  std::string endpoint_;
  std::optional<SharedKeySigner> signer_;
  HttpClient http_;
};

AzureBlobWriter::AzureBlobWriter(const AzureStorage& storage, std::string uri,
                                 AzureBlobUri location)
    : storage_(storage), uri_(std::move(uri)), location_(std::move(location)) {
  std::random_device random;
  char tag[17];
  std::snprintf(tag, sizeof tag, "%08x%08x", random(), random());
  tag_ = tag;
}

void AzureBlobWriter::Write(const char* data, size_t size) {
  if (committed_) throw Error(ErrorKind::kInternal, "Azure: write after commit to " + uri_);
  if (failed_) throw IoError("Azure: an earlier block upload of " + uri_ + " failed");
  const size_t block_size = storage_.config().block_size;
  while (size > 0) {
    const size_t take = std::min(size, block_size - buffer_.size());
    buffer_.append(data, take);
    data += take;
    size -= take;
    if (buffer_.size() == block_size) PutBlock();
  }
}

AzureBlobWriter::~AzureBlobWriter() {
  // Uncommitted: let uploads in flight finish (they reference this writer's storage); the
  // service discards blocks that no block list commits.
  for (auto& upload : uploads_) upload.wait();
}

void AzureBlobWriter::WaitForOldestUpload() {
  std::future<void> oldest = std::move(uploads_.front());
  uploads_.pop_front();
  try {
    oldest.get();
  } catch (...) {
    failed_ = true;  // the block list would be incomplete: this writer cannot commit
    throw;
  }
}

void AzureBlobWriter::PutBlock() {
  if (block_ids_.size() == kMaxBlocks) {
    throw UsageError("Azure: " + uri_ + " needs more than 50,000 blocks of " +
                     std::to_string(storage_.config().block_size) +
                     " bytes; raise SLUICE_AZURE_BLOCK_SIZE");
  }
  while (int(uploads_.size()) >= storage_.config().upload_parallelism) WaitForOldestUpload();
  // Ids must have one length within a blob: a fixed-width index after the writer's tag.
  char index[16];
  std::snprintf(index, sizeof index, "%06zu", block_ids_.size());
  const std::string id = Base64Encode(tag_ + "-" + index);
  block_ids_.push_back(id);
  const std::string url =
      storage_.Url(location_, location_.blob, "comp=block&blockid=" + UriEncode(id, false));
  uploads_.push_back(
      std::async(std::launch::async, [this, url, body = std::move(buffer_)]() mutable {
        const HttpResponse response = storage_.Send("PUT", url, {}, std::move(body));
        if (response.status != 201) ThrowAzureError(response, uri_, "put block of");
      }));
  buffer_ = std::string();
}

void AzureBlobWriter::Commit() {
  if (committed_) throw Error(ErrorKind::kInternal, "Azure: commit twice of " + uri_);
  if (failed_) throw IoError("Azure: an earlier block upload of " + uri_ + " failed");
  if (block_ids_.empty()) {
    const HttpResponse response =
        storage_.Send("PUT", storage_.Url(location_, location_.blob, ""),
                      {{"x-ms-blob-type", "BlockBlob"}}, std::move(buffer_));
    if (response.status != 201) ThrowAzureError(response, uri_, "put blob");
  } else {
    if (!buffer_.empty()) PutBlock();
    while (!uploads_.empty()) WaitForOldestUpload();
    std::string xml = "<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>";
    for (const std::string& id : block_ids_) xml += "<Latest>" + id + "</Latest>";
    xml += "</BlockList>";
    const HttpResponse response =
        storage_.Send("PUT", storage_.Url(location_, location_.blob, "comp=blocklist"),
                      {{"Content-Type", "application/xml"},
                       {"x-ms-blob-content-type", "application/octet-stream"}},
                      std::move(xml));
    if (response.status != 201) ThrowAzureError(response, uri_, "put block list of");
  }
  committed_ = true;
  buffer_ = std::string();
}

}  // namespace

std::unique_ptr<Storage> MakeAzureStorage(AzureConfig config, HttpOptions http_options) {
  return std::make_unique<AzureStorage>(std::move(config), std::move(http_options));
}

}  // namespace sluice
