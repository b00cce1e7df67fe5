#include "webhook/event_spool.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>

#include "core/error.h"

namespace sluice {

namespace {

constexpr size_t kHeaderBytes = 12;  // u32 length + u64 checksum
constexpr const char* kSuffix = ".spool";

std::string Errno(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

uint64_t Checksum(const char* payload, uint32_t length) {
  return XXH3_64bits_withSeed(payload, length, length);
}

template <typename T>
void Put(std::string* out, T value) {
  out->append(reinterpret_cast<const char*>(&value), sizeof value);  // little-endian hosts
}

template <typename T>
bool Get(std::string_view* in, T* value) {
  if (in->size() < sizeof(T)) return false;
  std::memcpy(value, in->data(), sizeof(T));
  in->remove_prefix(sizeof(T));
  return true;
}

bool GetBytes(std::string_view* in, size_t n, std::string* out) {
  if (in->size() < n) return false;
  out->assign(in->data(), n);
  in->remove_prefix(n);
  return true;
}

std::string Encode(const SpoolRecord& r) {
  std::string payload;
  payload.reserve(32 + r.route.size() + r.table.size() + r.event_id.size() + r.body.size());
  Put<int64_t>(&payload, r.received_at_micros);
  Put<uint16_t>(&payload, static_cast<uint16_t>(r.route.size()));
  payload += r.route.substr(0, 0xFFFF);
  Put<uint16_t>(&payload, static_cast<uint16_t>(r.table.size()));
  payload += r.table.substr(0, 0xFFFF);
  Put<uint8_t>(&payload, r.has_id ? 1 : 0);
  Put<uint32_t>(&payload, static_cast<uint32_t>(r.event_id.size()));
  payload += r.event_id;
  payload += r.body;
  std::string out;
  out.reserve(kHeaderBytes + payload.size());
  const uint32_t length = static_cast<uint32_t>(payload.size());
  Put<uint32_t>(&out, length);
  Put<uint64_t>(&out, Checksum(payload.data(), length));
  out += payload;
  return out;
}

bool Decode(std::string_view payload, SpoolRecord* r) {
  uint16_t n16;
  uint32_t n32;
  uint8_t has_id;
  if (!Get(&payload, &r->received_at_micros) || !Get(&payload, &n16) ||
      !GetBytes(&payload, n16, &r->route) || !Get(&payload, &n16) ||
      !GetBytes(&payload, n16, &r->table) || !Get(&payload, &has_id) || !Get(&payload, &n32) ||
      !GetBytes(&payload, n32, &r->event_id)) {
    return false;
  }
  r->has_id = has_id != 0;
  r->body.assign(payload.data(), payload.size());
  return true;
}

bool PreadAll(int fd, char* out, size_t n, uint64_t offset) {
  while (n > 0) {
    const ssize_t k = ::pread(fd, out, n, static_cast<off_t>(offset));
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return false;
    out += k;
    n -= size_t(k);
    offset += uint64_t(k);
  }
  return true;
}

bool IsSegmentName(const std::string& name) {
  return name.size() == 20 + std::strlen(kSuffix) && name.ends_with(kSuffix) &&
         name.find_first_not_of("0123456789") == 20;
}

// Smallest payload Decode accepts: i64 + u16 + u16 + u8 + u32.
constexpr uint64_t kMinPayload = 8 + 2 + 2 + 1 + 4;

// True if an intact record starts anywhere in `tail` (bytes after a bad record).
bool IntactRecordIn(std::string_view tail, uint64_t max_record) {
  for (size_t at = 0; at + kHeaderBytes + kMinPayload <= tail.size(); at++) {
    uint32_t length;
    uint64_t checksum;
    std::memcpy(&length, tail.data() + at, 4);
    std::memcpy(&checksum, tail.data() + at + 4, 8);
    if (length < kMinPayload || length > max_record) continue;
    if (tail.size() - at - kHeaderBytes < length) continue;
    if (Checksum(tail.data() + at + kHeaderBytes, length) == checksum) return true;
  }
  return false;
}

// Reads the record at `offset` (which is below `limit`). Returns false if it is incomplete or its
// checksum does not match; *length gets its total size.
bool ReadRecordAt(int fd, uint64_t offset, uint64_t limit, uint64_t max_record, SpoolRecord* r,
                  uint64_t* length, bool decode) {
  if (limit - offset < kHeaderBytes) return false;
  char header[kHeaderBytes];
  if (!PreadAll(fd, header, kHeaderBytes, offset)) return false;
  uint32_t payload_length;
  uint64_t checksum;
  std::memcpy(&payload_length, header, 4);
  std::memcpy(&checksum, header + 4, 8);
  if (payload_length > max_record || limit - offset - kHeaderBytes < payload_length) return false;
  std::string payload(payload_length, '\0');
  if (!PreadAll(fd, payload.data(), payload_length, offset + kHeaderBytes)) return false;
  if (Checksum(payload.data(), payload_length) != checksum) return false;
  if (decode && !Decode(payload, r)) return false;
  *length = kHeaderBytes + payload_length;
  return true;
}

void SyncDirectory(const std::string& dir, const std::function<int(int)>& fsync_hook = nullptr) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) throw IoError(Errno("cannot open spool directory " + dir));
  const int rc = fsync_hook ? fsync_hook(fd) : ::fsync(fd);
  ::close(fd);
  if (rc != 0) throw IoError(Errno("cannot sync spool directory " + dir));
}

class ReadFd {
 public:
  explicit ReadFd(const std::string& path) : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
    if (fd_ < 0) throw IoError(Errno("cannot open spool segment " + path));
  }
  ~ReadFd() { ::close(fd_); }
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

std::string SpoolPositionJson(const std::string& spool_id, SpoolPosition p) {
  return "{\"spool_id\":\"" + spool_id + "\",\"segment\":" + std::to_string(p.segment) +
         ",\"offset\":" + std::to_string(p.offset) + "}";
}

bool ParseSpoolPositionJson(const std::string& json, const std::string& spool_id,
                            SpoolPosition* out) {
  char id[65] = {0};
  unsigned long long s = 0, o = 0;
  if (std::sscanf(json.c_str(),
                  " {\"spool_id\": \"%64[0-9a-f]\" , \"segment\": %llu , "
                  "\"offset\": %llu }",
                  id, &s, &o) != 3 ||
      spool_id != id) {
    return false;
  }
  *out = {s, o};
  return true;
}

struct EventSpool::File {
  int fd = -1;
  ~File() {
    if (fd >= 0) ::close(fd);
  }
};

EventSpool::EventSpool(SpoolOptions options, const std::function<void(const SpoolRecord&)>& visit)
    : options_(std::move(options)) {
  std::error_code ec;
  std::filesystem::create_directories(options_.dir, ec);
  if (ec) throw IoError("cannot create spool directory " + options_.dir + ": " + ec.message());
  LoadOrCreateId();
  Recover(visit);
}

EventSpool::~EventSpool() = default;

void EventSpool::LoadOrCreateId() {
  const std::string path = options_.dir + "/spool.id";
  if (FILE* f = std::fopen(path.c_str(), "r")) {
    char id[65] = {0};
    const int n = std::fscanf(f, "%64[0-9a-f]", id);
    std::fclose(f);
    if (n == 1 && std::strlen(id) == 32) {
      id_ = id;
      return;
    }
  }
  // A new id makes every committed position foreign: spooled events would load a second time.
  for (const auto& entry : std::filesystem::directory_iterator(options_.dir)) {
    if (IsSegmentName(entry.path().filename().string())) {
      throw IoError("spool directory " + options_.dir + " has segments but no readable " + path +
                    "; restore it (or move the segments away) before starting");
    }
  }
  std::random_device rd;
  char id[33];
  std::snprintf(id, sizeof id, "%08x%08x%08x%08x", rd(), rd(), rd(), rd());
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0 || ::write(fd, id, 32) != 32 || ::fsync(fd) != 0) {
    if (fd >= 0) ::close(fd);
    throw IoError(Errno("cannot write " + tmp));
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) throw IoError(Errno("cannot write " + path));
  SyncDirectory(options_.dir);
  id_ = id;
}

