#include "auth/authenticator.h"

#include <gtest/gtest.h>

#include "auth/secret_hash.h"

namespace berth::auth {
namespace {

class StepClock final : public Clock {
 public:
  std::int64_t nowUnixSeconds() const override { return now; }
  std::int64_t now = 1'700'000'000;
};

class FakeOperators final : public IdentityProvider {
 public:
  Result<std::string> verifyPassword(std::string_view user, std::string_view password) override {
    if (user == "alice" && password == "alice-password") return std::string("alice");
    return fail(Errc::kUnauthorized, "no");
  }
  Result<std::string> verifyManagementToken(std::string_view token) override {
    if (token == "mgmt-token") return std::string("alice");
    return fail(Errc::kUnauthorized, "no");
  }
};

Scope repo(std::string name, ActionSet actions) {
  Scope s;
  s.name = std::move(name);
  s.actions = actions;
  return s;
}

class AuthenticatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto keys = SigningKeySet::inMemory();
    ASSERT_TRUE(keys.ok());
    keys_ = std::make_unique<SigningKeySet>(std::move(*keys));
    authn_ = std::make_unique<Authenticator>(*keys_, operators_, clock_);
    policy_.registry = {"/subscriptions/s/resourceGroups/g/providers/Microsoft.ContainerRegistry/registries/myreg",
                        true, false};
    policy_.name = "myreg";
    policy_.loginServer = "myreg.cr.internal";
    policy_.adminPasswordDigests = {tokenDigest("admin-one"), tokenDigest("admin-two")};
    RepositoryTokenPolicy token;
    token.name = "CiToken";
    token.passwordHashes = {*hashPassword("token-password")};
    token.scopeMap = *ScopeMap::parse({"repositories/app/content/read"});
    policy_.tokens["citoken"] = token;
    roles_.byPrincipal["alice"] = {RoleAssignment{"/subscriptions/s", Role::kAcrPull}};
  }

  StepClock clock_;
  FakeOperators operators_;
  std::unique_ptr<SigningKeySet> keys_;
  std::unique_ptr<Authenticator> authn_;
  RegistryAccessPolicy policy_;
  RoleAssignmentIndex roles_;
};

TEST_F(AuthenticatorTest, AdminUserWithEitherPasswordWhileEnabled) {
  for (const char* password : {"admin-one", "admin-two"}) {
    auto p = authn_->authenticatePassword(policy_, roles_, "MyReg", password);
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(p->kind, PrincipalKind::kAdminUser);
  }
  EXPECT_FALSE(authn_->authenticatePassword(policy_, roles_, "myreg", "admin-three").ok());
  policy_.registry.adminUserEnabled = false;
  std::string reason;
  auto off = authn_->authenticatePassword(policy_, roles_, "myreg", "admin-one", &reason);
  ASSERT_FALSE(off.ok());
  EXPECT_EQ(off.error().code, Errc::kUnauthorized);
  EXPECT_EQ(off.error().message.find("admin"), std::string::npos) << "no hint for the client";
  EXPECT_FALSE(reason.empty());
}

TEST_F(AuthenticatorTest, RepositoryTokensByNameCaseInsensitively) {
  auto p = authn_->authenticatePassword(policy_, roles_, "citoken", "token-password");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->kind, PrincipalKind::kRepositoryToken);
  EXPECT_EQ(p->name, "CiToken");
  EXPECT_FALSE(authn_->authenticatePassword(policy_, roles_, "citoken", "wrong").ok());
  policy_.tokens["citoken"].enabled = false;
  EXPECT_FALSE(authn_->authenticatePassword(policy_, roles_, "citoken", "token-password").ok());
  policy_.tokens["citoken"].enabled = true;
  policy_.tokens["citoken"].expiresUnixSeconds = clock_.now;
  EXPECT_FALSE(authn_->authenticatePassword(policy_, roles_, "citoken", "token-password").ok());
}

TEST_F(AuthenticatorTest, OperatorsAreIdentitiesWithTheirRoles) {
  auto p = authn_->authenticatePassword(policy_, roles_, "alice", "alice-password");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->kind, PrincipalKind::kIdentity);
  ASSERT_EQ(p->roleAssignments.size(), 1u);
  EXPECT_FALSE(authn_->authenticatePassword(policy_, roles_, "alice", "nope").ok());
}

TEST_F(AuthenticatorTest, AccessTokensCarryOnlyWhatIsGranted) {
  auto p = authn_->authenticatePassword(policy_, roles_, "citoken", "token-password");
  auto issued = authn_->issueAccessToken(
      *p, policy_, {repo("app", {Action::kPull, Action::kPush}), repo("other", {Action::kPull})});
  ASSERT_TRUE(issued.ok());
  auto verified = authn_->verifyAccessToken(policy_, issued->token);
  ASSERT_TRUE(verified.ok());
  EXPECT_EQ(verified->subject, "CiToken");
  EXPECT_EQ(verified->principalKind, "token");
  EXPECT_TRUE(allows(verified->access, "app", Action::kPull));
  EXPECT_FALSE(allows(verified->access, "app", Action::kPush));
  EXPECT_FALSE(allows(verified->access, "other", Action::kPull));
  EXPECT_EQ(verified->expiresAt, clock_.now + kDefaultTokenLifetimeSeconds);
}

TEST_F(AuthenticatorTest, TokensAreBoundToTheirRegistryAndPurpose) {
  auto issued = authn_->issueAccessToken(Principal::adminUser("myreg", policy_.registry.id), policy_,
                                         {repo("app", {Action::kPull})});
  ASSERT_TRUE(issued.ok());
  RegistryAccessPolicy other = policy_;
  other.loginServer = "other.cr.internal";
  EXPECT_FALSE(authn_->verifyAccessToken(other, issued->token).ok()) << "wrong audience";
  EXPECT_FALSE(authn_->verifyRefreshToken(policy_, roles_, issued->token).ok())
      << "an access token is no refresh token";

  auto refresh = authn_->issueRefreshToken("alice", policy_);
  ASSERT_TRUE(refresh.ok());
  EXPECT_FALSE(authn_->verifyAccessToken(policy_, refresh->token).ok())
      << "a refresh token is no access token";
  auto viaRefresh = authn_->verifyRefreshToken(policy_, roles_, refresh->token);
  ASSERT_TRUE(viaRefresh.ok());
  EXPECT_EQ(viaRefresh->name, "alice");
  auto viaBasic =
      authn_->authenticatePassword(policy_, roles_, kRefreshTokenUsername, refresh->token);
  ASSERT_TRUE(viaBasic.ok());
  EXPECT_EQ(viaBasic->kind, PrincipalKind::kIdentity);

  clock_.now += kRefreshTokenLifetimeSeconds + 31;
  EXPECT_FALSE(authn_->verifyRefreshToken(policy_, roles_, refresh->token).ok()) << "expired";
  EXPECT_FALSE(authn_->verifyAccessToken(policy_, issued->token).ok()) << "expired";
}

TEST_F(AuthenticatorTest, ManagementTokensExchangeForTheirIdentity) {
  auto who = authn_->verifyManagementToken("mgmt-token");
  ASSERT_TRUE(who.ok());
  EXPECT_EQ(*who, "alice");
  auto bad = authn_->verifyManagementToken("forged");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::kUnauthorized);
}

}  // namespace
}  // namespace berth::auth
