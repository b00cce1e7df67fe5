#include "formats/xlsx/excel_dates.h"

#include <gtest/gtest.h>

#include "core/value_parse.h"

namespace sluice {
namespace {

std::string Date(double serial, DateSystem system) {
  ExcelDateTime t;
  std::string why;
  if (!SerialToDateTime(serial, system, &t, &why)) return why.insert(0, "error: ");
  char buf[64];
  std::string s(buf, FormatDate(t.days, buf));
  if (t.ms_of_day) s += " " + std::string(buf, FormatTimeOfDay(t.ms_of_day, buf));
  return s;
}

TEST(ExcelDates, The1900SystemHasItsPhantomLeapDay) {
  EXPECT_EQ(Date(1, DateSystem::k1900), "1900-01-01");
  EXPECT_EQ(Date(59, DateSystem::k1900), "1900-02-28");
  EXPECT_NE(Date(60, DateSystem::k1900).find("1900-02-29 does not exist"), std::string::npos);
  EXPECT_EQ(Date(61, DateSystem::k1900), "1900-03-01");
  EXPECT_EQ(Date(45352, DateSystem::k1900), "2024-03-01");
  EXPECT_EQ(Date(2958465, DateSystem::k1900), "9999-12-31");
  EXPECT_NE(Date(2958466, DateSystem::k1900).find("after 9999-12-31"), std::string::npos);
  EXPECT_NE(Date(-1, DateSystem::k1900).find("negative"), std::string::npos);
}

TEST(ExcelDates, The1904SystemStartsAtZero) {
  EXPECT_EQ(Date(0, DateSystem::k1904), "1904-01-01");
  EXPECT_EQ(Date(43890, DateSystem::k1904), "2024-03-01");
  EXPECT_EQ(Date(45352 - 1462, DateSystem::k1904), Date(45352, DateSystem::k1900));
}

TEST(ExcelDates, TimesRoundToTheMillisecondWithoutFloatNoise) {
  EXPECT_EQ(Date(45352.5, DateSystem::k1900), "2024-03-01 12:00:00");
  // 13:45:00 is not exact in binary: it must not come out as 13:44:59.999.
  EXPECT_EQ(Date(45352 + (13 * 3600 + 45 * 60) / 86400.0, DateSystem::k1900),
            "2024-03-01 13:45:00");
  EXPECT_EQ(Date(45352.99999999999, DateSystem::k1900), "2024-03-02");
  char buf[64];
  EXPECT_EQ(std::string(buf, FormatTimeOfDay(3'600'250, buf)), "01:00:00.250");
  EXPECT_EQ(std::string(buf, FormatElapsed(1.5, buf)), "36:00:00");
  EXPECT_EQ(std::string(buf, FormatElapsed(-0.5 / 24, buf)), "-0:30:00");
}

}  // namespace
}  // namespace sluice
