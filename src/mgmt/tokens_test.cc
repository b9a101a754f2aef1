// Scope maps, repository-scoped tokens and role assignments: validation, what is stored (hashes
// only), what the data plane is given, and what goes when a parent goes.

#include <gtest/gtest.h>

#include "auth/secret_hash.h"
#include "mgmt/arm_path.h"
#include "common/rfc3339.h"
#include "mgmt/control_plane_test_fixture.h"
#include "mgmt/operator_auth.h"
#include "mgmt/resource_validation.h"

namespace berth::mgmt {
namespace {

constexpr std::string_view kGuid1 = "11111111-2222-4333-8444-555555555555";
constexpr std::string_view kGuid2 = "21111111-2222-4333-8444-555555555555";

class TokensTest : public ControlPlaneTest {
 protected:
  void SetUp() override {
    ControlPlaneTest::SetUp();
    ASSERT_TRUE(createRegistry("tokacr", {{"sku", {{"name", "Basic"}}},
                                          {"properties", {{"adminUserEnabled", true}}}})
                    .ok());
    reg_ = {sub_, "rg", "tokacr"};
  }
  std::string registryArmId() const { return registryId(sub_, "rg", "tokacr"); }
  Result<PutResult> putMap(std::string_view name, std::vector<std::string> actions) {
    return plane_->putScopeMap(reg_, name, Json{{"properties", {{"actions", actions}}}}, {});
  }
  Result<PutResult> putToken(std::string_view name, std::string scopeMapId, Json extra = {}) {
    Json props = {{"scopeMapId", std::move(scopeMapId)}};
    if (extra.is_object()) props.update(extra);
    return plane_->putToken(reg_, name, Json{{"properties", props}}, {});
  }
  Result<Json> generate(std::string_view token, Json extra = Json::object()) {
    Json body = {{"tokenId", registryArmId() + "/tokens/" + std::string(token)}};
    body.update(extra);
    return plane_->generateTokenCredentials(reg_, body);
  }
  const auth::RegistryAccessPolicy& published(std::string_view name = "tokacr") {
    for (const auto& r : host_.last) {
      if (r.name == name) return r.access;
    }
    static const auth::RegistryAccessPolicy kNone;
    ADD_FAILURE() << "registry " << name << " not published";
    return kNone;
  }
  std::size_t storedTokenPasswords() {
    std::size_t n = 0;
    (void)store_->listCredentials(kTokenPasswordKind, [&](const metadata::Credential&) { ++n; });
    return n;
  }

