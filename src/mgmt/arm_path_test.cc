#include "mgmt/arm_path.h"

#include <gtest/gtest.h>

namespace berth::mgmt {
namespace {

TEST(ArmPathTest, ParsesEveryShape) {
  auto p = parseArmPath("/subscriptions/s1/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acr1");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->route, ArmRoute::kResource);
  EXPECT_EQ(p->subscription, "s1");
  EXPECT_EQ(p->resourceGroup, "rg");
  EXPECT_EQ(p->providerNamespace, "Microsoft.ContainerRegistry");
  EXPECT_EQ(p->type, "registries");
  EXPECT_EQ(p->name, "acr1");

  auto action = parseArmPath("/SUBSCRIPTIONS/s1/RESOURCEGROUPS/rg/providers/Microsoft.ContainerRegistry/registries/acr1/listUsages");
  ASSERT_TRUE(action.ok());
  EXPECT_EQ(action->action, "listusages");

  EXPECT_EQ(parseArmPath("/subscriptions")->route, ArmRoute::kSubscriptions);
  EXPECT_EQ(parseArmPath("/subscriptions/s1")->route, ArmRoute::kSubscription);
  EXPECT_EQ(parseArmPath("/subscriptions/s1/providers")->route, ArmRoute::kProviders);
  auto reg = parseArmPath("/subscriptions/s1/providers/Microsoft.ContainerRegistry/register");
  EXPECT_EQ(reg->route, ArmRoute::kProvider);
  EXPECT_EQ(reg->action, "register");
  EXPECT_EQ(parseArmPath("/subscriptions/s1/resourcegroups")->route, ArmRoute::kResourceGroups);
  EXPECT_EQ(parseArmPath("/subscriptions/s1/resourcegroups/rg")->route, ArmRoute::kResourceGroup);
  EXPECT_EQ(parseArmPath("/subscriptions/s1/providers/Microsoft.ContainerRegistry/registries")->route,
            ArmRoute::kSubscriptionResources);
  EXPECT_EQ(parseArmPath("/subscriptions/s1/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries")->route,
            ArmRoute::kGroupResources);
  EXPECT_EQ(parseArmPath("/auth/token")->route, ArmRoute::kAuthToken);
  EXPECT_EQ(parseArmPath("/providers/Berth.Management/info")->route, ArmRoute::kInfo);
  EXPECT_EQ(parseArmPath("/providers/Berth.Management/operators/bob")->name, "bob");
}

TEST(ArmPathTest, ParsesChildResourcesAndActions) {
  const std::string reg =
      "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acr1";
  auto maps = parseArmPath(reg + "/scopeMaps");
  ASSERT_TRUE(maps.ok());
  EXPECT_EQ(maps->route, ArmRoute::kChildResources);
  EXPECT_EQ(maps->name, "acr1");
  EXPECT_EQ(maps->childType, "scopeMaps");
  auto token = parseArmPath(reg + "/TOKENS/MyToken");
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(token->route, ArmRoute::kChildResource);
  EXPECT_EQ(token->childType, "TOKENS");
  EXPECT_EQ(token->childName, "MyToken");
  auto generate = parseArmPath(reg + "/generateCredentials");
  ASSERT_TRUE(generate.ok());
  EXPECT_EQ(generate->route, ArmRoute::kResource);
  EXPECT_EQ(generate->action, "generatecredentials");
  EXPECT_FALSE(parseArmPath(reg + "/tokens/t1/extra").ok());
  EXPECT_FALSE(parseArmPath(reg + "/webhooks/w1").ok());
}

TEST(ArmPathTest, ParsesRoleAssignmentsAtEveryScope) {
  auto root = parseArmPath("/providers/Microsoft.Authorization/roleAssignments");
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(root->route, ArmRoute::kRoleAssignments);
  EXPECT_EQ(root->scope, "/");
  auto one = parseArmPath("/subscriptions/s1/providers/microsoft.authorization/roleassignments/abc");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->route, ArmRoute::kRoleAssignment);
  EXPECT_EQ(one->scope, "/subscriptions/s1");
  EXPECT_EQ(one->name, "abc");
  auto reg = parseArmPath(
      "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acr1/"
      "providers/Microsoft.Authorization/roleAssignments/g1");
  ASSERT_TRUE(reg.ok());
  EXPECT_EQ(reg->scope,
            "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acr1");
  EXPECT_FALSE(parseArmPath("/providers/Microsoft.Other/roleAssignments").ok());
}

TEST(ArmPathTest, RejectsUnknownPaths) {
  for (const char* bad : {"/", "/v2/", "/subscriptions/s1/things", "/providers/Other/info",
                          "/subscriptions/s1/providers/Microsoft.ContainerRegistry/registries/a/b/c",
                          "/subscriptions/s1/resourcegroups/rg/providers/ns/t/n/a/extra",
                          "/subscriptions/s%2f1"}) {
    auto p = parseArmPath(bad);
    ASSERT_FALSE(p.ok()) << bad;
    EXPECT_EQ(p.error().code, Errc::kRouteUnknown) << bad;
  }
}

}  // namespace
}  // namespace berth::mgmt
