#include "mgmt/control_plane.h"

#include <gtest/gtest.h>

#include <thread>

#include "mgmt/control_plane_test_fixture.h"
#include "mgmt/resource_validation.h"

namespace berth::mgmt {
namespace {

TEST_F(ControlPlaneTest, RegistryDocumentHasTheArmShape) {
  auto put = createRegistry("MyAcr01", {{"sku", {{"name", "premium"}}},
                                        {"properties", {{"adminUserEnabled", true},
                                                        {"publicNetworkAccess", "Disabled"}}}});
  ASSERT_TRUE(put.ok()) << put.error().message;
  EXPECT_TRUE(put->created);
  const Json& doc = put->body;
  EXPECT_EQ(doc["id"], "/subscriptions/" + sub_ +
                           "/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/MyAcr01");
  EXPECT_EQ(doc["location"], "eastus");
  EXPECT_EQ(doc["sku"]["name"], "Premium");
  EXPECT_EQ(doc["properties"]["loginServer"], "myacr01.cr.internal");
  EXPECT_EQ(doc["properties"]["publicNetworkAccess"], "Disabled");
  EXPECT_TRUE(doc["etag"].is_string());
  EXPECT_EQ(host_.served, std::set<std::string>{"myacr01"});
  EXPECT_FALSE(host_.last[0].publicNetworkAccess);
}

TEST_F(ControlPlaneTest, NamesAreUniqueAcrossTheDeployment) {
  ASSERT_TRUE(createRegistry("acrone", {{"sku", {{"name", "Basic"}}}}).ok());
  ASSERT_TRUE(plane_->putResourceGroup(sub_, "rg2", Json{{"location", "westus"}}, {}).ok());
  auto dup = plane_->putRegistry(sub_, "rg2", "ACRONE", Json{{"sku", {{"name", "Basic"}}}}, {});
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, Errc::kConflict);
  EXPECT_EQ(createRegistry("reserved1", {{"sku", {{"name", "Basic"}}}}).error().code, Errc::kConflict);
  auto check = plane_->checkRegistryName(sub_, Json{{"name", "acrone"}});
  EXPECT_EQ((*check)["nameAvailable"], false);
}

TEST_F(ControlPlaneTest, BadInputIsRefusedAndNothingIsCreated) {
  EXPECT_EQ(createRegistry("ab", {{"sku", {{"name", "Basic"}}}}).error().code, Errc::kInvalidParameter);
  EXPECT_EQ(createRegistry("bad-name", {{"sku", {{"name", "Basic"}}}}).error().code, Errc::kInvalidParameter);
  EXPECT_EQ(createRegistry("goodname", {{"sku", {{"name", "Gold"}}}}).error().code, Errc::kInvalidParameter);
  EXPECT_EQ(createRegistry("goodname", Json::object()).error().code, Errc::kInvalidParameter);
  EXPECT_EQ(createRegistry("goodname", {{"sku", {{"name", "Basic"}}}, {"properties", {{"bogus", 1}}}})
                .error().code,
            Errc::kInvalidParameter);
  EXPECT_EQ(createRegistry("goodname", {{"sku", {{"name", "Premium"}}},
                                        {"properties", {{"networkRuleSet", {{"ipRules", {{{"value", "300.1.1.1"}}}}}}}}})
                .error().code,
            Errc::kInvalidParameter);
  EXPECT_EQ(plane_->putRegistry(sub_, "nogroup", "goodname", Json{{"sku", {{"name", "Basic"}}}}, {})
                .error().code,
            Errc::kResourceGroupNotFound);
  EXPECT_EQ((*plane_->listRegistries(sub_, ""))["value"].size(), 0u);
  EXPECT_TRUE(host_.served.empty());
}

TEST_F(ControlPlaneTest, PremiumOnlyFeaturesNeedPremium) {
  auto basic = createRegistry("basicacr", {{"sku", {{"name", "Basic"}}},
                                           {"properties", {{"publicNetworkAccess", "Disabled"}}}});
  ASSERT_FALSE(basic.ok());
  EXPECT_EQ(basic.error().code, Errc::kSkuNotSupported);
  ASSERT_TRUE(createRegistry("stdacr01", {{"sku", {{"name", "Standard"}}}}).ok());
  auto patch = plane_->patchRegistry(sub_, "rg", "stdacr01",
                                     Json{{"properties", {{"networkRuleSet", {{"defaultAction", "Deny"}}}}}}, {});
  EXPECT_EQ(patch.error().code, Errc::kSkuNotSupported);
  auto upgraded = plane_->patchRegistry(
      sub_, "rg", "stdacr01",
      Json{{"sku", {{"name", "Premium"}}},
           {"properties", {{"networkRuleSet", {{"defaultAction", "Deny"}, {"ipRules", {{{"value", "10.0.0.1"}}}}}}}}},
      {});
  ASSERT_TRUE(upgraded.ok()) << upgraded.error().message;
  EXPECT_EQ((*upgraded)["properties"]["networkRuleSet"]["ipRules"][0]["value"], "10.0.0.1");
}

TEST_F(ControlPlaneTest, PatchWithAStaleEtagFails) {
  auto put = createRegistry("etagacr", {{"sku", {{"name", "Basic"}}}});
  std::string etag = put->body["etag"];
  Precondition pre{etag, false};
  ASSERT_TRUE(plane_->patchRegistry(sub_, "rg", "etagacr", Json{{"tags", {{"a", "1"}}}}, pre).ok());
  auto stale = plane_->patchRegistry(sub_, "rg", "etagacr", Json{{"tags", {{"a", "2"}}}}, pre);
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code, Errc::kPreconditionFailed);
}

