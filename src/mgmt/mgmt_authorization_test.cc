#include "mgmt/mgmt_authorization.h"

#include <gtest/gtest.h>

namespace berth::mgmt {
namespace {

using http::Method;
using Level = ManagementRequirement::Level;

ManagementRequirement need(std::string_view path, Method m) {
  auto p = parseArmPath(path);
  EXPECT_TRUE(p.ok()) << path;
  return managementRequirement(*p, m);
}

const std::string kSub = "/subscriptions/s1";
const std::string kGroup = kSub + "/resourceGroups/g1";
const std::string kRegistry = kGroup + "/providers/Microsoft.ContainerRegistry/registries/reg01";

TEST(ManagementAuthorization, ReadsAreOpenToEveryOperator) {
  for (const std::string& path : {kSub, kGroup, kRegistry, kRegistry + "/tokens",
                                  std::string("/providers/Berth.Management/operators")}) {
    EXPECT_EQ(need(path, Method::kGet).level, Level::kAnyOperator) << path;
  }
  EXPECT_EQ(need(kRegistry + "/listUsages", Method::kPost).level, Level::kAnyOperator);
  EXPECT_EQ(need(kRegistry + "/listAuditEvents", Method::kPost).level, Level::kAnyOperator);
}

TEST(ManagementAuthorization, ChangesNeedContributorAtTheirScope) {
  auto group = need(kGroup, Method::kPut);
  EXPECT_EQ(group.level, Level::kContributor);
  EXPECT_EQ(toLower(group.scope), toLower(kGroup));
  auto registry = need(kRegistry, Method::kDelete);
  EXPECT_EQ(registry.level, Level::kContributor);
  EXPECT_EQ(toLower(registry.scope), toLower(kRegistry));
  EXPECT_EQ(need(kRegistry + "/listCredentials", Method::kPost).level, Level::kContributor)
      << "credentials are secrets";
  EXPECT_EQ(need(kRegistry + "/tokens/tok01", Method::kPut).level, Level::kContributor);
  EXPECT_EQ(need(kSub + "/providers/Microsoft.ContainerRegistry/register", Method::kPost).level,
            Level::kContributor);
}

TEST(ManagementAuthorization, RolesAndOperatorsNeedOwner) {
  auto assign = need(kGroup + "/providers/Microsoft.Authorization/roleAssignments/abc", Method::kPut);
  EXPECT_EQ(assign.level, Level::kOwner);
  EXPECT_EQ(toLower(assign.scope), toLower(kGroup));
  auto op = need("/providers/Berth.Management/operators/alice", Method::kPut);
  EXPECT_EQ(op.level, Level::kOwner);
  EXPECT_EQ(op.scope, "/");
}

TEST(ManagementAuthorization, AssignmentsCoverTheirScopeAndBelowOnly) {
  const ManagementRequirement changeRegistry{Level::kContributor, kRegistry};
  EXPECT_TRUE(managementAllows({{"/", auth::Role::kOwner}}, changeRegistry));
  EXPECT_TRUE(managementAllows({{"/SUBSCRIPTIONS/s1", auth::Role::kContributor}}, changeRegistry));
  EXPECT_TRUE(managementAllows({{kRegistry, auth::Role::kContributor}}, changeRegistry));
  EXPECT_FALSE(managementAllows({{kRegistry + "x", auth::Role::kOwner}}, changeRegistry))
      << "a sibling with a longer name";
  EXPECT_FALSE(managementAllows({{"/subscriptions/s2", auth::Role::kOwner}}, changeRegistry));
  EXPECT_FALSE(managementAllows({{kRegistry, auth::Role::kReader}}, changeRegistry));
  EXPECT_FALSE(managementAllows({{kRegistry, auth::Role::kAcrPush}}, changeRegistry));
  EXPECT_FALSE(managementAllows({}, changeRegistry));
  const ManagementRequirement grant{Level::kOwner, kGroup};
  EXPECT_FALSE(managementAllows({{kSub, auth::Role::kContributor}}, grant))
      << "Contributor may not hand out roles";
  EXPECT_TRUE(managementAllows({{kSub, auth::Role::kOwner}}, grant));
  EXPECT_FALSE(managementAllows({{kRegistry, auth::Role::kOwner}}, grant)) << "below the scope";
}

}  // namespace
}  // namespace berth::mgmt
