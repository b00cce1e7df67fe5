#pragma once
// A one-line progress display on a terminal: rows, bytes, rate and, when the input size is
// known, percent and ETA. Silent when stderr is not a terminal.
#include <chrono>
#include <cstdint>

namespace sluice {

class ProgressBar {
 public:
  // `total_bytes` < 0: unknown size. Enabled only if `enabled` and stderr is a TTY.
  ProgressBar(bool enabled, int64_t total_bytes);
  void Update(uint64_t rows, uint64_t stored_bytes);  // throttled to ~10 redraws per second
  void Finish();

 private:
  void Draw(uint64_t rows, uint64_t stored_bytes);
  bool enabled_;
  int64_t total_bytes_;
  std::chrono::steady_clock::time_point start_, last_draw_;
  bool drawn_ = false;
};

}  // namespace sluice
