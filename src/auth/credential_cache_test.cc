#include "auth/credential_cache.h"

#include <gtest/gtest.h>

namespace berth::auth {
namespace {

TEST(CredentialCache, KeysHideTheSecretAndDependOnTheRegistry) {
  const std::string a = CredentialCache::keyFor("one.cr.internal", "Basic dXNlcjpwYXNz");
  EXPECT_EQ(a.size(), 64u);
  EXPECT_EQ(a.find("dXNlcjpwYXNz"), std::string::npos);
  EXPECT_NE(a, CredentialCache::keyFor("two.cr.internal", "Basic dXNlcjpwYXNz"));
}

TEST(CredentialCache, BasicEntriesExpireAndDieWithTheirGeneration) {
  CredentialCache cache(60);
  cache.rememberPrincipal("k", Principal::adminUser("reg", "/id"), 7, 1000);
  ASSERT_NE(cache.find("k", 7, 1000), nullptr);
  EXPECT_EQ(cache.find("k", 7, 1000)->principal->name, "reg");
  EXPECT_NE(cache.find("k", 7, 1059), nullptr);
  EXPECT_EQ(cache.find("k", 7, 1060), nullptr) << "the TTL has passed";
  EXPECT_EQ(cache.find("k", 8, 1000), nullptr) << "a new policy generation voids the entry";
}

TEST(CredentialCache, ExpiringPrincipalsAreNotCachedPastTheirExpiry) {
  CredentialCache cache(60);
  cache.rememberPrincipal("k", Principal::repositoryToken("t", "/id", ScopeMap{}, true, 1010), 1, 1000);
  EXPECT_NE(cache.find("k", 1, 1009), nullptr);
  EXPECT_EQ(cache.find("k", 1, 1010), nullptr);
}

TEST(CredentialCache, BearerEntriesLiveAsLongAsTheToken) {
  CredentialCache cache;
  VerifiedAccess access;
  access.subject = "alice";
  access.expiresAt = 2000;
  cache.rememberAccess("t", access, 3);
  EXPECT_NE(cache.find("t", 3, 1999), nullptr);
  EXPECT_EQ(cache.find("t", 3, 2000), nullptr);
}

TEST(CredentialCache, StaysBounded) {
  CredentialCache cache(60, 8);
  for (int i = 0; i < 100; ++i) {
    cache.rememberPrincipal(std::to_string(i), Principal::anonymous(), 1, 0);
    EXPECT_LE(cache.size(), 8u);
  }
}

}  // namespace
}  // namespace berth::auth
