#include "common/base64.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace berth {
namespace {

TEST(Base64Test, Rfc4648Vectors) {
  const std::pair<std::string, std::string> vectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base64Encode(plain), encoded);
    EXPECT_EQ(base64Decode(encoded), plain) << encoded;
    std::string unpadded = encoded.substr(0, encoded.find('='));
    EXPECT_EQ(base64Decode(unpadded), plain) << unpadded;  // padding is optional
    EXPECT_EQ(base64UrlEncode(plain), unpadded);
    EXPECT_EQ(base64UrlDecode(unpadded), plain);
  }
}

TEST(Base64Test, AlphabetsDiffer) {
  const std::string bytes("\xfb\xff\xbf", 3);
  EXPECT_EQ(base64Encode(bytes), "+/+/");
  EXPECT_EQ(base64UrlEncode(bytes), "-_-_");
  EXPECT_FALSE(base64Decode("-_-_"));
  EXPECT_FALSE(base64UrlDecode("+/+/"));
}

TEST(Base64Test, BasicCredentials) {
  EXPECT_EQ(base64Decode("YWxhZGRpbjpvcGVuc2VzYW1l"), "aladdin:opensesame");
}

TEST(Base64Test, RejectsMalformed) {
  for (const char* bad : {"Zg=", "Zg===", "Z===", "=", "==", "====", "Zm9v=", "Zm=9", "Z", "Zm9vY",
                          "Zm 9v", "Zm9v\n", "Zh==", "Zm9=", "Zm\x80v"}) {
    EXPECT_FALSE(base64Decode(bad)) << bad;
  }
  // JWS forbids padding; non-zero trailing bits ("Zh" vs "Zg") would give a second spelling.
  for (const char* bad : {"Zg==", "Zm8=", "Zh", "Zm9", "Z", "Zm9vY", "a.b", "Zm9v "}) {
    EXPECT_FALSE(base64UrlDecode(bad)) << bad;
  }
}

TEST(Base64Test, RandomRoundTrip) {
  std::mt19937 rng(42);
  for (int len = 0; len < 200; ++len) {
    std::string bytes(static_cast<std::size_t>(len), '\0');
    for (auto& c : bytes) {
      c = static_cast<char>(rng() & 0xff);
    }
    EXPECT_EQ(base64Decode(base64Encode(bytes)), bytes);
    EXPECT_EQ(base64UrlDecode(base64UrlEncode(bytes)), bytes);
  }
}

}  // namespace
}  // namespace berth
