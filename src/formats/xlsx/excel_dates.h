#pragma once
// Excel's serial dates: a double counting days (and fractions of a day) from an epoch that
// depends on the workbook's date system.
// - 1900 system (the default): serial 1 is 1900-01-01, and serial 60 is 1900-02-29, a day that
//   never existed (kept by Excel for Lotus 1-2-3 compatibility); serial 61 is 1900-03-01.
// - 1904 system (old Mac workbooks, workbookPr date1904="1"): serial 0 is 1904-01-01.
// Times are rounded to the millisecond, Excel's own resolution: a double holding a five-digit
// day count carries ~1 microsecond of noise that must not show up as 12:59:59.999999.
#include <cstddef>
#include <cstdint>
#include <string>

namespace sluice {

enum class DateSystem : uint8_t { k1900, k1904 };

struct ExcelDateTime {
  int32_t days = 0;       // since 1970-01-01
  int64_t ms_of_day = 0;  // [0, 86'400'000)
};

// False with the reason if the serial names no real date: negative, 1900-02-29 (serial 60 in
// the 1900 system) or after 9999-12-31.
bool SerialToDateTime(double serial, DateSystem system, ExcelDateTime* out, std::string* why);

// "13:45:00" or "13:45:00.250" (milliseconds only when not zero).
size_t FormatTimeOfDay(int64_t ms_of_day, char* out);
// A duration for [h]:mm:ss formats: "36:00:00", "-0:30:00", "1:02:03.500". Hours unbounded.
size_t FormatElapsed(double serial_days, char* out);

}  // namespace sluice
