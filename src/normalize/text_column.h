#pragma once
// Converts the text values of one column of a batch (from CSV and other text formats) into a
// typed column. Conversion starts with a hinted type (what earlier batches inferred) and widens
// along the type lattice (core/types.h Join) when a value does not fit, so no value is lost:
// the worst case is text.
#include <string_view>

#include "core/column.h"

namespace sluice {

// values[i] is ignored where is_null[i] != 0. Returns the type the column was built with.
// A kNull hint means "nothing known yet": every value is classified first.
InferredType ConvertTextColumn(const std::string_view* values, const uint8_t* is_null, size_t n,
                               InferredType hint, Column* out);

// True if `value` converts to `type`; writes the converted value into `column` if so.
bool AppendTextAs(DataType type, std::string_view value, Column* column);

}  // namespace sluice
