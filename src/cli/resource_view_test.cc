#include "cli/resource_view.h"

#include <gtest/gtest.h>

namespace berth::cli {
namespace {

constexpr std::string_view kRegistryId =
    "/subscriptions/0000/resourceGroups/MyGroup/providers/Microsoft.ContainerRegistry/registries/"
    "reg1";

TEST(ResourceId, ParsesResourceAndGroupIds) {
  auto r = parseResourceId(kRegistryId);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->subscription, "0000");
  EXPECT_EQ(r->resourceGroup, "MyGroup");
  EXPECT_EQ(r->provider, "Microsoft.ContainerRegistry");
  EXPECT_EQ(r->type, "registries");
  EXPECT_EQ(r->name, "reg1");
  auto g = parseResourceId("/subscriptions/0000/resourcegroups/rg");
  ASSERT_TRUE(g);
  EXPECT_EQ(g->resourceGroup, "rg");
  EXPECT_TRUE(g->provider.empty());
  EXPECT_FALSE(parseResourceId("/subscriptions/0000"));
  EXPECT_FALSE(parseResourceId("not an id"));
}

TEST(FlattenResource, PropertiesToTopLevelPlusResourceGroup) {
  Json registry = Json::parse(R"({
    "id": "/subscriptions/0000/resourceGroups/MyGroup/providers/Microsoft.ContainerRegistry/registries/reg1",
    "name": "reg1", "location": "eastus", "sku": {"name": "Premium", "tier": "Premium"},
    "properties": {"loginServer": "reg1.cr.internal", "adminUserEnabled": true, "name": "clash",
                   "networkRuleSet": {"defaultAction": "Deny", "ipRules": []}}
  })");
  Json flat = flattenResource(registry);
  EXPECT_FALSE(flat.contains("properties"));
  EXPECT_EQ(flat["loginServer"], "reg1.cr.internal");
  EXPECT_EQ(flat["adminUserEnabled"], true);
  EXPECT_EQ(flat["name"], "reg1");  // top-level fields win a clash
  EXPECT_EQ(flat["resourceGroup"], "MyGroup");
  EXPECT_EQ(flat["networkRuleSet"]["defaultAction"], "Deny");
  EXPECT_EQ(flat["sku"]["name"], "Premium");
}

TEST(FlattenResource, ResourceGroupsAddedAtAnyDepthButNotToGroups) {
  Json value = Json::parse(R"({
    "id": "/subscriptions/0000/resourceGroups/rg",
    "items": [{"id": "/subscriptions/0/resourceGroups/inner/providers/P/t/n"},
              {"id": "/subscriptions/0/resourceGroups/x/providers/P/t/n", "resourceGroup": "keep"}]
  })");
  addResourceGroups(value);
  EXPECT_FALSE(value.contains("resourceGroup"));
  EXPECT_EQ(value["items"][0]["resourceGroup"], "inner");
  EXPECT_EQ(value["items"][1]["resourceGroup"], "keep");
}

TEST(FlattenResource, ListBodies) {
  Json body = Json::parse(R"({"value":[{"id":"/subscriptions/s/resourceGroups/g/providers/P/t/a",
                                         "properties":{"x":1}}]})");
  Json list = flattenResourceList(body);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["x"], 1);
  EXPECT_EQ(list[0]["resourceGroup"], "g");
  EXPECT_TRUE(flattenResourceList(Json::object()).empty());
}

TEST(Tags, ParsedLikeAz) {
  EXPECT_EQ(parseTags({"env=prod", "team", "k=a=b"}).dump(),
            R"({"env":"prod","team":"","k":"a=b"})");
  EXPECT_EQ(parseTags({""}).dump(), "{}");
}

}  // namespace
}  // namespace berth::cli