std::string EventSpool::SegmentPath(uint64_t segment) const {
  char name[32];
  std::snprintf(name, sizeof name, "%020llu", static_cast<unsigned long long>(segment));
  return options_.dir + "/" + name + kSuffix;
}

void EventSpool::Recover(const std::function<void(const SpoolRecord&)>& visit) {
  std::vector<uint64_t> found;
  for (const auto& entry : std::filesystem::directory_iterator(options_.dir)) {
    const std::string name = entry.path().filename().string();
    if (!IsSegmentName(name)) continue;
    found.push_back(std::stoull(name.substr(0, 20)));
  }
  std::sort(found.begin(), found.end());
  for (size_t i = 0; i < found.size(); i++) {
    const uint64_t segment = found[i];
    const bool newest = i + 1 == found.size();
    const std::string path = SegmentPath(segment);
    ReadFd fd(path);
    struct stat st;
    if (::fstat(fd.get(), &st) != 0) throw IoError(Errno("cannot stat " + path));
    const uint64_t size = uint64_t(st.st_size);
    uint64_t offset = 0, length = 0;
    SpoolRecord record;
    while (offset < size) {
      if (!ReadRecordAt(fd.get(), offset, size, options_.max_record_bytes, &record, &length,
                        bool(visit))) {
        break;
      }
      record.position = {segment, offset};
      record.next = {segment, offset + length};
      if (visit) visit(record);
      records_total_++;
      offset += length;
    }
    if (offset < size) {
      // Only the newest segment is ever written without a sync to follow; damage elsewhere is
      // not a crash artefact, and cutting it would lose acknowledged events. In the newest one,
      // a torn tail is the bad record and nothing intact after it; an intact record behind
      // damage was (possibly) acknowledged, so that is corruption too.
      if (!newest || !TornTail(fd.get(), offset, size)) {
        throw IoError("spool segment " + path + " is corrupt at byte " + std::to_string(offset));
      }
      if (::truncate(path.c_str(), off_t(offset)) != 0) {
        throw IoError(Errno("cannot truncate the torn tail of " + path));
      }
    }
    if (newest) {
      // The previous process may have died between write and fdatasync: its tail is only
      // durable once synced here, before its ids answer retries as duplicates.
      const int wfd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
      if (wfd < 0 || DataSync(wfd) != 0) {
        if (wfd >= 0) ::close(wfd);
        throw IoError(Errno("cannot sync " + path));
      }
      ::close(wfd);
      SyncDirectory(options_.dir);
    }
    segments_[segment] = offset;
    bytes_on_disk_ += offset;
  }
  if (found.empty()) {
    OpenSegment(1, true);
  } else {
    OpenSegment(found.back(), false);
  }
}

