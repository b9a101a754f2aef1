#include "auth/signing_keys.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "common/base64.h"

namespace berth::auth {
namespace {

namespace fs = std::filesystem;

class SigningKeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("berth-keys-" + std::to_string(std::random_device{}()));
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

constexpr fs::perms kOwnerRw = fs::perms::owner_read | fs::perms::owner_write;

TEST_F(SigningKeysTest, CreatesOneKeyWithMode0600AndReloadsIt) {
  auto set = SigningKeySet::openDirectory(dir_ / "keys");
  ASSERT_TRUE(set.ok()) << set.error().message;
  const std::string kid = set->active().kid();
  EXPECT_EQ(kid.size(), 20u);
  EXPECT_TRUE(base64UrlDecode(kid).has_value());
  const fs::path file = dir_ / "keys" / (kid + ".pem");
  ASSERT_TRUE(fs::exists(file));
  EXPECT_EQ(fs::status(file).permissions() & fs::perms::all, kOwnerRw);
  EXPECT_EQ(fs::status(dir_ / "keys").permissions() & fs::perms::all, fs::perms::owner_all);

  auto again = SigningKeySet::openDirectory(dir_ / "keys");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->active().kid(), kid);
  EXPECT_EQ(again->kids().size(), 1u);
}

TEST_F(SigningKeysTest, RotateMakesNewKeyActiveAndKeepsOldOnes) {
  auto set = SigningKeySet::openDirectory(dir_);
  ASSERT_TRUE(set.ok());
  const std::string first = set->active().kid();
  auto second = set->rotate();
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_NE(*second, first);
  EXPECT_EQ(set->active().kid(), *second);
  EXPECT_NE(set->find(first), nullptr);
  EXPECT_EQ(set->kids(), (std::vector<std::string>{first, *second}));

  // A restart keeps the rotated key active and still knows the old one.
  auto reopened = SigningKeySet::openDirectory(dir_);
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(reopened->active().kid(), *second);
  EXPECT_NE(reopened->find(first), nullptr);

  EXPECT_EQ(set->remove(*second).error().code, Errc::kConflict);  // active
  EXPECT_EQ(set->remove("nope").error().code, Errc::kResourceNotFound);
  ASSERT_TRUE(set->remove(first).ok());
  EXPECT_EQ(set->find(first), nullptr);
  EXPECT_FALSE(fs::exists(dir_ / (first + ".pem")));
  auto afterRemove = SigningKeySet::openDirectory(dir_);
  ASSERT_TRUE(afterRemove.ok());
  EXPECT_EQ(afterRemove->kids(), std::vector<std::string>{*second});
}

TEST_F(SigningKeysTest, CopiesAreIndependentSnapshots) {
  auto set = SigningKeySet::inMemory();
  ASSERT_TRUE(set.ok());
  SigningKeySet published = *set;
  ASSERT_TRUE(set->rotate().ok());
  EXPECT_EQ(published.kids().size(), 1u);
  EXPECT_EQ(set->kids().size(), 2u);
  EXPECT_EQ(&published.active(), published.find(published.active().kid()));
}

TEST_F(SigningKeysTest, KidIsDerivedFromTheKeyNotTheFileName) {
  auto key = SigningKey::generate();
  ASSERT_TRUE(key.ok());
  fs::create_directories(dir_);
  std::ofstream(dir_ / "renamed.pem") << *key->privatePem();
  auto set = SigningKeySet::openDirectory(dir_);
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(set->active().kid(), key->kid());
  auto parsed = SigningKey::fromPem(*key->privatePem());
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->kid(), key->kid());
}

TEST_F(SigningKeysTest, ActiveFileNamingAMissingKeyFallsBackToNewest) {
  auto set = SigningKeySet::openDirectory(dir_);
  ASSERT_TRUE(set.ok());
  std::ofstream(dir_ / "active") << "gone\n";
  auto reopened = SigningKeySet::openDirectory(dir_);
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(reopened->active().kid(), set->active().kid());
  std::ifstream in(dir_ / "active");
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, set->active().kid());
}

TEST_F(SigningKeysTest, RejectsWrongKeyTypesAndGarbage) {
  fs::create_directories(dir_);
  std::ofstream(dir_ / "bad.pem")
      << "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
  auto set = SigningKeySet::openDirectory(dir_);
  ASSERT_FALSE(set.ok());
  EXPECT_NE(set.error().message.find("bad.pem"), std::string::npos);

  // An Ed25519 key is a fine key, but not ES256.
  const char* ed25519 =
      "-----BEGIN PRIVATE KEY-----\n"
      "MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF\n"
      "-----END PRIVATE KEY-----\n";
  auto ed = SigningKey::fromPem(ed25519);
  ASSERT_FALSE(ed.ok());
  EXPECT_EQ(ed.error().code, Errc::kInvalidParameter);
  EXPECT_FALSE(SigningKey::fromPem("").ok());
  EXPECT_FALSE(SigningKeySet::fromKeys({}).ok());
}

TEST_F(SigningKeysTest, PublishesJwks) {
  auto set = SigningKeySet::inMemory();
  ASSERT_TRUE(set.ok());
  const auto jwks = set->jwks();
  ASSERT_EQ(jwks["keys"].size(), 1u);
  const auto& jwk = jwks["keys"][0];
  EXPECT_EQ(jwk["kty"], "EC");
  EXPECT_EQ(jwk["crv"], "P-256");
  EXPECT_EQ(jwk["kid"], set->active().kid());
  EXPECT_EQ(base64UrlDecode(jwk["x"].get<std::string>())->size(), 32u);
  EXPECT_EQ(base64UrlDecode(jwk["y"].get<std::string>())->size(), 32u);
  EXPECT_FALSE(jwk.contains("d"));  // never the private scalar
}

}  // namespace
}  // namespace berth::auth
