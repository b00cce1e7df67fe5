// Which values convert into an existing column type, exactly, and which do not.
#include "schema/value_coercion.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

Column Text(std::initializer_list<const char*> values) {
  Column c(DataType::Of(TypeId::kText));
  for (const char* v : values) v ? c.AppendString(v) : c.AppendNull();
  return c;
}

// Coerces each value of `from` into `to`; returns the text of converted values, "-" for refused.
std::vector<std::string> Coerce(const Column& from, DataType to) {
  std::vector<std::string> out;
  for (size_t r = 0; r < from.size(); r++) {
    Column target(to);
    if (!CoerceValue(from, r, &target)) {
      out.push_back("-");
      continue;
    }
    std::string text;
    if (!target.IsValid(0)) {
      text = "NULL";
    } else {
      target.AppendValueAsText(0, &text);
    }
    out.push_back(text);
  }
  return out;
}

using Strings = std::vector<std::string>;

TEST(CoerceValue, TextBecomesAnIntegerOnlyWhenItIsOne) {
  EXPECT_EQ(Coerce(Text({"12", "-3", "007", "1.0", "x", nullptr}), DataType::Of(TypeId::kInt64)),
            (Strings{"12", "-3", "-", "-", "-", "NULL"}));
}

TEST(CoerceValue, DecimalsKeepEveryDigitOrAreRefused) {
  EXPECT_EQ(Coerce(Text({"1.5", "1.25", "1.255", "99999999999999999.9"}), DataType::Decimal(2)),
            (Strings{"1.50", "1.25", "-", "-"}));
  Column d(DataType::Decimal(2));
  d.AppendDecimal(500);  // 5.00
  d.AppendDecimal(550);  // 5.50
  EXPECT_EQ(Coerce(d, DataType::Of(TypeId::kInt64)), (Strings{"5", "-"}));
}

TEST(CoerceValue, DoublesTakeOnlyNumbersTheyHoldExactly) {
  Column ints(DataType::Of(TypeId::kInt64));
  ints.AppendInt64(9007199254740992);  // 2^53
  ints.AppendInt64(9007199254740993);
  EXPECT_EQ(Coerce(ints, DataType::Of(TypeId::kDouble)), (Strings{"9007199254740992", "-"}));
  EXPECT_EQ(Coerce(Text({"0.1", "1e300", "12345678901234567"}), DataType::Of(TypeId::kDouble)),
            (Strings{"0.1", "1e+300", "-"}));
  Column doubles(DataType::Of(TypeId::kDouble));
  doubles.AppendDouble(3.0);
  doubles.AppendDouble(3.5);
  EXPECT_EQ(Coerce(doubles, DataType::Of(TypeId::kInt64)), (Strings{"3", "-"}));
  EXPECT_EQ(Coerce(doubles, DataType::Decimal(1)), (Strings{"3.0", "3.5"}));
}

TEST(CoerceValue, TemporalTextMustMatchTheZoneOfTheColumn) {
  EXPECT_EQ(Coerce(Text({"2024-01-02 03:04:05", "2024-01-02T03:04:05Z", "2024-01-02"}),
                   DataType::Of(TypeId::kTimestamp)),
            (Strings{"2024-01-02 03:04:05", "-", "2024-01-02 00:00:00"}));
  EXPECT_EQ(Coerce(Text({"2024-01-02T03:04:05Z", "2024-01-02 03:04:05"}),
                   DataType::Of(TypeId::kTimestampTz)),
            (Strings{"2024-01-02 03:04:05+00", "-"}));
}

TEST(CoerceValue, TextAndJsonTakeEverythingButBinary) {
  Column b(DataType::Of(TypeId::kBoolean));
  b.AppendBoolean(true);
  EXPECT_EQ(Coerce(b, DataType::Of(TypeId::kText)), Strings{"true"});
  EXPECT_EQ(Coerce(b, DataType::Of(TypeId::kJson)), Strings{"true"});
  EXPECT_EQ(Coerce(Text({"say \"hi\""}), DataType::Of(TypeId::kJson)),
            Strings{"\"say \\\"hi\\\"\""});
  Column bin(DataType::Of(TypeId::kBinary));
  bin.AppendString("\x01\x02");
  EXPECT_EQ(Coerce(bin, DataType::Of(TypeId::kText)), Strings{"-"});
}

TEST(CoerceValue, BooleansAndIntegersDoNotMix) {
  Column b(DataType::Of(TypeId::kBoolean));
  b.AppendBoolean(false);
  EXPECT_EQ(Coerce(b, DataType::Of(TypeId::kInt64)), Strings{"-"});
  EXPECT_EQ(Coerce(Text({"yes", "1"}), DataType::Of(TypeId::kBoolean)), (Strings{"true", "-"}));
}

TEST(CoerceValue, UuidsFromCanonicalText) {
  EXPECT_EQ(Coerce(Text({"0190a5c8-1b2c-7d3e-8f40-123456789abc", "not-a-uuid"}),
                   DataType::Of(TypeId::kUuid)),
            (Strings{"0190a5c8-1b2c-7d3e-8f40-123456789abc", "-"}));
}

}  // namespace
}  // namespace sluice