int EventSpool::DataSync(int fd) const {
  return options_.datasync ? options_.datasync(fd) : ::fdatasync(fd);
}

bool EventSpool::TornTail(int fd, uint64_t offset, uint64_t size) const {
  char header[kHeaderBytes];
  if (size - offset < kHeaderBytes || !PreadAll(fd, header, kHeaderBytes, offset)) return true;
  uint32_t length;
  std::memcpy(&length, header, 4);
  if (length <= options_.max_record_bytes && size - offset - kHeaderBytes <= length) {
    return true;  // the bad record runs to the end of the file
  }
  std::string tail(size - offset - 1, '\0');
  if (!PreadAll(fd, tail.data(), tail.size(), offset + 1)) return false;
  return !IntactRecordIn(tail, options_.max_record_bytes);
}

void EventSpool::OpenSegment(uint64_t segment, bool create) {
  const std::string path = SegmentPath(segment);
  auto file = std::make_shared<File>();
  file->fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC | (create ? O_CREAT | O_EXCL : 0), 0644);
  if (file->fd < 0) throw IoError(Errno("cannot open spool segment " + path));
  if (create) {
    try {
      SyncDirectory(options_.dir, options_.dirsync);  // the new name must survive a crash too
    } catch (...) {
      // Left behind, the file would make every later rotation fail with EEXIST.
      ::unlink(path.c_str());
      throw;
    }
    segments_[segment] = 0;
  }
  active_ = std::move(file);
  active_segment_ = segment;
  written_ = durable_ = {segment, segments_[segment]};
}

