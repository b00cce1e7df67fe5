#pragma once
// What a cell's number format says about its value: a plain number, a calendar date, a time of
// day, both, or an elapsed duration. Excel stores all of these as the same double (a serial day
// count), so the format is the only place the difference lives.
#include <cstdint>
#include <string_view>

namespace sluice {

enum class NumberFormatKind : uint8_t {
  kNumber,    // General, 0.00, percentages, currencies, text (@), ...
  kDate,      // y / d / month tokens only: 2024-03-01
  kTime,      // h / s / AM-PM tokens only: 13:45:00
  kDateTime,  // both
  kElapsed,   // [h]:mm:ss and friends: a duration, may exceed 24 hours
};

// Built-in format ids (ECMA-376 Part 1, 18.8.30): 14-17 and the East Asian 27-36, 50-58 are
// dates, 18-21 and 45, 47 times of day, 22 date-time, 46 ([h]:mm:ss) elapsed.
NumberFormatKind BuiltinNumberFormatKind(uint32_t id);

// Classifies a custom format code ("yyyy-mm-dd", "[$-409]h:mm AM/PM;@", "0.00\" days\"").
// Only the first section counts (the one positive numbers use). Text in quotes, escaped
// characters (\x, _x, *x) and [...] blocks other than [h] [m] [s] are ignored, so a literal
// "d" in "0.0\" d\"" is not a date token.
NumberFormatKind ClassifyNumberFormat(std::string_view code);

}  // namespace sluice
