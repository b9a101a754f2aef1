#include "mgmt/mgmt_authorization.h"

#include "mgmt/control_plane.h"

namespace berth::mgmt {

namespace {

bool isRead(http::Method m) { return m == http::Method::kGet || m == http::Method::kHead; }

std::string trimSlash(std::string s) {
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

bool covers(std::string_view assignmentScope, std::string_view target) {
  const std::string scope = toLower(trimSlash(std::string(assignmentScope)));
  if (scope.empty() || scope == "/") return true;
  const std::string t = toLower(trimSlash(std::string(target)));
  return t == scope || (t.size() > scope.size() && t.starts_with(scope) && t[scope.size()] == '/');
}

}  // namespace

std::string_view levelName(ManagementRequirement::Level level) {
  switch (level) {
    case ManagementRequirement::Level::kAnyOperator: return "any role";
    case ManagementRequirement::Level::kContributor: return "Contributor";
    case ManagementRequirement::Level::kOwner: return "Owner";
  }
  return "Owner";
}

ManagementRequirement managementRequirement(const ArmPath& p, http::Method method) {
  using Level = ManagementRequirement::Level;
  ManagementRequirement need;
  if (p.route == ArmRoute::kAuthToken || p.route == ArmRoute::kInfo) return need;
  const bool read = isRead(method);
  switch (p.route) {
    case ArmRoute::kOperators:
    case ArmRoute::kOperator:
      if (!read) need.level = Level::kOwner;
      return need;
    case ArmRoute::kRoleAssignments:
    case ArmRoute::kRoleAssignment:
      if (!read) {
        need.level = Level::kOwner;
        need.scope = p.scope.empty() ? "/" : p.scope;
      }
      return need;
    case ArmRoute::kSubscriptions:
    case ArmRoute::kProviders:
    case ArmRoute::kResourceGroups:
    case ArmRoute::kGroupResources:
      return need;  // listings
    case ArmRoute::kSubscription:
    case ArmRoute::kProvider:
      if (!read) {
        need.level = Level::kContributor;
        need.scope = subscriptionId(p.subscription);
      }
      return need;
    case ArmRoute::kResourceGroup:
      if (!read) {
        need.level = Level::kContributor;
        need.scope = resourceGroupId(p.subscription, p.resourceGroup);
      }
      return need;
    case ArmRoute::kSubscriptionResources:
      return need;  // listings and checkNameAvailability
    case ArmRoute::kResource:
    case ArmRoute::kChildResources:
    case ArmRoute::kChildResource:
      break;
    case ArmRoute::kAuthToken:
    case ArmRoute::kInfo:
      return need;
  }
  if (read) return need;
  if (p.route == ArmRoute::kResource &&
      (p.action == "listusages" || p.action == "listauditevents")) {
    return need;
  }
  need.level = Level::kContributor;
  need.scope = registryId(p.subscription, p.resourceGroup, p.name);
  return need;
}

bool managementAllows(const std::vector<auth::RoleAssignment>& assignments,
                      const ManagementRequirement& need) {
  using Level = ManagementRequirement::Level;
  if (need.level == Level::kAnyOperator) return true;
  for (const auto& a : assignments) {
    const bool strongEnough =
        a.role == auth::Role::kOwner ||
        (need.level == Level::kContributor && a.role == auth::Role::kContributor);
    if (strongEnough && covers(a.scope, need.scope)) return true;
  }
  return false;
}

}  // namespace berth::mgmt
