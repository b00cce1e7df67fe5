#pragma once
// The event ids a receiver saw most recently, so a sender's retry of an event that is already
// spooled is answered 200 without spooling it again. Bounded: the oldest ids are forgotten
// first (the destination's merge by `_event_id` still catches older replays).
//
// An id is claimed before its event is spooled and settled after: a retry that arrives while
// the first delivery is still being synced waits for it, so "duplicate" is only ever answered
// for an event that is on disk.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

namespace sluice {

class RecentIds {
 public:
  explicit RecentIds(size_t capacity = 100000) : capacity_(capacity) {}

  enum class Claim { kNew, kDuplicate };
  // kNew: the caller owns the id and must call Settle(). kDuplicate: the id is spooled.
  Claim Acquire(const std::string& key) {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      auto it = ids_.find(key);
      if (it == ids_.end()) break;
      if (it->second) return Claim::kDuplicate;
      settled_.wait(lock);  // in flight: its outcome decides
    }
    ids_.emplace(key, false);  // in flight: not in order_ (never evicted), at most one per thread
    return Claim::kNew;
  }
  // The claimed event was spooled (remember the id) or not (forget it: a retry must get in).
  void Settle(const std::string& key, bool spooled) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (spooled) {
        auto [it, fresh] = ids_.emplace(key, true);
        if (fresh || !it->second) {
          it->second = true;
          order_.push_back(key);  // once per spooled id: only an id in flight gets here
          while (order_.size() > capacity_) {
            ids_.erase(order_.front());
            order_.pop_front();
          }
        }
      } else {
        ids_.erase(key);
      }
    }
    settled_.notify_all();
  }
  // An id known to be spooled (warming the set from the spool on start).
  void Remember(const std::string& key) {
    if (Acquire(key) == Claim::kNew) Settle(key, true);
  }
  // Ids remembered or in flight.
  size_t size() const {
    std::lock_guard<std::mutex> lock(mu_);
    return ids_.size();
  }
  // Spooled ids in the eviction order (<= capacity).
  size_t remembered() const {
    std::lock_guard<std::mutex> lock(mu_);
    return order_.size();
  }

 private:
  size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable settled_;
  std::unordered_map<std::string, bool> ids_;  // id -> spooled (false: in flight)
  std::deque<std::string> order_;              // spooled ids, oldest first; each exactly once
};

}  // namespace sluice
