#pragma once
// The webhook receiver's write-ahead log (docs/webhooks.md, "Durability"): accepted events are
// appended to segment files in a directory and fdatasync'd before the sender gets its 2xx.
// Concurrent appends share one fdatasync (group commit). Records are length-prefixed and
// checksummed, so a tail torn by a crash is recognised and cut off when the spool reopens.
//
// Segment file NNNNNNNNNNNNNNNNNNNN.spool holds records:
//   u32 payload length | u64 XXH3-64 of (length, payload) | payload
// The file spool.id holds the spool's random id.
//   payload: i64 received_at_micros | u16 len + route | u16 len + table | u8 has_id |
//            u32 len + event id | body (the rest)
// Integers little-endian. A position (segment, offset) names the byte where a record starts.
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace sluice {

struct SpoolPosition {
  uint64_t segment = 0;
  uint64_t offset = 0;
  auto operator<=>(const SpoolPosition&) const = default;
};

// A position as committed pipeline state, with the id of the spool it belongs to (a spool
// directory that was wiped and recreated must not inherit an old position).
std::string SpoolPositionJson(const std::string& spool_id, SpoolPosition position);
// False if unparsable or of another spool.
bool ParseSpoolPositionJson(const std::string& json, const std::string& spool_id,
                            SpoolPosition* out);

struct SpoolRecord {
  int64_t received_at_micros = 0;
  std::string route;  // the route's path
  std::string table;  // the route's table when the event arrived
  bool has_id = false;
  std::string event_id;
  std::string body;
  SpoolPosition position;  // where it starts (filled by Read)
  SpoolPosition next;      // where the next record starts (filled by Read)
};

struct SpoolOptions {
  std::string dir;
  // A segment is closed (synced, never written again) once it holds this many bytes.
  uint64_t segment_bytes = 64 << 20;
  // Largest record accepted on recovery; a longer length prefix is a torn or corrupt header.
  uint64_t max_record_bytes = 256 << 20;
  // Tests: replaces fdatasync(2) for segment files.
  std::function<int(int)> datasync = nullptr;
  // Tests: replaces fsync(2) of the directory after a segment is created.
  std::function<int(int)> dirsync = nullptr;
};

class EventSpool {
 public:
  // Creates the directory if needed, and cuts a torn tail off the newest segment. `visit` (may
  // be empty) sees every intact record found, oldest first (e.g. to warm a dedup set).
  // Throws IoError if the directory cannot be used.
  EventSpool(SpoolOptions options, const std::function<void(const SpoolRecord&)>& visit = {});
  ~EventSpool();
  EventSpool(const EventSpool&) = delete;
  EventSpool& operator=(const EventSpool&) = delete;

  // Appends and returns once the record is on disk (fdatasync done); returns the record's end.
  // Thread-safe; concurrent callers share syncs. Throws IoError (the record may or may not be
  // in the spool then: the caller must not acknowledge it). A failed fdatasync breaks the
  // spool for good (the kernel reports a writeback error only once): every later append
  // throws and healthy() stays false until the process restarts. A record longer than
  // max_record_bytes is refused.
  SpoolPosition Append(const SpoolRecord& record);

  // Reads up to `max_records` durable records from `from` on, into *out (cleared). Positions
  // at the end of a closed segment continue with the next one. Returns where reading stopped.
  // Throws IoError for a corrupt record before the durable end.
  // Stops early once the records read hold `max_bytes` (at least one record is read).
  SpoolPosition Read(SpoolPosition from, size_t max_records, std::vector<SpoolRecord>* out,
                     uint64_t max_bytes = uint64_t(64) << 20);
  // Moves a position past the ends of closed segments (and onto the oldest segment if it
  // points before it), so equal spool contents give equal positions.
  SpoolPosition Normalize(SpoolPosition position);
  // Records in the spool that start before `position` (a header walk).
  uint64_t CountRecordsBefore(SpoolPosition position);
  // Deletes every segment before `position.segment`: all its events are loaded.
  void Release(SpoolPosition position);

  // Records ever appended or found on open (monotonic), bytes of all segment files, and
  // whether the last append failed (cleared by the next successful one, unless a sync failed).
  uint64_t records_total() const;
  uint64_t bytes_on_disk() const;
  bool healthy() const;
  SpoolPosition durable_end() const;
  // fdatasync calls made for appends (appends / syncs = events per group commit).
  uint64_t syncs() const;
  const std::string& dir() const { return options_.dir; }
  // Random id made when the directory was first used (file spool.id).
  const std::string& id() const { return id_; }

 private:
  struct File;
  std::string SegmentPath(uint64_t segment) const;
  void LoadOrCreateId();
  void Recover(const std::function<void(const SpoolRecord&)>& visit);
  void OpenSegment(uint64_t segment, bool create);
  void RotateLocked();
  int DataSync(int fd) const;
  // Whether damage at `offset` of the newest segment is a torn tail (cut) or corruption.
  bool TornTail(int fd, uint64_t offset, uint64_t size) const;

  SpoolOptions options_;
  std::string id_;
  mutable std::mutex mu_;
  std::condition_variable synced_;
  std::map<uint64_t, uint64_t> segments_;  // segment -> bytes written (closed and active)
  std::shared_ptr<File> active_;
  uint64_t active_segment_ = 0;
  SpoolPosition written_;  // end of the last write()
  SpoolPosition durable_;  // end of the last fdatasync'd write
  bool syncing_ = false;   // a leader is in fdatasync
  bool healthy_ = true;
  bool broken_ = false;  // a sync failed: nothing is durable past durable_, ever
  uint64_t records_total_ = 0;
  uint64_t syncs_ = 0;
  uint64_t bytes_on_disk_ = 0;
};

}  // namespace sluice