void EventSpool::RotateLocked() {
  // The closed segment is complete on disk before any record goes to the next one, so readers
  // may treat every closed segment as durable up to its end.
  // Bytes past written_ (a failed append's partial record) would make it look damaged.
  if (::ftruncate(active_->fd, off_t(written_.offset)) != 0) {
    throw IoError(Errno("cannot truncate the spool segment"));
  }
  if (DataSync(active_->fd) != 0) {
    // Linux reports a writeback error once: a later sync would succeed without the data.
    broken_ = true;
    throw IoError(Errno("cannot sync the spool"));
  }
  durable_ = std::max(durable_, written_);
  OpenSegment(active_segment_ + 1, true);
}

SpoolPosition EventSpool::Append(const SpoolRecord& record) {
  const uint64_t payload = kMinPayload + record.route.size() + record.table.size() +
                           record.event_id.size() + record.body.size();
  if (payload > options_.max_record_bytes || payload > 0xFFFFFFFFu ||
      record.route.size() > 0xFFFF || record.table.size() > 0xFFFF) {
    // Recovery and Read refuse such a record: it would block the spool.
    throw IoError("an event of " + std::to_string(payload) +
                  " bytes exceeds the spool's limit of " +
                  std::to_string(options_.max_record_bytes));
  }
  const std::string bytes = Encode(record);
  std::unique_lock<std::mutex> lock(mu_);
  SpoolPosition end;
  if (broken_) throw IoError("the spool failed to sync earlier; restart the receiver");
  try {
    if (written_.offset > 0 && written_.offset + bytes.size() > options_.segment_bytes) {
      RotateLocked();
    }
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t k = ::pwrite(active_->fd, bytes.data() + done, bytes.size() - done,
                                 off_t(written_.offset + done));
      if (k < 0 && errno == EINTR) continue;
      if (k <= 0) {
        const int saved = errno;
        // A partial record left behind is cut here (best effort), overwritten by the next
        // append (same offset), and cut again before its segment is closed.
        const int cut = ::ftruncate(active_->fd, off_t(written_.offset));
        (void)cut;
        errno = saved;
        throw IoError(Errno("cannot write to the spool"));
      }
      done += size_t(k);
    }
  } catch (...) {
    healthy_ = false;
    throw;
  }
  written_.offset += bytes.size();
  segments_[active_segment_] = written_.offset;
  bytes_on_disk_ += bytes.size();
  records_total_++;
  end = written_;
  // Group commit: one caller syncs everything written so far; the others wait for it.
  while (durable_ < end) {
    // After a failed sync, nothing written after durable_ may ever count as durable.
    if (broken_) throw IoError("the spool failed to sync; restart the receiver");
    if (syncing_) {
      synced_.wait(lock);
      continue;
    }
    syncing_ = true;
    const SpoolPosition target = written_;
    const std::shared_ptr<File> file = active_;
    lock.unlock();
    const int rc = DataSync(file->fd);
    const int saved = errno;
    lock.lock();
    syncing_ = false;
    syncs_++;
    synced_.notify_all();
    if (rc != 0) {
      healthy_ = false;
      broken_ = true;
      errno = saved;
      throw IoError(Errno("cannot sync the spool"));
    }
    durable_ = std::max(durable_, target);
  }
  healthy_ = !broken_;
  return end;
}

