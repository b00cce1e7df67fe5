#pragma once
// Politeness per API source: a token bucket (requests per second, with a burst) every attempt
// takes a token from, a cap on requests in flight, and a pause until a server-announced reset
// (X-RateLimit-Remaining: 0 with X-RateLimit-Reset). Thread-safe.
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace sluice {

class RateLimiter {
 public:
  // per_second 0 = no rate limit; max_concurrency 0 = no cap.
  RateLimiter(double per_second, int burst, int max_concurrency);

  // Blocks until a token is available (and any pause has passed).
  void AcquireToken();
  // No request starts before `until`.
  void PauseUntil(std::chrono::steady_clock::time_point until);
  // Wakes every waiter: AcquireToken and Slot then throw a non-retriable IoError ("cancelled"),
  // now and from then on.
  void Cancel();
  void Resume();  // undoes Cancel() once no caller waits any more

  // Holds one of max_concurrency slots while alive.
  class Slot {
   public:
    explicit Slot(RateLimiter* limiter);
    ~Slot();
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;

   private:
    RateLimiter* limiter_;
  };

 private:
  // implementation-defined members
  std::mutex mu_;
  std::condition_variable cv_;
  double per_second_;
  double burst_;
  double tokens_;
  std::chrono::steady_clock::time_point refilled_;
  std::chrono::steady_clock::time_point paused_until_{};
  int max_concurrency_;
  int in_flight_ = 0;
  bool cancelled_ = false;
};

}  // namespace sluice
