#pragma once
// The event ids a receiver saw most recently, so a sender's retry of an event that is already
// spooled is answered 200 without spooling it again. Bounded: the oldest ids are forgotten
// first (the destination's merge by `_event_id` still catches older replays).
#include <deque>
#include <mutex>
#include <string>
#include <unordered_set>

namespace sluice {

class RecentIds {
 public:
  explicit RecentIds(size_t capacity = 100000) : capacity_(capacity) {}
  // True if `key` is new (and now remembered); false if it was seen.
  bool Insert(const std::string& key) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!set_.insert(key).second) return false;
    order_.push_back(key);
    while (order_.size() > capacity_) {
      set_.erase(order_.front());
      order_.pop_front();
    }
    return true;
  }
  // Forgets `key` (its event could not be spooled, so a retry must be accepted).
  void Erase(const std::string& key) {
    std::lock_guard<std::mutex> lock(mu_);
    set_.erase(key);  // its entry in order_ expires harmlessly
  }
  size_t size() const {
    std::lock_guard<std::mutex> lock(mu_);
    return set_.size();
  }

 private:
  size_t capacity_;
  mutable std::mutex mu_;
  std::unordered_set<std::string> set_;
  std::deque<std::string> order_;
};

}  // namespace sluice
