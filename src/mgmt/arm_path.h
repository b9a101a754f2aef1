#pragma once
// Parses management API paths (ARM shape) into what they address. Keywords compare
// case-insensitively, as ARM does; names keep the case the client sent. Pure.

#include <string>
#include <string_view>

#include "common/result.h"

namespace berth::mgmt {

enum class ArmRoute {
  kAuthToken,             // /auth/token
  kInfo,                  // /providers/Berth.Management/info
  kOperators,             // /providers/Berth.Management/operators
  kOperator,              // /providers/Berth.Management/operators/{name}
  kSubscriptions,         // /subscriptions
  kSubscription,          // /subscriptions/{sub}
  kProviders,             // /subscriptions/{sub}/providers
  kProvider,              // /subscriptions/{sub}/providers/{ns}[/register|/unregister]
  kResourceGroups,        // /subscriptions/{sub}/resourcegroups
  kResourceGroup,         // /subscriptions/{sub}/resourcegroups/{rg}
  kSubscriptionResources, // /subscriptions/{sub}/providers/{ns}/{type} (type may be checkNameAvailability)
  kGroupResources,        // /subscriptions/{sub}/resourcegroups/{rg}/providers/{ns}/{type}
  kResource,              // .../providers/{ns}/{type}/{name}[/{action}]
  kChildResources,        // .../providers/{ns}/{type}/{name}/{childType} (scopeMaps, tokens)
  kChildResource,         // .../providers/{ns}/{type}/{name}/{childType}/{childName}
  kRoleAssignments,       // {scope}/providers/Microsoft.Authorization/roleAssignments
  kRoleAssignment,        // {scope}/providers/Microsoft.Authorization/roleAssignments/{name}
};

struct ArmPath {
  ArmRoute route = ArmRoute::kSubscriptions;
  std::string subscription;
  std::string resourceGroup;
  std::string providerNamespace;
  std::string type;
  std::string name;
  std::string action;  // lowercased: "register", "listusages", "listcredentials", ...
  std::string childType;  // as sent: "scopeMaps", "tokens"
  std::string childName;
  /// Role assignments: the id they are scoped to, as sent ("/" for the root).
  std::string scope;
};

/// kRouteUnknown for paths the API does not have.
Result<ArmPath> parseArmPath(std::string_view path);

bool iequals(std::string_view a, std::string_view b) noexcept;
std::string toLower(std::string_view s);

}  // namespace berth::mgmt
