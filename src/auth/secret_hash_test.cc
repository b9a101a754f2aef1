#include "auth/secret_hash.h"

#include <gtest/gtest.h>

namespace berth::auth {
namespace {

TEST(SecretHashTest, PasswordRoundTrip) {
  auto hash = hashPassword("correct horse");
  ASSERT_TRUE(hash.ok());
  EXPECT_TRUE(hash->starts_with("scrypt$"));
  EXPECT_TRUE(verifyPassword("correct horse", *hash));
  EXPECT_FALSE(verifyPassword("correct hors", *hash));
  EXPECT_FALSE(verifyPassword("", *hash));
}

TEST(SecretHashTest, SaltMakesHashesDiffer) {
  EXPECT_NE(*hashPassword("same"), *hashPassword("same"));
}

TEST(SecretHashTest, MalformedStoredHashesNeverVerify) {
  for (const char* bad : {"", "scrypt", "scrypt$1$1$1$zz$00", "md5$x", "scrypt$99999999$8$1$00$00",
                          "scrypt$16384$8$1$00$"}) {
    EXPECT_FALSE(verifyPassword("x", bad)) << bad;
  }
}

TEST(SecretHashTest, RandomValuesHaveTheRightShape) {
  EXPECT_EQ(randomHex(16).size(), 32u);
  std::string p = randomPassword(32);
  EXPECT_EQ(p.size(), 32u);
  for (char c : p) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)));
  EXPECT_NE(randomPassword(), randomPassword());
  EXPECT_EQ(tokenDigest("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace berth::auth
