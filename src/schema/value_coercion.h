#pragma once
// Exact conversion of single values into a column's existing type. Schema evolution uses it
// when a batch column's type differs from the table's: every value that converts without loss
// goes into the column, the rest to a variant column or the contract's handling.
#include "core/column.h"

namespace sluice {

// Appends `from`'s value at `row` to `to` (of type to->type()) if it converts exactly, and
// returns true; returns false and appends nothing otherwise. NULL converts to NULL. Rules:
// - to text: any value except binary, as its canonical text (json: the JSON text itself);
// - to json: numbers and booleans as JSON literals, other values as JSON strings (not binary);
// - to int64: integer text ("12", no leading zeros), decimals and doubles without a fraction;
// - to decimal(18,s): integers, decimals and doubles/text with at most s fraction digits and at
//   most 18 digits in all;
// - to double: integers and decimals of at most 15 significant digits (exact in a double),
//   numeric text of at most 15 significant digits or in scientific notation;
// - to boolean, date, timestamp, timestamptz, uuid: text in the formats the parsers accept
//   (a timestamp column takes zone-less text, a timestamptz column text with a zone); dates
//   (and date text) to timestamps at midnight;
// - nothing else (e.g. boolean to int64, timestamptz to timestamp) converts.
bool CoerceValue(const Column& from, size_t row, Column* to);

// True if every non-NULL value of type `from` converts exactly to `to` (then a whole column
// converts with Column::CastTo, without a per-value check).
bool AlwaysCoerces(DataType from, DataType to);

}  // namespace sluice
