#include "storage/glob_pattern.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "storage/local/local_storage.h"

namespace sluice {
namespace {

TEST(GlobMatch, StarAndQuestionMarkStayWithinOneSegment) {
  EXPECT_TRUE(GlobMatch("s3://b/*.csv", "s3://b/a.csv"));
  EXPECT_FALSE(GlobMatch("s3://b/*.csv", "s3://b/x/a.csv"));
  EXPECT_TRUE(GlobMatch("s3://b/a?.csv", "s3://b/a1.csv"));
  EXPECT_FALSE(GlobMatch("s3://b/a?.csv", "s3://b/a/.csv"));
  EXPECT_TRUE(GlobMatch("data/*", "data/"));
}

TEST(GlobMatch, GlobstarMatchesAnyNumberOfSegmentsIncludingNone) {
  EXPECT_TRUE(GlobMatch("b/**/x.csv", "b/x.csv"));
  EXPECT_TRUE(GlobMatch("b/**/x.csv", "b/1/2/3/x.csv"));
  EXPECT_TRUE(GlobMatch("b/**", "b/1/2.json"));
  EXPECT_FALSE(GlobMatch("b/**/x.csv", "c/1/x.csv"));
  EXPECT_TRUE(GlobMatch("**/*.csv", "a/b.csv"));
}

TEST(GlobMatch, ClassesRangesNegationAndAlternatives) {
  EXPECT_TRUE(GlobMatch("f[0-9].csv", "f7.csv"));
  EXPECT_FALSE(GlobMatch("f[!0-9].csv", "f7.csv"));
  EXPECT_TRUE(GlobMatch("f[!0-9].csv", "fx.csv"));
  EXPECT_TRUE(GlobMatch("x.{csv,tsv}", "x.tsv"));
  EXPECT_FALSE(GlobMatch("x.{csv,tsv}", "x.json"));
  EXPECT_TRUE(GlobMatch("{a,b{1,2}}/*.csv", "b2/z.csv"));
}

TEST(GlobMatch, ABracketRightAfterTheOpeningIsAMemberAndAnUnclosedBracketIsLiteral) {
  EXPECT_TRUE(GlobMatch("a[]]b", "a]b"));
  EXPECT_TRUE(GlobMatch("a[!]]b", "axb"));
  EXPECT_FALSE(GlobMatch("a[!]]b", "a]b"));
  EXPECT_TRUE(GlobMatch("a[!]", "a[!]"));  // never closed: literal
  EXPECT_TRUE(GlobMatch("x[", "x["));
  EXPECT_FALSE(GlobMatch("x[", "xy"));
}

TEST(GlobMatch, LiteralPrefixStopsAtTheFirstGlobCharacter) {
  EXPECT_EQ(LiteralPrefix("s3://b/logs/2024-*/**/*.csv"), "s3://b/logs/2024-");
  EXPECT_EQ(LiteralPrefix("plain/file.csv"), "plain/file.csv");
  EXPECT_TRUE(HasGlobCharacters("a/{b,c}"));
  EXPECT_FALSE(HasGlobCharacters("a/b.csv"));
}

TEST(ExpandGlob, LocalPatternsWalkOnlyAsDeepAsThePatternNeeds) {
  namespace fs = std::filesystem;
  const fs::path root = fs::temp_directory_path() / ("sluice-glob-" + std::to_string(::getpid()));
  fs::create_directories(root / "a" / "deep");
  for (const char* f : {"x.csv", "a/y.csv", "a/deep/z.csv", "a/w.json"}) {
    std::ofstream(root / f) << "1";
  }
  auto storage = MakeLocalStorage();
  auto names = [&](const std::string& pattern) {
    std::vector<std::string> out;
    for (const auto& o : ExpandGlob(*storage, root.string() + "/" + pattern)) {
      out.push_back(o.uri.substr(root.string().size() + 1));
    }
    return out;
  };
  EXPECT_EQ(names("*.csv"), std::vector<std::string>{"x.csv"});
  EXPECT_EQ(names("*/*.csv"), std::vector<std::string>{"a/y.csv"});
  EXPECT_EQ(names("**/*.csv"), (std::vector<std::string>{"a/deep/z.csv", "a/y.csv", "x.csv"}));
  EXPECT_EQ(names("x.csv"), std::vector<std::string>{"x.csv"});
  try {
    names("*.parquet");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInput);
    EXPECT_NE(std::string(e.what()).find("*.parquet"), std::string::npos);
  }
  fs::remove_all(root);
}

TEST(ExpandGlob, MatchesKeepTheCallersSpellingOfHomeAndFileUris) {
  namespace fs = std::filesystem;
  const char* home = std::getenv("HOME");
  ASSERT_NE(home, nullptr);
  const std::string name = "sluice-glob-home-" + std::to_string(::getpid());
  fs::create_directories(fs::path(home) / name);
  std::ofstream(fs::path(home) / name / "a.csv") << "1";
  auto storage = MakeLocalStorage();
  const auto tilde = ExpandGlob(*storage, "~/" + name + "/*.csv");
  ASSERT_EQ(tilde.size(), 1u);
  EXPECT_EQ(tilde[0].uri, "~/" + name + "/a.csv");
  const std::string uri = "file://localhost" + std::string(home) + "/" + name + "/*.csv";
  const auto file = ExpandGlob(*storage, uri);
  ASSERT_EQ(file.size(), 1u);
  EXPECT_EQ(file[0].uri, "file://localhost" + std::string(home) + "/" + name + "/a.csv");
  fs::remove_all(fs::path(home) / name);
}

TEST(LocalPath, FileUrisMustBeAbsolute) {
  EXPECT_EQ(LocalPath("file:///data/a.csv"), "/data/a.csv");
  EXPECT_EQ(LocalPath("file://localhost/data/a.csv"), "/data/a.csv");
  EXPECT_EQ(LocalPath("rel/a.csv"), "rel/a.csv");
  EXPECT_THROW(LocalPath("file://rel/a.csv"), Error);
}

}  // namespace
}  // namespace sluice
