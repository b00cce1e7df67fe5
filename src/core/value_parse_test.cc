#include "core/value_parse.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

TEST(ParseInt64, AcceptsCanonicalIntegersOnly) {
  int64_t v;
  EXPECT_TRUE(ParseInt64("0", &v));
  EXPECT_EQ(v, 0);
  EXPECT_TRUE(ParseInt64("-42", &v));
  EXPECT_EQ(v, -42);
  EXPECT_TRUE(ParseInt64("9223372036854775807", &v));
  EXPECT_EQ(v, INT64_MAX);
  EXPECT_TRUE(ParseInt64("-9223372036854775808", &v));
  EXPECT_EQ(v, INT64_MIN);
  EXPECT_FALSE(ParseInt64("9223372036854775808", &v));
  EXPECT_FALSE(ParseInt64("007", &v)) << "leading zeros keep zip codes as text";
  EXPECT_FALSE(ParseInt64("+1", &v));
  EXPECT_FALSE(ParseInt64("1 ", &v));
  EXPECT_FALSE(ParseInt64("", &v));
  EXPECT_FALSE(ParseInt64("-", &v));
}

TEST(ParseDecimal, ScalesExactly) {
  int64_t v;
  EXPECT_TRUE(ParseDecimal("12.5", 2, &v));
  EXPECT_EQ(v, 1250);
  EXPECT_TRUE(ParseDecimal("-0.01", 2, &v));
  EXPECT_EQ(v, -1);
  EXPECT_TRUE(ParseDecimal("7", 3, &v));
  EXPECT_EQ(v, 7000);
  EXPECT_FALSE(ParseDecimal("1.234", 2, &v)) << "more digits than the scale would round";
  EXPECT_FALSE(ParseDecimal("1e5", 2, &v));
  EXPECT_FALSE(ParseDecimal("1.", 2, &v));
  EXPECT_FALSE(ParseDecimal(".5", 2, &v));
  EXPECT_FALSE(ParseDecimal("1234567890123456789", 0, &v)) << "19 digits exceed DECIMAL(18)";
}

TEST(ParseDouble, IsLocaleIndependentAndRejectsSpecials) {
  double d;
  EXPECT_TRUE(ParseDouble("1.5e3", &d));
  EXPECT_EQ(d, 1500.0);
  EXPECT_FALSE(ParseDouble("1,5", &d));
  EXPECT_FALSE(ParseDouble("inf", &d));
  EXPECT_FALSE(ParseDouble("NaN", &d));
  EXPECT_FALSE(ParseDouble("+1", &d));
  EXPECT_FALSE(ParseDouble("1e400", &d)) << "overflow to infinity is not the number written";
}

TEST(ParseBoolean, CommonSpellings) {
  bool b;
  for (const char* t : {"true", "TRUE", "t", "yes", "Yes"}) {
    EXPECT_TRUE(ParseBoolean(t, &b) && b) << t;
  }
  for (const char* f : {"false", "F", "no", "NO", "False"}) {
    EXPECT_TRUE(ParseBoolean(f, &b) && !b) << f;
  }
  EXPECT_FALSE(ParseBoolean("1", &b));
  EXPECT_FALSE(ParseBoolean("yess", &b));
  EXPECT_FALSE(ParseBoolean("y", &b)) << "single-letter codes stay text";
}

TEST(ParseDate, Iso8601CalendarDates) {
  int32_t d;
  EXPECT_TRUE(ParseDate("1970-01-01", &d));
  EXPECT_EQ(d, 0);
  EXPECT_TRUE(ParseDate("2024-02-29", &d));
  EXPECT_EQ(d, 19782);
  EXPECT_FALSE(ParseDate("2023-02-29", &d));
  EXPECT_FALSE(ParseDate("2024-13-01", &d));
  EXPECT_FALSE(ParseDate("01/02/2024", &d)) << "locale-dependent formats are not guessed";
  char buf[16];
  EXPECT_EQ(std::string(buf, FormatDate(19782, buf)), "2024-02-29");
  EXPECT_EQ(std::string(buf, FormatDate(-1, buf)), "1969-12-31");
}

TEST(ParseTimestamp, ZonesNormalizeToUtc) {
  int64_t us;
  bool zone;
  ASSERT_TRUE(ParseTimestamp("2024-01-02T03:04:05.123456Z", &us, &zone));
  EXPECT_TRUE(zone);
  EXPECT_EQ(us, (19724LL * 86400 + 3 * 3600 + 4 * 60 + 5) * 1000000 + 123456);
  int64_t shifted;
  ASSERT_TRUE(ParseTimestamp("2024-01-02 05:04:05.123456+02:00", &shifted, &zone));
  EXPECT_EQ(shifted, us);
  ASSERT_TRUE(ParseTimestamp("2024-01-02 03:04", &us, &zone));
  EXPECT_FALSE(zone);
  EXPECT_FALSE(ParseTimestamp("2024-01-02T25:00:00", &us, &zone));
  EXPECT_FALSE(ParseTimestamp("2024-01-02T03:04:05 junk", &us, &zone));
}

TEST(ClassifyText, PicksTheNarrowestExactType) {
  EXPECT_EQ(ClassifyText("42").type.id, TypeId::kInt64);
  EXPECT_EQ(ClassifyText("42.50").type, DataType::Decimal(2));
  EXPECT_EQ(ClassifyText("42.50").int_digits, 2);
  EXPECT_EQ(ClassifyText("4.2e1").type.id, TypeId::kDouble);
  EXPECT_EQ(ClassifyText("2024-01-01").type.id, TypeId::kDate);
  EXPECT_EQ(ClassifyText("2024-01-01T00:00:00").type.id, TypeId::kTimestamp);
  EXPECT_EQ(ClassifyText("2024-01-01T00:00:00Z").type.id, TypeId::kTimestampTz);
  EXPECT_EQ(ClassifyText("yes").type.id, TypeId::kBoolean);
  EXPECT_EQ(ClassifyText("007").type.id, TypeId::kText);
  EXPECT_EQ(ClassifyText("hello").type.id, TypeId::kText);
}

}  // namespace
}  // namespace sluice

namespace sluice {
namespace {

// Found by UBSan: the digit limit must be checked before a digit is multiplied in.
TEST(ParseDecimal, NineteenDigitsAreRefusedWithoutOverflow) {
  int64_t v = 0;
  EXPECT_FALSE(ParseDecimal("9999999999999999999", 0, &v));
  EXPECT_FALSE(ParseDecimal("99999999999999999.9", 2, &v));
  EXPECT_FALSE(ParseDecimal("999999999999999999", 1, &v));
  EXPECT_TRUE(ParseDecimal("999999999999999999", 0, &v));
  EXPECT_EQ(v, 999999999999999999);
  EXPECT_TRUE(ParseDecimal("-9999999999999999.99", 2, &v));
  EXPECT_EQ(v, -999999999999999999);
}

}  // namespace
}  // namespace sluice
