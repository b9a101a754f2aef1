#include "mgmt/operator_auth.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "metadata/sqlite/sqlite_metadata_store.h"

namespace berth::mgmt {
namespace {

class MovableClock final : public Clock {
 public:
  std::int64_t nowUnixSeconds() const override { return now; }
  std::int64_t now = 1'800'000'000;
};

std::string basic(std::string_view user, std::string_view password) {
  static constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string in = std::string(user) + ":" + std::string(password);
  std::string out;
  unsigned val = 0;
  int bits = -6;
  for (unsigned char c : in) {
    val = (val << 8) + c;
    bits += 8;
    while (bits >= 0) {
      out.push_back(kB64[(val >> bits) & 0x3F]);
      bits -= 6;
    }
  }
  if (bits > -6) out.push_back(kB64[((val << 8) >> (bits + 8)) & 0x3F]);
  while (out.size() % 4) out.push_back('=');
  return "Basic " + out;
}

class OperatorAuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("berth-op-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(dir_);
    store_ = std::move(*metadata::SqliteMetadataStore::open(dir_ / "m.db"));
    auth_ = std::make_unique<OperatorAuth>(*store_, clock_);
  }
  void TearDown() override {
    auth_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::filesystem::path dir_;
  MovableClock clock_;
  std::unique_ptr<metadata::SqliteMetadataStore> store_;
  std::unique_ptr<OperatorAuth> auth_;
};

TEST_F(OperatorAuthTest, BootstrapCreatesAdminOnce) {
  auto first = auth_->bootstrap();
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(first->has_value());
  EXPECT_EQ(*auth_->authenticate(basic("admin", **first)), "admin");
  EXPECT_FALSE(auth_->bootstrap()->has_value());
}

TEST_F(OperatorAuthTest, WrongCredentialsAndGarbageAreRejectedAlike) {
  auto password = **auth_->bootstrap();
  for (const std::string& bad :
       {basic("admin", password + "x"), basic("nobody", password), std::string("Basic !!!"),
        std::string("Bearer nope"), std::string(""), std::string("Digest x"),
        std::string("Basic ") + std::string(5000, 'A')}) {
    auto r = auth_->authenticate(bad);
    ASSERT_FALSE(r.ok()) << bad.substr(0, 40);
    EXPECT_EQ(r.error().code, Errc::kUnauthorized);
  }
}

TEST_F(OperatorAuthTest, TokensWorkUntilTheyExpire) {
  auto password = **auth_->bootstrap();
  auto user = auth_->authenticateBasic(basic("admin", password));
  auto grant = auth_->issueToken(*user);
  ASSERT_TRUE(grant.ok());
  EXPECT_EQ(*auth_->authenticate("Bearer " + grant->token), "admin");
  EXPECT_FALSE(auth_->authenticateBasic("Bearer " + grant->token).ok());
  clock_.now += OperatorAuth::kTokenLifetimeSeconds + 1;
  EXPECT_FALSE(auth_->authenticate("Bearer " + grant->token).ok());
}

TEST_F(OperatorAuthTest, OperatorsCanBeAddedAndRemovedButNotTheLast) {
  (void)auth_->bootstrap();
  auto bob = auth_->createOperator("bob");
  ASSERT_TRUE(bob.ok());
  EXPECT_EQ(auth_->createOperator("bob").error().code, Errc::kConflict);
  EXPECT_EQ(auth_->createOperator("Bad Name").error().code, Errc::kInvalidParameter);
  auto token = auth_->issueToken("bob");
  EXPECT_TRUE(*auth_->removeOperator("bob"));
  EXPECT_FALSE(auth_->authenticate("Bearer " + token->token).ok());
  EXPECT_EQ(auth_->removeOperator("admin").error().code, Errc::kConflict);
}

}  // namespace
}  // namespace berth::mgmt