  RegistryAddress reg_;
};

TEST_F(TokensTest, ScopeMapsValidateActionsAndEveryRegistryHasSystemMaps) {
  auto list = plane_->listScopeMaps(reg_);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ((*list)["value"].size(), 3u);
  EXPECT_EQ((*list)["value"][1]["name"], "_repositories_pull");
  EXPECT_EQ((*list)["value"][1]["properties"]["type"], "SystemDefined");
  EXPECT_EQ((*list)["value"][1]["properties"]["actions"], Json::array({"repositories/*/content/read"}));

  auto bad = putMap("mymap", {"repositories/hello/content/read", "repositories/hello/content/fly"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::kInvalidParameter);
  EXPECT_NE(bad.error().message.find("repositories/hello/content/fly"), std::string::npos);
  EXPECT_EQ(putMap("ab", {"repositories/a/content/read"}).error().code, Errc::kInvalidParameter);
  EXPECT_EQ(putMap("_mine", {"repositories/a/content/read"}).error().code, Errc::kInvalidParameter);
  EXPECT_EQ(plane_->putScopeMap(reg_, "mymap", Json{{"properties", Json::object()}}, {}).error().code,
            Errc::kInvalidParameter);

  auto made = putMap("MyMap", {"repositories/hello/content/read"});
  ASSERT_TRUE(made.ok()) << made.error().message;
  EXPECT_TRUE(made->created);
  EXPECT_EQ(made->body["id"], registryArmId() + "/scopeMaps/MyMap");
  EXPECT_EQ(made->body["type"], "Microsoft.ContainerRegistry/registries/scopeMaps");
  EXPECT_EQ(made->body["properties"]["type"], "UserDefined");
  EXPECT_EQ(made->body["properties"]["provisioningState"], "Succeeded");
  auto patched = plane_->patchScopeMap(reg_, "mymap", Json{{"properties", {{"description", "d"}}}}, {});
  ASSERT_TRUE(patched.ok());
  EXPECT_EQ((*patched)["properties"]["description"], "d");
  EXPECT_EQ((*patched)["properties"]["actions"].size(), 1u);
  EXPECT_EQ((*plane_->listScopeMaps(reg_))["value"].size(), 4u);

  for (auto* name : {"_repositories_pull", "_REPOSITORIES_ADMIN"}) {
    EXPECT_EQ(putMap(name, {"repositories/a/content/read"}).error().code, Errc::kInvalidParameter);
    EXPECT_EQ(plane_->deleteScopeMap(reg_, name, {}).error().code, Errc::kInvalidParameter);
    EXPECT_EQ(plane_->patchScopeMap(reg_, name, Json::object(), {}).error().code,
              Errc::kInvalidParameter);
  }
  EXPECT_EQ((*plane_->getScopeMap(reg_, "_repositories_push"))["properties"]["actions"].size(), 2u);
  EXPECT_EQ(plane_->getScopeMap(reg_, "nosuchmap").error().code, Errc::kResourceNotFound);
}

TEST_F(TokensTest, TokenPasswordsAreShownOnceAndStoredAsHashes) {
  ASSERT_TRUE(putMap("pullhello", {"repositories/hello/content/read"}).ok());
  EXPECT_EQ(putToken("token1", registryArmId() + "/scopeMaps/nosuch").error().code,
            Errc::kInvalidParameter);
  EXPECT_EQ(putToken("token1", "/subscriptions/x/resourceGroups/rg/providers/"
                             "Microsoft.ContainerRegistry/registries/other/scopeMaps/pullhello")
                .error().code,
            Errc::kInvalidParameter);
  EXPECT_EQ(putToken("token1", registryArmId() + "/scopeMaps/pullhello", {{"status", "paused"}})
                .error().code,
            Errc::kInvalidParameter);
  EXPECT_EQ(plane_->putToken(reg_, "token1", Json{{"properties", Json::object()}}, {}).error().code,
            Errc::kInvalidParameter);

  auto token = putToken("Token1", toLower(registryArmId()) + "/scopemaps/PULLHELLO");
  ASSERT_TRUE(token.ok()) << token.error().message;
  EXPECT_EQ(token->body["properties"]["scopeMapId"], registryArmId() + "/scopeMaps/pullhello");
  EXPECT_EQ(token->body["properties"]["status"], "enabled");
  EXPECT_TRUE(token->body["properties"]["credentials"]["passwords"].empty());

  auto creds = generate("token1");
  ASSERT_TRUE(creds.ok()) << creds.error().message;
  EXPECT_EQ((*creds)["username"], "Token1");
  ASSERT_EQ((*creds)["passwords"].size(), 2u);
  const std::string p1 = (*creds)["passwords"][0]["value"];
  const std::string p2 = (*creds)["passwords"][1]["value"];
  EXPECT_EQ((*creds)["passwords"][0]["name"], "password1");
  EXPECT_EQ(p1.size(), 32u);
  EXPECT_NE(p1, p2);

  // The resource never holds a value; the store holds only scrypt hashes.
  auto shown = plane_->getToken(reg_, "token1");
  ASSERT_TRUE(shown.ok());
  EXPECT_EQ(shown->dump().find(p1), std::string::npos);
  EXPECT_EQ((*shown)["properties"]["credentials"]["passwords"].size(), 2u);
  EXPECT_FALSE((*shown)["properties"]["credentials"]["passwords"][0].contains("value"));
  std::size_t hashes = 0;
  (void)store_->listCredentials(kTokenPasswordKind, [&](const metadata::Credential& c) {
    ++hashes;
    EXPECT_EQ(c.secret.find(p1), std::string::npos);
    EXPECT_EQ(c.secret.rfind("scrypt$", 0), 0u);
    EXPECT_EQ(c.owner, "tokacr");
  });
  EXPECT_EQ(hashes, 2u);

  // What the data plane gets.
  const auto& access = published();
  EXPECT_TRUE(access.authenticationRequired);
  EXPECT_EQ(access.registry.id, registryArmId());
  EXPECT_TRUE(access.registry.adminUserEnabled);
  EXPECT_EQ(access.name, "tokacr");
  EXPECT_EQ(access.loginServer, "tokacr.cr.internal");
  auto admin = plane_->listRegistryCredentials(sub_, "rg", "tokacr");
  ASSERT_TRUE(admin.ok());
  ASSERT_EQ(access.adminPasswordDigests.size(), 2u);
  EXPECT_EQ(access.adminPasswordDigests[0],
            auth::tokenDigest((*admin)["passwords"][0]["value"].get<std::string>()));
  ASSERT_EQ(access.tokens.count("token1"), 1u);
  const auto& policy = access.tokens.at("token1");
  EXPECT_EQ(policy.name, "Token1");
  EXPECT_TRUE(policy.enabled);
  EXPECT_EQ(policy.expiresUnixSeconds, 0);
  ASSERT_EQ(policy.passwordHashes.size(), 2u);
  EXPECT_TRUE(auth::verifyPassword(p1, policy.passwordHashes[0]));
  EXPECT_TRUE(auth::verifyPassword(p2, policy.passwordHashes[1]));
  EXPECT_TRUE(policy.scopeMap.actionsFor("hello").has(auth::Action::kPull));
  EXPECT_FALSE(policy.scopeMap.actionsFor("hello").has(auth::Action::kPush));
  EXPECT_FALSE(policy.scopeMap.actionsFor("other").has(auth::Action::kPull));

  // Regenerating one password replaces only that one.
  auto again = generate("token1", {{"name", "password2"}});
  ASSERT_TRUE(again.ok());
  ASSERT_EQ((*again)["passwords"].size(), 1u);
  const auto& renewed = published().tokens.at("token1");
  EXPECT_TRUE(auth::verifyPassword(p1, renewed.passwordHashes[0]));
  EXPECT_FALSE(auth::verifyPassword(p2, renewed.passwordHashes[1]));

  // Changing the scope map changes the published rights at once.
  ASSERT_TRUE(plane_->patchScopeMap(reg_, "pullhello",
                                    Json{{"properties", {{"actions", {"repositories/hello/content/write"}}}}},
                                    {})
                  .ok());
  EXPECT_TRUE(published().tokens.at("token1").scopeMap.actionsFor("hello").has(auth::Action::kPush));

  // Disabling is published; the admin user's switch too.
  ASSERT_TRUE(plane_->patchToken(reg_, "token1", Json{{"properties", {{"status", "Disabled"}}}}, {}).ok());
  EXPECT_FALSE(published().tokens.at("token1").enabled);
  ASSERT_TRUE(plane_->patchRegistry(sub_, "rg", "tokacr",
                                    Json{{"properties", {{"adminUserEnabled", false}}}}, {})
                  .ok());
  EXPECT_FALSE(published().registry.adminUserEnabled);
  EXPECT_TRUE(published().adminPasswordDigests.empty());
}

TEST_F(TokensTest, RegeneratingTheAdminPasswordIsPublished) {
  auto before = published().adminPasswordDigests;
  ASSERT_EQ(before.size(), 2u);
  ASSERT_TRUE(plane_->regenerateRegistryCredential(sub_, "rg", "tokacr", Json{{"name", "password"}}).ok());
  auto after = published().adminPasswordDigests;
  ASSERT_EQ(after.size(), 2u);
  EXPECT_NE(after[0], before[0]);
  EXPECT_EQ(after[1], before[1]);
}

TEST_F(TokensTest, ExpiredPasswordsAreNotPublished) {
  ASSERT_TRUE(putToken("exptok", registryArmId() + "/scopeMaps/_repositories_pull").ok());
  EXPECT_EQ(generate("exptok", {{"expiry", "2020-01-01T00:00:00Z"}}).error().code,
            Errc::kInvalidParameter);
  EXPECT_EQ(generate("exptok", {{"expiry", "tomorrow"}}).error().code, Errc::kInvalidParameter);
  const std::int64_t now = clock_.now;
  ASSERT_TRUE(generate("exptok", {{"name", "password1"}, {"expiry", formatRfc3339(now + 100)}}).ok());
  ASSERT_TRUE(generate("exptok", {{"name", "password2"}, {"expiry", formatRfc3339(now + 200)}}).ok());
  auto shown = plane_->getToken(reg_, "exptok");
  EXPECT_EQ((*shown)["properties"]["credentials"]["passwords"][0]["expiry"], formatRfc3339(now + 100));
  EXPECT_EQ(published().tokens.at("exptok").passwordHashes.size(), 2u);
  EXPECT_EQ(published().tokens.at("exptok").expiresUnixSeconds, now + 200);

  clock_.now = now + 150;
  ASSERT_TRUE(plane_->refreshExpiredCredentials().ok());
  EXPECT_EQ(published().tokens.at("exptok").passwordHashes.size(), 1u);
  clock_.now = now + 250;
  ASSERT_TRUE(plane_->refreshExpiredCredentials().ok());
  EXPECT_TRUE(published().tokens.at("exptok").passwordHashes.empty());
}

TEST_F(TokensTest, DeletingFollowsReferencesAndRemovesPasswords) {
  ASSERT_TRUE(putMap("shared-map", {"repositories/*/content/read"}).ok());
  ASSERT_TRUE(putToken("user-token", registryArmId() + "/scopeMaps/shared-map").ok());
  ASSERT_TRUE(generate("user-token").ok());
  auto refused = plane_->deleteScopeMap(reg_, "shared-map", {});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::kConflict);
  EXPECT_NE(refused.error().message.find("user-token"), std::string::npos);

  // Deleting one password through an update keeps the other.
  ASSERT_TRUE(plane_->patchToken(reg_, "user-token",
                                 Json{{"properties", {{"credentials", {{"passwords", {{{"name", "password2"}}}}}}}}},
                                 {})
                  .ok());
  EXPECT_EQ(storedTokenPasswords(), 1u);
  EXPECT_EQ(published().tokens.at("user-token").passwordHashes.size(), 1u);

  EXPECT_TRUE(*plane_->deleteToken(reg_, "USER-TOKEN", {}));
  EXPECT_FALSE(*plane_->deleteToken(reg_, "user-token", {}));
  EXPECT_EQ(storedTokenPasswords(), 0u);
  EXPECT_TRUE(published().tokens.empty());
  EXPECT_TRUE(*plane_->deleteScopeMap(reg_, "shared-map", {}));
}

TEST_F(TokensTest, DeletingTheRegistryOrGroupRemovesEverythingBelow) {
  ASSERT_TRUE(putMap("casc-map", {"repositories/*/content/read"}).ok());
  ASSERT_TRUE(putToken("casc-token", registryArmId() + "/scopeMaps/casc-map").ok());
  ASSERT_TRUE(generate("casc-token").ok());
  ASSERT_TRUE(*plane_->deleteRegistry(sub_, "rg", "tokacr", {}));
  EXPECT_EQ(storedTokenPasswords(), 0u);
  // A new registry of the same name starts empty.
  ASSERT_TRUE(createRegistry("tokacr", {{"sku", {{"name", "Basic"}}}}).ok());
  EXPECT_EQ((*plane_->listTokens(reg_))["value"].size(), 0u);
  EXPECT_EQ((*plane_->listScopeMaps(reg_))["value"].size(), 3u);

  ASSERT_TRUE(putToken("casc-token", registryArmId() + "/scopeMaps/_repositories_push").ok());
  ASSERT_TRUE(generate("casc-token").ok());
  ASSERT_TRUE(*plane_->deleteResourceGroup(sub_, "rg", {}));
  EXPECT_EQ(storedTokenPasswords(), 0u);
  EXPECT_TRUE(host_.last.empty());
}

TEST_F(TokensTest, CountsFollowTheSkuLimits) {
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(putMap("map-" + std::to_string(1000 + i), {"repositories/a/content/read"}).ok()) << i;
  }
  auto over = putMap("map-overflow", {"repositories/a/content/read"});
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, Errc::kQuotaExceeded);
  // Replacing an existing map is not a new one.
  EXPECT_TRUE(putMap("map-1000", {"repositories/b/content/read"}).ok());
  auto usage = plane_->listRegistryUsages(sub_, "rg", "tokacr");
  EXPECT_EQ((*usage)["value"][6]["currentValue"], 100);
}

