#include "api/rate_limiter.h"

#include <algorithm>

#include "core/error.h"

namespace sluice {
namespace {

[[noreturn]] void ThrowCancelled() {
  throw Error(ErrorKind::kIo, "API request cancelled while waiting for the rate limit");
}

}  // namespace

RateLimiter::RateLimiter(double per_second, int burst, int max_concurrency)
    : per_second_(per_second),
      burst_(std::max(1, burst)),
      tokens_(std::max(1, burst)),
      refilled_(std::chrono::steady_clock::now()),
      max_concurrency_(max_concurrency) {}

void RateLimiter::AcquireToken() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (cancelled_) ThrowCancelled();
    const auto now = std::chrono::steady_clock::now();
    if (now < paused_until_) {
      const auto until = paused_until_;
      cv_.wait_until(lock, until, [&] { return cancelled_ || paused_until_ != until; });
      continue;  // the pause may have been extended meanwhile
    }
    if (per_second_ <= 0) return;
    const double elapsed = std::chrono::duration<double>(now - refilled_).count();
    tokens_ = std::min(burst_, tokens_ + elapsed * per_second_);
    refilled_ = now;
    if (tokens_ >= 1) {
      tokens_ -= 1;
      return;
    }
    // Bounded so a tiny rate cannot make the conversion to nanoseconds overflow; the loop
    // simply waits again.
    const double missing_s = std::min((1 - tokens_) / per_second_, 3600.0);
    cv_.wait_for(lock,
                 std::chrono::duration_cast<std::chrono::nanoseconds>(
                     std::chrono::duration<double>(missing_s)),
                 [&] { return cancelled_; });
  }
}

void RateLimiter::PauseUntil(std::chrono::steady_clock::time_point until) {
  std::lock_guard<std::mutex> lock(mu_);
  paused_until_ = std::max(paused_until_, until);
  cv_.notify_all();
}

void RateLimiter::Cancel() {
  std::lock_guard<std::mutex> lock(mu_);
  cancelled_ = true;
  cv_.notify_all();
}

void RateLimiter::Resume() {
  std::lock_guard<std::mutex> lock(mu_);
  cancelled_ = false;
}

RateLimiter::Slot::Slot(RateLimiter* limiter) : limiter_(limiter) {
  if (limiter_->max_concurrency_ <= 0) return;
  std::unique_lock<std::mutex> lock(limiter_->mu_);
  limiter_->cv_.wait(lock, [&] {
    return limiter_->cancelled_ || limiter_->in_flight_ < limiter_->max_concurrency_;
  });
  if (limiter_->cancelled_) ThrowCancelled();
  limiter_->in_flight_++;
}

RateLimiter::Slot::~Slot() {
  if (limiter_->max_concurrency_ <= 0) return;
  std::lock_guard<std::mutex> lock(limiter_->mu_);
  limiter_->in_flight_--;
  limiter_->cv_.notify_all();
}

}  // namespace sluice