SpoolPosition EventSpool::Normalize(SpoolPosition p) {
  std::lock_guard<std::mutex> lock(mu_);
  if (segments_.empty()) return p;
  if (p.segment < segments_.begin()->first) return {segments_.begin()->first, 0};
  for (;;) {
    auto it = segments_.find(p.segment);
    if (it == segments_.end() || p.segment >= active_segment_ || p.offset < it->second) return p;
    auto next = std::next(it);
    if (next == segments_.end()) return p;
    p = {next->first, 0};
  }
}

SpoolPosition EventSpool::Read(SpoolPosition from, size_t max_records,
                               std::vector<SpoolRecord>* out, uint64_t max_bytes) {
  out->clear();
  SpoolPosition p = Normalize(from);
  uint64_t bytes = 0;
  const auto room = [&] {
    return out->size() < max_records && (out->empty() || bytes < max_bytes);
  };
  while (room()) {
    uint64_t limit;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (p.segment > durable_.segment) return p;
      auto it = segments_.find(p.segment);
      if (it == segments_.end()) return p;
      limit = p.segment == durable_.segment ? durable_.offset : it->second;
    }
    if (p.offset >= limit) {
      const SpoolPosition next = Normalize(p);
      if (next == p) return p;
      p = next;
      continue;
    }
    ReadFd fd(SegmentPath(p.segment));
    while (p.offset < limit && room()) {
      SpoolRecord r;
      uint64_t length = 0;
      if (!ReadRecordAt(fd.get(), p.offset, limit, options_.max_record_bytes, &r, &length, true)) {
        throw IoError("spool segment " + SegmentPath(p.segment) + " is corrupt at byte " +
                      std::to_string(p.offset));
      }
      r.position = p;
      p.offset += length;
      r.next = p;
      bytes += length;
      out->push_back(std::move(r));
    }
  }
  return Normalize(p);
}

uint64_t EventSpool::CountRecordsBefore(SpoolPosition position) {
  std::vector<std::pair<uint64_t, uint64_t>> ranges;  // segment, walk up to
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [segment, size] : segments_) {
      if (segment > position.segment) break;
      ranges.emplace_back(segment, segment < position.segment ? size : position.offset);
    }
  }
  uint64_t count = 0;
  for (const auto& [segment, upto] : ranges) {
    if (upto == 0) continue;
    ReadFd fd(SegmentPath(segment));
    for (uint64_t offset = 0; offset < upto; count++) {
      uint32_t length;
      if (!PreadAll(fd.get(), reinterpret_cast<char*>(&length), 4, offset)) break;
      offset += kHeaderBytes + length;
    }
  }
  return count;
}

void EventSpool::Release(SpoolPosition position) {
  std::vector<std::string> doomed;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = segments_.begin();
         it != segments_.end() && it->first < position.segment && it->first < active_segment_;) {
      doomed.push_back(SegmentPath(it->first));
      bytes_on_disk_ -= it->second;
      it = segments_.erase(it);
    }
  }
  // A segment that survives a crash here is loaded events only: the committed position skips it.
  for (const std::string& path : doomed) ::unlink(path.c_str());
}

uint64_t EventSpool::records_total() const {
  std::lock_guard<std::mutex> lock(mu_);
  return records_total_;
}
uint64_t EventSpool::bytes_on_disk() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bytes_on_disk_;
}
bool EventSpool::healthy() const {
  std::lock_guard<std::mutex> lock(mu_);
  return healthy_;
}
uint64_t EventSpool::syncs() const {
  std::lock_guard<std::mutex> lock(mu_);
  return syncs_;
}
SpoolPosition EventSpool::durable_end() const {
  std::lock_guard<std::mutex> lock(mu_);
  return durable_;
}

}  // namespace sluice
