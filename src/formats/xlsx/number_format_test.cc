#include "formats/xlsx/number_format.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

TEST(NumberFormat, BuiltinIdsFollowTheStandard) {
  EXPECT_EQ(BuiltinNumberFormatKind(0), NumberFormatKind::kNumber);
  EXPECT_EQ(BuiltinNumberFormatKind(10), NumberFormatKind::kNumber);  // 0.00%
  for (uint32_t id : {14u, 15u, 16u, 17u, 30u, 57u}) {
    EXPECT_EQ(BuiltinNumberFormatKind(id), NumberFormatKind::kDate) << id;
  }
  for (uint32_t id : {18u, 19u, 20u, 21u, 45u, 47u}) {
    EXPECT_EQ(BuiltinNumberFormatKind(id), NumberFormatKind::kTime) << id;
  }
  EXPECT_EQ(BuiltinNumberFormatKind(22), NumberFormatKind::kDateTime);
  EXPECT_EQ(BuiltinNumberFormatKind(46), NumberFormatKind::kElapsed);
  EXPECT_EQ(BuiltinNumberFormatKind(49), NumberFormatKind::kNumber);  // @
}

TEST(NumberFormat, CustomCodesAreClassifiedByTheirDateAndTimeTokens) {
  EXPECT_EQ(ClassifyNumberFormat("yyyy-mm-dd"), NumberFormatKind::kDate);
  EXPECT_EQ(ClassifyNumberFormat("d mmm yyyy"), NumberFormatKind::kDate);
  EXPECT_EQ(ClassifyNumberFormat("mmm-yy"), NumberFormatKind::kDate);
  EXPECT_EQ(ClassifyNumberFormat("[$-409]dddd, mmmm d, yyyy;@"), NumberFormatKind::kDate);
  EXPECT_EQ(ClassifyNumberFormat("hh:mm:ss"), NumberFormatKind::kTime);
  EXPECT_EQ(ClassifyNumberFormat("h:mm AM/PM"), NumberFormatKind::kTime);
  EXPECT_EQ(ClassifyNumberFormat("mm:ss.0"), NumberFormatKind::kTime);
  EXPECT_EQ(ClassifyNumberFormat("yyyy-mm-dd hh:mm"), NumberFormatKind::kDateTime);
  EXPECT_EQ(ClassifyNumberFormat("m/d/yyyy h:mm"), NumberFormatKind::kDateTime);
  EXPECT_EQ(ClassifyNumberFormat("[h]:mm:ss"), NumberFormatKind::kElapsed);
  EXPECT_EQ(ClassifyNumberFormat("[mm]:ss"), NumberFormatKind::kElapsed);
}

TEST(NumberFormat, QuotedEscapedAndBracketedTextIsNotADateToken) {
  EXPECT_EQ(ClassifyNumberFormat("General"), NumberFormatKind::kNumber);
  EXPECT_EQ(ClassifyNumberFormat("0.00"), NumberFormatKind::kNumber);
  EXPECT_EQ(ClassifyNumberFormat("0.0\" days\""), NumberFormatKind::kNumber);
  EXPECT_EQ(ClassifyNumberFormat("#,##0\\d"), NumberFormatKind::kNumber);
  EXPECT_EQ(ClassifyNumberFormat("[Red]0.00;[Blue]-0.00"), NumberFormatKind::kNumber);
  EXPECT_EQ(ClassifyNumberFormat("[$USD-409] #,##0.00"), NumberFormatKind::kNumber);
  EXPECT_EQ(ClassifyNumberFormat("0.00E+00"), NumberFormatKind::kNumber);
  EXPECT_EQ(ClassifyNumberFormat("_(* #,##0_);_(* (#,##0);_(* \"-\"_);_(@_)"),
            NumberFormatKind::kNumber);
  // Only the first section counts.
  EXPECT_EQ(ClassifyNumberFormat("0;\"yyyy\";d"), NumberFormatKind::kNumber);
}

}  // namespace
}  // namespace sluice
