#pragma once
// How CSV and JSONL files spell values (docs/filesystem-destination.md, "Formats"): one place,
// so both formats agree and the reader-side documentation has one table to describe.
#include <string>

#include "core/column.h"

namespace sluice {

// Dates "2024-01-31", timestamps "2024-01-31T08:00:00.123456", with time zone (UTC)
// "2024-01-31T08:00:00Z"; decimals exact ("12.50"); doubles in the shortest form that reads
// back to the same double ("nan", "inf", "-inf" for the non-finite ones); booleans true/false;
// UUIDs canonical; binary as DuckDB's blob text (printable ASCII kept, other bytes and '\' as
// \xHH); text and JSON as they are. The value must not be NULL.
void AppendPlainValue(const Column& column, size_t row, std::string* out);
// The value as a JSON value: numbers as numbers (decimals with their exact digits), booleans,
// text as strings, JSON columns embedded as JSON, dates/timestamps/UUIDs as strings, binary as a
// base64 string, non-finite doubles as the strings "NaN", "Infinity", "-Infinity"; NULL as null.
void AppendJsonValue(const Column& column, size_t row, std::string* out);
// A CSV field per RFC 4180: quoted (quotes doubled) when it holds the delimiter, a quote, CR or
// LF, or is empty (an empty quoted field is the empty string; an empty unquoted one is NULL).
void AppendCsvField(std::string_view value, std::string* out);

}  // namespace sluice
