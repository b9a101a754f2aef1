#include "http/request.h"

#include <gtest/gtest.h>

namespace berth::http {
namespace {

TEST(ParseQueryTest, DecodesPairs) {
  auto q = parseQuery("n=10&last=a%2Fb&digest=sha256%3Aabc&empty=&flag");
  ASSERT_TRUE(q.ok());
  ASSERT_EQ(q->size(), 5u);
  EXPECT_EQ((*q)[1].value, "a/b");
  EXPECT_EQ((*q)[2].value, "sha256:abc");
  EXPECT_EQ((*q)[3].value, "");
  EXPECT_EQ((*q)[4].name, "flag");
}

TEST(ParseQueryTest, RejectsBrokenEscapes) {
  for (const char* bad : {"a=%", "a=%2", "a=%zz", "%g1=b"}) {
    auto q = parseQuery(bad);
    ASSERT_FALSE(q.ok()) << bad;
    EXPECT_EQ(q.error().code, Errc::kRequestInvalid);
  }
}

}  // namespace
}  // namespace berth::http