class RoleAssignmentsTest : public TokensTest {
 protected:
  void SetUp() override {
    TokensTest::SetUp();
    operators_ = std::make_unique<OperatorAuth>(*store_, clock_);
    ASSERT_TRUE(operators_->createOperator("alice").ok());
  }
  Result<PutResult> assign(std::string_view scope, std::string_view name, Json props) {
    return plane_->putRoleAssignment(scope, name, Json{{"properties", std::move(props)}});
  }
  std::unique_ptr<OperatorAuth> operators_;
};

TEST_F(RoleAssignmentsTest, AssignmentsAreValidatedStoredAndPublished) {
  const std::string scope = registryArmId();
  EXPECT_EQ(assign(scope, "not-a-guid", {{"principalId", "alice"}, {"roleDefinitionName", "AcrPull"}})
                .error().code,
            Errc::kInvalidParameter);
  auto nobody = assign(scope, kGuid1, {{"principalId", "bob"}, {"roleDefinitionName", "AcrPull"}});
  ASSERT_FALSE(nobody.ok());
  EXPECT_NE(nobody.error().message.find("bob"), std::string::npos);
  auto badRole = assign(scope, kGuid1, {{"principalId", "alice"}, {"roleDefinitionName", "Janitor"}});
  ASSERT_FALSE(badRole.ok());
  EXPECT_NE(badRole.error().message.find("AcrPull, AcrPush, AcrDelete, Reader, Contributor, Owner"),
            std::string::npos);
  EXPECT_EQ(assign("/subscriptions/" + sub_ + "/resourceGroups/nogroup", kGuid1,
                   {{"principalId", "alice"}, {"roleDefinitionName", "AcrPull"}})
                .error().code,
            Errc::kResourceGroupNotFound);
  EXPECT_EQ(assign("/subscriptions/" + sub_ + "/things/x", kGuid1,
                   {{"principalId", "alice"}, {"roleDefinitionName", "AcrPull"}})
                .error().code,
            Errc::kInvalidParameter);

  auto made = assign(toLower(scope), kGuid1,
                     {{"principalId", "Alice"},
                      {"roleDefinitionId", "/subscriptions/" + sub_ +
                                               "/providers/Microsoft.Authorization/roleDefinitions/"
                                               "7f951dda-4ed3-4680-a7ca-43fe172d538d"}});
  ASSERT_TRUE(made.ok()) << made.error().message;
  EXPECT_TRUE(made->created);
  EXPECT_EQ(made->body["properties"]["scope"], scope);  // canonical case
  EXPECT_EQ(made->body["properties"]["roleDefinitionName"], "AcrPull");
  EXPECT_EQ(made->body["id"], scope + "/providers/Microsoft.Authorization/roleAssignments/" +
                                  std::string(kGuid1));
  const auto* alice = host_.roles.find("alice");
  ASSERT_NE(alice, nullptr);
  ASSERT_EQ(alice->size(), 1u);
  EXPECT_EQ((*alice)[0].scope, scope);
  EXPECT_EQ((*alice)[0].role, auth::Role::kAcrPull);

  // The same PUT again is a no-op; the same grant under another name conflicts.
  auto again = assign(scope, kGuid1, {{"principalId", "alice"}, {"roleDefinitionName", "acrpull"}});
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->created);
  EXPECT_EQ(assign(scope, kGuid2, {{"principalId", "alice"}, {"roleDefinitionName", "AcrPull"}})
                .error().code,
            Errc::kConflict);
  EXPECT_EQ(assign(scope, kGuid1, {{"principalId", "alice"}, {"roleDefinitionName", "Owner"}})
                .error().code,
            Errc::kConflict);

  // Idempotent bootstrap grant at the root.
  ASSERT_TRUE(plane_->ensureRoleAssignment("alice", auth::Role::kOwner, "/").ok());
  ASSERT_TRUE(plane_->ensureRoleAssignment("alice", auth::Role::kOwner, "/").ok());
  EXPECT_EQ(host_.roles.find("alice")->size(), 2u);
  EXPECT_EQ((*plane_->listRoleAssignments("/"))["value"].size(), 2u);
  EXPECT_EQ((*plane_->listRoleAssignments(scope))["value"].size(), 2u);  // root covers it
  EXPECT_EQ((*plane_->listRoleAssignments("/subscriptions/other"))["value"].size(), 1u);
  EXPECT_EQ((*plane_->getRoleAssignment(scope, kGuid1))["properties"]["principalId"], "alice");

  EXPECT_TRUE(*plane_->deleteRoleAssignment(scope, kGuid1));
  EXPECT_FALSE(*plane_->deleteRoleAssignment(scope, kGuid1));
  EXPECT_EQ(host_.roles.find("alice")->size(), 1u);
  ASSERT_TRUE(plane_->removeRoleAssignmentsOf("alice").ok());
  EXPECT_EQ(host_.roles.find("alice"), nullptr);
}

