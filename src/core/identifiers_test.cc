#include "core/identifiers.h"

#include <gtest/gtest.h>

#include "core/utf8.h"

namespace sluice {
namespace {

TEST(ShortenIdentifier, KeepsNamesThatFit) {
  EXPECT_EQ(ShortenIdentifier("orders", 63), "orders");
  EXPECT_EQ(ShortenIdentifier(std::string(63, 'a'), 63), std::string(63, 'a'));
  EXPECT_EQ(ShortenIdentifier(std::string(500, 'a'), 0), std::string(500, 'a'))
      << "0 means no limit";
}

TEST(ShortenIdentifier, CutsLongNamesToExactlyTheLimitWithAHashSuffix) {
  const std::string name(64, 'a');
  const std::string short_name = ShortenIdentifier(name, 63);
  EXPECT_EQ(short_name.size(), 63u);
  EXPECT_EQ(short_name.substr(0, 54), std::string(54, 'a'));
  EXPECT_EQ(short_name[54], '_');
  EXPECT_EQ(short_name.substr(55).find_first_not_of("0123456789abcdef"), std::string::npos)
      << short_name;
}

TEST(ShortenIdentifier, IsDeterministicAndKeepsDistinctNamesDistinct) {
  const std::string prefix(80, 'x');
  EXPECT_EQ(ShortenIdentifier(prefix + "_a", 63), ShortenIdentifier(prefix + "_a", 63));
  EXPECT_NE(ShortenIdentifier(prefix + "_a", 63), ShortenIdentifier(prefix + "_b", 63))
      << "names that share the kept prefix differ in the hash";
}

TEST(ShortenIdentifier, NeverSplitsAUtf8Character) {
  // 'é' is 2 bytes: 40 of them are 80 bytes, and byte 54 falls inside a character.
  std::string name;
  for (int i = 0; i < 40; i++) name += "\xC3\xA9";
  const std::string short_name = ShortenIdentifier(name, 63);
  EXPECT_LE(short_name.size(), 63u);
  EXPECT_TRUE(IsValidUtf8(short_name)) << short_name;
  EXPECT_EQ(short_name.substr(0, 54), name.substr(0, 54));
  EXPECT_EQ(short_name[54], '_');
}

TEST(ShortenIdentifier, DoesNotCreateANestingSeparator) {
  // The cut lands right after "_": a plain "_" + hash would make "__", the child-table separator.
  const std::string name = std::string(53, 'a') + "_" + std::string(30, 'b');
  const std::string short_name = ShortenIdentifier(name, 63);
  EXPECT_EQ(short_name.find("__"), std::string::npos) << short_name;
  EXPECT_LE(short_name.size(), 63u);
}

TEST(ShortenIdentifier, TinyLimitsKeepOnlyHashDigits) {
  EXPECT_EQ(ShortenIdentifier("abcdefghijklmnop", 4).size(), 4u);
}

}  // namespace
}  // namespace sluice
