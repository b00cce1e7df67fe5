#pragma once
// Locale-independent parsing of text values into sluice types. Every function accepts exactly
// the spellings listed in docs/architecture.md ("Type inference") and rejects everything else,
// so a value is either converted exactly or left for a wider type; never guessed.
#include <cstdint>
#include <string_view>

#include "core/types.h"

namespace sluice {

// true/false, t/f (PostgreSQL's export), yes/no, in any letter case. Not y/n: single-letter
// codes are too often something else, and a boolean renders back as true/false.
bool ParseBoolean(std::string_view s, bool* out);
// Optional '-', then digits without leading zeros ("0" itself is fine): "007" stays text so
// zip codes and ids keep their zeros.
bool ParseInt64(std::string_view s, int64_t* out);
// A plain decimal literal ("-12.50"; no exponent) as an unscaled integer at `scale`. Fails if the
// literal has more fractional digits than `scale` or more than 18 digits in all.
bool ParseDecimal(std::string_view s, uint8_t scale, int64_t* out);
// Any decimal or scientific literal (fast_float; round to nearest). No inf/nan.
bool ParseDouble(std::string_view s, double* out);
// ISO 8601 calendar date YYYY-MM-DD.
bool ParseDate(std::string_view s, int32_t* days_since_epoch);
// ISO 8601 date-time: YYYY-MM-DD[T| ]HH:MM[:SS[.fraction]] with an optional zone (Z, +HH,
// +HHMM, +HH:MM). With a zone the result is UTC and *has_zone is true.
bool ParseTimestamp(std::string_view s, int64_t* micros_since_epoch, bool* has_zone);

// The narrowest type a single text value fits, with the digits that decide decimal widening.
InferredType ClassifyText(std::string_view s);

// Days since 1970-01-01 for a proleptic Gregorian date (no validation).
int32_t DaysFromCivil(int64_t y, unsigned m, unsigned d);

// Canonical text renderings, used when a typed value must become text (cast up to text).
size_t FormatDate(int32_t days, char* out);                        // 10 chars
size_t FormatTimestamp(int64_t micros, bool utc, char* out);       // up to 32 chars
size_t FormatDecimal(int64_t unscaled, uint8_t scale, char* out);  // up to 21 chars

}  // namespace sluice
