#include "common/reference.h"

#include <gtest/gtest.h>

#include <random>
#include <regex>
#include <string>

namespace berth {
namespace {

struct Case {
  std::string input;
  bool valid;
};

class RepositoryNameTest : public ::testing::TestWithParam<Case> {};

TEST_P(RepositoryNameTest, MatchesGrammar) {
  const auto& c = GetParam();
  auto status = validateRepositoryName(c.input);
  EXPECT_EQ(status.ok(), c.valid) << "'" << c.input << "'";
  if (!status.ok()) {
    EXPECT_EQ(status.error().code, Errc::kNameInvalid);
    EXPECT_NE(status.error().message.find("lowercase"), std::string::npos);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, RepositoryNameTest,
    ::testing::Values(
        Case{"a", true}, Case{"library/ubuntu", true}, Case{"a/b/c/d", true},
        Case{"0", true}, Case{"a.b", true}, Case{"a_b", true}, Case{"a__b", true},
        Case{"a-b", true}, Case{"a---b", true}, Case{"my-org/my_app.v2", true},
        Case{"a1b2/c3-d4.e5__f6", true}, Case{std::string(255, 'a'), true},
        Case{std::string(127, 'a') + "/" + std::string(127, 'b'), true},
        // invalid
        Case{"", false}, Case{std::string(256, 'a'), false}, Case{"..", false},
        Case{"a..b", false}, Case{"A", false}, Case{"library/Ubuntu", false},
        Case{".a", false}, Case{"_a", false}, Case{"-a", false}, Case{"a.", false},
        Case{"a_", false}, Case{"a-", false}, Case{"a___b", false}, Case{"a//b", false},
        Case{"/a", false}, Case{"a/", false}, Case{"/", false}, Case{"a/.b", false},
        Case{"a._b", false}, Case{"a-.b", false}, Case{"a b", false}, Case{"a:b", false},
        Case{"a@b", false}, Case{std::string("a\0b", 3), false}, Case{"a/../b", false},
        Case{"\xc3\xa9", false}, Case{"a\nb", false}));

class TagTest : public ::testing::TestWithParam<Case> {};

TEST_P(TagTest, MatchesGrammar) {
  const auto& c = GetParam();
  auto status = validateTag(c.input);
  EXPECT_EQ(status.ok(), c.valid) << "'" << c.input << "'";
  if (!status.ok()) {
    EXPECT_EQ(status.error().code, Errc::kTagInvalid);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, TagTest,
    ::testing::Values(Case{"latest", true}, Case{"v1.0.0", true}, Case{"_", true},
                      Case{"A", true}, Case{"1.2-rc.3_build", true}, Case{"_.-", true},
                      Case{std::string(128, 'x'), true},
                      // invalid
                      Case{"", false}, Case{".hidden", false}, Case{"-x", false},
                      Case{std::string(129, 'x'), false}, Case{"a:b", false},
                      Case{"a/b", false}, Case{"a+b", false}, Case{"a b", false},
                      Case{"sha256:abc", false}, Case{std::string("a\0", 2), false},
                      Case{"\xff", false}));

TEST(LooksLikeDigestTest, ColonDecides) {
  EXPECT_TRUE(looksLikeDigest("sha256:abc"));
  EXPECT_TRUE(looksLikeDigest(":"));
  EXPECT_FALSE(looksLikeDigest("latest"));
  EXPECT_FALSE(looksLikeDigest(""));
}

TEST(ReferenceTest, ErrorDetailIsBounded) {
  auto status = validateRepositoryName(std::string(100000, 'A'));
  ASSERT_FALSE(status.ok());
  EXPECT_LE(status.error().detail.size(), 300u);
}

// The hand-written scanner must agree with the grammar as written in the spec; std::regex is fine
// as an oracle here because the inputs are short.
TEST(ReferenceTest, AgreesWithSpecRegexOnRandomInputs) {
  const std::regex nameRe(
      R"([a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*)");
  const std::regex tagRe(R"([a-zA-Z0-9_][a-zA-Z0-9._-]{0,127})");
  constexpr std::string_view kAlphabet = "ab0.-_/A:";
  std::mt19937 rng(12345);  // fixed seed: failures must reproduce
  for (int n = 0; n < 20000; ++n) {
    std::string s(rng() % 12, ' ');
    for (char& ch : s) {
      ch = kAlphabet[rng() % kAlphabet.size()];
    }
    EXPECT_EQ(validateRepositoryName(s).ok(), std::regex_match(s, nameRe)) << "'" << s << "'";
    EXPECT_EQ(validateTag(s).ok(), std::regex_match(s, tagRe)) << "'" << s << "'";
  }
}

}  // namespace
}  // namespace berth
