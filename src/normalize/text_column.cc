#include "normalize/text_column.h"

#include "core/value_parse.h"

namespace sluice {

bool AppendTextAs(DataType type, std::string_view value, Column* column) {
  switch (type.id) {
    case TypeId::kBoolean: {
      bool b;
      if (!ParseBoolean(value, &b)) return false;
      column->AppendBoolean(b);
      return true;
    }
    case TypeId::kInt64: {
      int64_t v;
      if (!ParseInt64(value, &v)) return false;
      column->AppendInt64(v);
      return true;
    }
    case TypeId::kDecimal: {
      int64_t v;
      if (!ParseDecimal(value, type.scale, &v)) return false;
      column->AppendDecimal(v);
      return true;
    }
    case TypeId::kDouble: {
      double v;
      // Integers written with leading zeros are text everywhere else; keep doubles consistent.
      const size_t lead = !value.empty() && value[0] == '-';
      if (value.size() > lead + 1 && value[lead] == '0' && value[lead + 1] >= '0' &&
          value[lead + 1] <= '9') {
        return false;
      }
      if (!ParseDouble(value, &v)) return false;
      column->AppendDouble(v);
      return true;
    }
    case TypeId::kDate: {
      int32_t d;
      if (!ParseDate(value, &d)) return false;
      column->AppendDate(d);
      return true;
    }
    case TypeId::kTimestamp:
    case TypeId::kTimestampTz: {
      int64_t micros;
      bool zone;
      if (ParseTimestamp(value, &micros, &zone)) {
        if (zone != (type.id == TypeId::kTimestampTz)) return false;
        column->AppendTimestamp(micros);
        return true;
      }
      int32_t d;  // a bare date in a timestamp column is midnight
      if (type.id == TypeId::kTimestamp && ParseDate(value, &d)) {
        column->AppendTimestamp(int64_t(d) * 86400000000LL);
        return true;
      }
      return false;
    }
    case TypeId::kUuid:  // sluice's own ids; text is never read back as one
      return false;
    case TypeId::kNull:
    case TypeId::kText:
    case TypeId::kJson:
    case TypeId::kBinary:
      column->AppendString(value);
      return true;
  }
  return false;
}

namespace {

InferredType Classify(const std::string_view* values, const uint8_t* is_null, size_t n,
                      InferredType start) {
  InferredType t = start;
  for (size_t i = 0; i < n && t.type.id != TypeId::kText; i++) {
    if (!is_null[i]) t = Join(t, ClassifyText(values[i]));
  }
  return t;
}

}  // namespace

InferredType ConvertTextColumn(const std::string_view* values, const uint8_t* is_null, size_t n,
                               InferredType hint, Column* out) {
  InferredType type = hint;
  if (type.type.id == TypeId::kNull) type = Classify(values, is_null, n, type);
  for (;;) {
    out->Reset(type.type);
    out->Reserve(n);
    size_t i = 0;
    for (; i < n; i++) {
      if (is_null[i]) {
        out->AppendNull();
      } else if (!AppendTextAs(type.type, values[i], out)) {
        break;
      }
    }
    if (i == n) {
      if (type.type.id == TypeId::kInt64 || type.type.id == TypeId::kDecimal) {
        type.int_digits = std::max(type.int_digits, out->IntegerDigits());
      }
      return type;
    }
    // values[i] does not fit: widen over the rest of the batch and convert again.
    type = Classify(values + i, is_null + i, n - i, type);
  }
}

}  // namespace sluice
