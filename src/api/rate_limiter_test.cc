// Politeness toward an API: a token per attempt at a steady rate after an initial burst, a cap
// on requests in flight, and a pause until the server's announced reset.
#include "api/rate_limiter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace sluice {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

TEST(RateLimiter, ABurstGoesAtOnceThenTokensComeAtTheRate) {
  RateLimiter limiter(20, 5, 0);
  const auto start = Clock::now();
  for (int i = 0; i < 5; i++) limiter.AcquireToken();
  EXPECT_LT(SecondsSince(start), 0.05);
  for (int i = 0; i < 10; i++) limiter.AcquireToken();  // 10 more at 20/s: ~0.5 s
  EXPECT_GE(SecondsSince(start), 0.45);
  EXPECT_LT(SecondsSince(start), 1.5);
}

TEST(RateLimiter, ZeroRateMeansUnlimited) {
  RateLimiter limiter(0, 1, 0);
  const auto start = Clock::now();
  for (int i = 0; i < 1000; i++) limiter.AcquireToken();
  EXPECT_LT(SecondsSince(start), 0.1);
}

TEST(RateLimiter, TheRateHoldsAcrossThreads) {
  RateLimiter limiter(50, 1, 0);
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; t++) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5; i++) limiter.AcquireToken();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_GE(SecondsSince(start), 19 / 50.0 - 0.02);  // 20 tokens, the first one free
}

TEST(RateLimiter, NoTokenIsHandedOutDuringAPause) {
  RateLimiter limiter(0, 1, 0);
  const auto start = Clock::now();
  limiter.PauseUntil(start + std::chrono::milliseconds(300));
  limiter.PauseUntil(start + std::chrono::milliseconds(100));  // an earlier end never shortens it
  limiter.AcquireToken();
  EXPECT_GE(SecondsSince(start), 0.29);
}

TEST(RateLimiter, SlotsCapRequestsInFlight) {
  RateLimiter limiter(0, 1, 2);
  std::atomic<int> in_flight{0}, peak{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; t++) {
    threads.emplace_back([&] {
      RateLimiter::Slot slot(&limiter);
      const int now = ++in_flight;
      int seen = peak.load();
      while (now > seen && !peak.compare_exchange_weak(seen, now)) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
      --in_flight;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(peak.load(), 2);
}

TEST(RateLimiter, ZeroConcurrencyMeansNoCap) {
  RateLimiter limiter(0, 1, 0);
  RateLimiter::Slot a(&limiter), b(&limiter), c(&limiter);  // does not block
  SUCCEED();
}

}  // namespace
}  // namespace sluice
