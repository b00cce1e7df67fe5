#include "formats/xlsx/excel_dates.h"

#include <cmath>
#include <cstdio>

#include "core/value_parse.h"

namespace sluice {
namespace {
constexpr int64_t kMsPerDay = 86'400'000;
constexpr double kMaxSerial1900 = 2958466.0;  // 10000-01-01
}  // namespace

bool SerialToDateTime(double serial, DateSystem system, ExcelDateTime* out, std::string* why) {
  const double limit = system == DateSystem::k1900 ? kMaxSerial1900 : kMaxSerial1900 - 1462;
  if (!(serial >= 0)) {
    *why = "negative date serial (Excel shows no date for it)";
    return false;
  }
  if (serial >= limit) {
    *why = "date serial after 9999-12-31";
    return false;
  }
  const int64_t total_ms = std::llround(serial * double(kMsPerDay));
  const int64_t day = total_ms / kMsPerDay;
  out->ms_of_day = total_ms % kMsPerDay;
  if (system == DateSystem::k1904) {
    out->days = DaysFromCivil(1904, 1, 1) + int32_t(day);
    return true;
  }
  if (day == 60) {
    *why = "1900-02-29 does not exist (Excel's Lotus 1-2-3 leap year bug)";
    return false;
  }
  // Serials before the phantom day count from 1899-12-31, later ones from 1899-12-30.
  out->days = DaysFromCivil(1899, 12, day < 60 ? 31 : 30) + int32_t(day);
  return true;
}

size_t FormatTimeOfDay(int64_t ms, char* out) {
  const int h = int(ms / 3'600'000), m = int(ms / 60'000 % 60), s = int(ms / 1000 % 60);
  const int frac = int(ms % 1000);
  if (frac) return size_t(std::snprintf(out, 32, "%02d:%02d:%02d.%03d", h, m, s, frac));
  return size_t(std::snprintf(out, 32, "%02d:%02d:%02d", h, m, s));
}

size_t FormatElapsed(double serial_days, char* out) {
  int64_t ms = std::llround(serial_days * double(kMsPerDay));
  const bool negative = ms < 0;
  if (negative) ms = -ms;
  const long long h = ms / 3'600'000;
  const int m = int(ms / 60'000 % 60), s = int(ms / 1000 % 60), frac = int(ms % 1000);
  if (frac) {
    return size_t(
        std::snprintf(out, 48, "%s%lld:%02d:%02d.%03d", negative ? "-" : "", h, m, s, frac));
  }
  return size_t(std::snprintf(out, 48, "%s%lld:%02d:%02d", negative ? "-" : "", h, m, s));
}

}  // namespace sluice