TEST_F(RoleAssignmentsTest, AssignmentsGoWithTheirScopeAndArePublishedAtStart) {
  ASSERT_TRUE(assign(registryArmId(), kGuid1, {{"principalId", "alice"}, {"roleDefinitionName", "AcrPush"}}).ok());
  ASSERT_TRUE(assign("/subscriptions/" + sub_ + "/resourceGroups/rg", kGuid2,
                     {{"principalId", "alice"}, {"roleDefinitionName", "Reader"}})
                  .ok());
  EXPECT_EQ(host_.roles.find("alice")->size(), 2u);
  ASSERT_TRUE(*plane_->deleteRegistry(sub_, "rg", "tokacr", {}));
  EXPECT_EQ(host_.roles.find("alice")->size(), 1u);

  // A restarted control plane publishes what is stored.
  RecordingHost fresh;
  ControlPlane restarted(*store_, *store_, box_, fresh, clock_, "cr.internal");
  ASSERT_TRUE(restarted.publishStoredRegistries().ok());
  ASSERT_NE(fresh.roles.find("alice"), nullptr);
  EXPECT_EQ(fresh.roles.find("alice")->at(0).role, auth::Role::kReader);

  ASSERT_TRUE(*plane_->deleteResourceGroup(sub_, "rg", {}));
  EXPECT_EQ(host_.roles.find("alice"), nullptr);
}

}  // namespace
}  // namespace berth::mgmt
