#include "auth/authorization_header.h"

#include <gtest/gtest.h>

#include "common/base64.h"

namespace berth::auth {
namespace {

using Kind = Authorization::Kind;

TEST(AuthorizationHeader, EmptyIsNone) {
  EXPECT_EQ(parseAuthorization("").kind, Kind::kNone);
  EXPECT_EQ(parseAuthorization("   ").kind, Kind::kNone);
}

TEST(AuthorizationHeader, BasicSplitsAtTheFirstColon) {
  auto a = parseAuthorization("Basic " + base64Encode("user:pa:ss"));
  ASSERT_EQ(a.kind, Kind::kBasic);
  EXPECT_EQ(a.username, "user");
  EXPECT_EQ(a.password, "pa:ss");
  // The scheme is case-insensitive.
  EXPECT_EQ(parseAuthorization("bAsIc " + base64Encode("u:p")).kind, Kind::kBasic);
}

TEST(AuthorizationHeader, BearerKeepsTheToken) {
  auto a = parseAuthorization("Bearer abc.def-_~+/==");
  ASSERT_EQ(a.kind, Kind::kBearer);
  EXPECT_EQ(a.bearer, "abc.def-_~+/==");
}

TEST(AuthorizationHeader, MalformedInputsAreRefused) {
  for (std::string bad : {std::string("Basic"), std::string("Basic !!!"),
                          "Basic " + base64Encode("nocolon"), "Basic " + base64Encode(":pass"),
                          "Basic " + base64Encode("user:"), "Basic " + base64Encode("us\ner:p"),
                          std::string("Bearer"), std::string("Bearer a b"), std::string("Bearer =abc"),
                          std::string("Digest x=y"), std::string("Negotiate abc"),
                          std::string("Bearer ") + std::string(kMaxAuthorizationBytes, 'a')}) {
    EXPECT_EQ(parseAuthorization(bad).kind, Kind::kMalformed) << bad.substr(0, 40);
  }
}

}  // namespace
}  // namespace berth::auth
