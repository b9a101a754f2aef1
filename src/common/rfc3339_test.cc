#include "common/rfc3339.h"

#include <gtest/gtest.h>

namespace berth {
namespace {

TEST(Rfc3339, ParsesZonesAndFractions) {
  EXPECT_EQ(*parseRfc3339("1970-01-01T00:01:00Z", "t"), 60);
  EXPECT_EQ(*parseRfc3339("1970-01-01T01:00:00.123+01:00", "t"), 0);
  EXPECT_EQ(*parseRfc3339("1969-12-31T23:00:00-01:00", "t"), 0);
  // No zone, or a bare date: UTC, as clients such as the az CLI send them.
  EXPECT_EQ(*parseRfc3339("1970-01-01T00:00:10", "t"), 10);
  EXPECT_EQ(*parseRfc3339("1970-01-02", "t"), 86400);
}

TEST(Rfc3339, RejectsWhatIsNotATimestampNamingTheField) {
  for (const char* bad : {"yesterday", "", "1970-01-01T00:00", "1970-13-01T00:00:00Z",
                          "1970-01-01T00:00:00+0100", "1970-01-01T00:00:00Q"}) {
    auto parsed = parseRfc3339(bad, "--expiration");
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.error().code, Errc::kInvalidParameter) << bad;
    EXPECT_NE(parsed.error().message.find("--expiration"), std::string::npos) << bad;
  }
}

TEST(Rfc3339, FormatsWhatItParses) {
  EXPECT_EQ(formatRfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(*parseRfc3339(formatRfc3339(1795338000), "t"), 1795338000);
}

}  // namespace
}  // namespace berth