TEST_F(ControlPlaneTest, ConcurrentPatchesOfDifferentFieldsAreAllKept) {
  ASSERT_TRUE(createRegistry("concacr", {{"sku", {{"name", "Premium"}}}}).ok());
  std::thread a([&] {
    for (int i = 0; i < 10; ++i) {
      ASSERT_TRUE(plane_->patchRegistry(sub_, "rg", "concacr", Json{{"properties", {{"adminUserEnabled", true}}}}, {}).ok());
    }
  });
  std::thread b([&] {
    for (int i = 0; i < 10; ++i) {
      ASSERT_TRUE(plane_->patchRegistry(sub_, "rg", "concacr", Json{{"tags", {{"team", "x"}}}}, {}).ok());
    }
  });
  a.join();
  b.join();
  auto doc = plane_->getRegistry(sub_, "rg", "concacr");
  EXPECT_EQ((*doc)["properties"]["adminUserEnabled"], true);
  EXPECT_EQ((*doc)["tags"]["team"], "x");
}

TEST_F(ControlPlaneTest, DeletingTheGroupDeletesItsRegistries) {
  ASSERT_TRUE(createRegistry("gone01", {{"sku", {{"name", "Basic"}}}}).ok());
  ASSERT_TRUE(*plane_->deleteResourceGroup(sub_, "rg", {}));
  EXPECT_TRUE(host_.served.empty());
  EXPECT_EQ(plane_->getResourceGroup(sub_, "rg").error().code, Errc::kResourceGroupNotFound);
  EXPECT_FALSE(*plane_->deleteResourceGroup(sub_, "rg", {}));
}

TEST_F(ControlPlaneTest, AdminCredentialsAreSealedAndRotate) {
  ASSERT_TRUE(createRegistry("credacr", {{"sku", {{"name", "Basic"}}}}).ok());
  EXPECT_EQ(plane_->listRegistryCredentials(sub_, "rg", "credacr").error().code, Errc::kInvalidParameter);
  ASSERT_TRUE(plane_->patchRegistry(sub_, "rg", "credacr", Json{{"properties", {{"adminUserEnabled", true}}}}, {}).ok());
  auto creds = plane_->listRegistryCredentials(sub_, "rg", "credacr");
  ASSERT_TRUE(creds.ok());
  std::string p1 = (*creds)["passwords"][0]["value"];
  std::string p2 = (*creds)["passwords"][1]["value"];
  EXPECT_EQ(p1.size(), 32u);
  bool plainStored = false;
  (void)store_->listCredentials(kAdminPasswordKind, [&](const metadata::Credential& c) {
    if (c.secret.find(p1) != std::string::npos) plainStored = true;
  });
  EXPECT_FALSE(plainStored);
  auto renewed = plane_->regenerateRegistryCredential(sub_, "rg", "credacr", Json{{"name", "password2"}});
  ASSERT_TRUE(renewed.ok());
  EXPECT_EQ((*renewed)["passwords"][0]["value"], p1);
  EXPECT_NE((*renewed)["passwords"][1]["value"], p2);
}

TEST_F(ControlPlaneTest, UsageRowsFollowTheSku) {
  ASSERT_TRUE(createRegistry("usageacr", {{"sku", {{"name", "Standard"}}}}).ok());
  auto usage = plane_->listRegistryUsages(sub_, "rg", "usageacr");
  ASSERT_TRUE(usage.ok());
  const Json& rows = (*usage)["value"];
  ASSERT_EQ(rows.size(), 8u);
  EXPECT_EQ(rows[0]["name"], "Size");
  EXPECT_EQ(rows[0]["currentValue"], 1234);
  EXPECT_EQ(rows[5]["name"], "PrivateEndpointConnections");
  EXPECT_EQ(rows[5]["limit"], 0);
  EXPECT_EQ(rows[6]["name"], "ScopeMaps");
  EXPECT_EQ(rows[6]["currentValue"], 0);
}

TEST_F(ControlPlaneTest, ProvidersRegisterAndMissingRegistrationIsExplained) {
  ASSERT_TRUE(plane_->putSubscription("other-sub", Json{{"displayName", "Other"}}).ok());
  ASSERT_TRUE(plane_->putResourceGroup("other-sub", "g", Json{{"location", "eastus"}}, {}).ok());
  auto refused = plane_->putRegistry("other-sub", "g", "otheracr", Json{{"sku", {{"name", "Basic"}}}}, {});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::kMissingSubscriptionRegistration);
  EXPECT_EQ((*plane_->getProvider("other-sub", "Microsoft.ContainerRegistry"))["registrationState"], "NotRegistered");
  ASSERT_TRUE(plane_->setProviderRegistration("other-sub", "Microsoft.ContainerRegistry", true).ok());
  EXPECT_TRUE(plane_->putRegistry("other-sub", "g", "otheracr", Json{{"sku", {{"name", "Basic"}}}}, {}).ok());
}

}  // namespace
}  // namespace berth::mgmt
