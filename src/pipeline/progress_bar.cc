#include "pipeline/progress_bar.h"

#include <unistd.h>

#include <cstdio>

namespace sluice {

ProgressBar::ProgressBar(bool enabled, int64_t total_bytes)
    : enabled_(enabled && isatty(STDERR_FILENO)),
      total_bytes_(total_bytes),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

void ProgressBar::Update(uint64_t rows, uint64_t stored_bytes) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  Draw(rows, stored_bytes);
}

void ProgressBar::Draw(uint64_t rows, uint64_t stored_bytes) {
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double mb = stored_bytes / 1e6;
  const double rate = secs > 0 ? mb / secs : 0;
  char line[200];
  if (total_bytes_ > 0) {
    const double frac = std::min(1.0, double(stored_bytes) / double(total_bytes_));
    const int width = 24, filled = int(frac * width);
    char bar[32];
    for (int i = 0; i < width; i++) bar[i] = i < filled ? '=' : (i == filled ? '>' : ' ');
    bar[width] = 0;
    const double eta = rate > 0 ? (total_bytes_ / 1e6 - mb) / rate : 0;
    std::snprintf(line, sizeof line, "\r[%s] %3.0f%% %11llu rows %8.1f MB %7.1f MB/s ETA %4.0fs ",
                  bar, frac * 100, static_cast<unsigned long long>(rows), mb, rate, eta);
  } else {
    std::snprintf(line, sizeof line, "\r%11llu rows %8.1f MB %7.1f MB/s ",
                  static_cast<unsigned long long>(rows), mb, rate);
  }
  std::fputs(line, stderr);
  drawn_ = true;
}

void ProgressBar::Finish() {
  if (!drawn_) return;
  std::fputs("\r\033[K", stderr);  // clear the line; the summary follows
  drawn_ = false;
}

}  // namespace sluice
