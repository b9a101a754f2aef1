// berth role assignment create | list | delete: which operator holds which role (AcrPull,
// AcrPush, AcrDelete, Reader, Contributor, Owner) at which scope (Microsoft.Authorization).

#include <algorithm>
#include <cctype>
#include <random>

#include "cli/command_context.h"
#include "cli/command_table.h"
#include "cli/resource_view.h"

namespace berth::cli {
namespace {

constexpr std::string_view kAssignments = "/providers/Microsoft.Authorization/roleAssignments";

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string newGuid() {
  std::random_device rd;
  std::uniform_int_distribution<int> digit(0, 15);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string g = "xxxxxxxx-xxxx-4xxx-axxx-xxxxxxxxxxxx";
  for (char& c : g) {
    if (c == 'x') c = kHex[digit(rd)];
  }
  return g;
}

/// --scope, or the resource group named by -g, or "" when neither was given.
Result<std::string> scopeArgument(CommandContext& ctx) {
  auto scope = ctx.args().get("--scope");
  auto group = ctx.args().get("--resource-group");
  if (scope && group) {
    return usageError("usage error: --scope and --resource-group are mutually exclusive");
  }
  if (group) {
    auto sub = ctx.subscriptionPath();
    if (!sub.ok()) return sub.error();
    return *sub + "/resourceGroups/" + pathSegment(*group);
  }
  if (!scope) return std::string();
  if (scope->empty() || scope->front() != '/') {
    return usageError("argument --scope: expected '/' or a resource id such as "
                      "/subscriptions/<id>/resourceGroups/<group>, got '" + *scope + "'");
  }
  std::string s = *scope;
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

std::string assignmentsPath(const std::string& scope) {
  return (scope == "/" ? std::string() : scope) + std::string(kAssignments);
}

/// Every assignment visible at `scope` ("" = all) that matches --assignee and --role.
Result<Json> matchingAssignments(CommandContext& ctx, const std::string& scope, bool exactScope) {
  auto api = ctx.api();
  if (!api.ok()) return api.error();
  auto list = (*api)->get(assignmentsPath(scope.empty() ? "/" : scope));
  if (!list.ok()) return list.error();
  auto assignee = ctx.args().get("--assignee");
  auto role = ctx.args().get("--role");
  Json out = Json::array();
  for (const auto& a : list->value("value", Json::array())) {
    const Json p = a.value("properties", Json::object());
    if (assignee && lower(p.value("principalId", "")) != lower(*assignee)) continue;
    if (role && lower(p.value("roleDefinitionName", "")) != lower(*role) &&
        lower(p.value("roleDefinitionId", "")) != lower(*role)) {
      continue;
    }
    if (exactScope && !scope.empty() && lower(p.value("scope", "")) != lower(scope)) continue;
    out.push_back(a);
  }
  return out;
}

Result<CommandOutput> assignmentCreate(CommandContext& ctx) {
  auto scope = scopeArgument(ctx);
  if (!scope.ok()) return scope.error();
  if (scope->empty()) {
    return usageError("usage error: --scope is required: '/', a subscription, a resource group "
                      "or a registry id (or --resource-group)");
  }
  auto api = ctx.api();
  if (!api.ok()) return api.error();
  const std::string role = *ctx.args().get("--role");
  Json props = {{"principalId", *ctx.args().get("--assignee")}};
  // A role definition id (or its GUID) is passed on as such, a name as roleDefinitionName.
  if (role.find('/') != std::string::npos || (role.size() == 36 && role[8] == '-')) {
    props["roleDefinitionId"] = role;
  } else {
    props["roleDefinitionName"] = role;
  }
  auto result = (*api)->put(assignmentsPath(*scope) + "/" + newGuid(), Json{{"properties", props}});
  if (!result.ok()) return result.error();
  return CommandOutput(flattenResource(std::move(*result)));
}

Result<CommandOutput> assignmentList(CommandContext& ctx) {
  auto scope = scopeArgument(ctx);
  if (!scope.ok()) return scope.error();
  auto found = matchingAssignments(ctx, *scope, false);
  if (!found.ok()) return found.error();
  return CommandOutput(flattenResourceList(*found));
}

Result<CommandOutput> assignmentDelete(CommandContext& ctx) {
  auto api = ctx.api();
  if (!api.ok()) return api.error();
  std::vector<std::string> ids;
  if (auto given = ctx.args().list("--ids")) {
    if (ctx.args().has("--assignee") || ctx.args().has("--role") || ctx.args().has("--scope")) {
      return usageError("usage error: --ids cannot be combined with --assignee, --role or --scope");
    }
    ids = *given;
  } else {
    auto scope = scopeArgument(ctx);
    if (!scope.ok()) return scope.error();
    if (scope->empty() && !ctx.args().has("--assignee") && !ctx.args().has("--role")) {
      return usageError("usage error: specify --ids, or any of --assignee, --role, --scope");
    }
    auto found = matchingAssignments(ctx, *scope, true);
    if (!found.ok()) return found.error();
    for (const auto& a : *found) ids.push_back(a.value("id", ""));
  }
  if (ids.empty()) return fail(Errc::kResourceNotFound, "No matched assignments were found to delete");
  for (const auto& id : ids) {
    if (lower(id).find(lower(std::string(kAssignments)) + "/") == std::string::npos) {
      return usageError("argument --ids: '" + id + "' is not a role assignment id");
    }
    auto status = (*api)->remove(id);
    if (!status.ok()) return status.error();
  }
  return CommandOutput();
}

constexpr std::string_view kOperators = "/providers/Berth.Management/operators/";

/// `ad sp create-for-rbac`: a service principal is an operator made for a program, optionally with
/// one role at one scope. If the role cannot be assigned the operator is removed again, so nothing
/// is left half-created.
Result<CommandOutput> servicePrincipalCreate(CommandContext& ctx) {
  const std::string name = *ctx.args().get("--name");
  auto role = ctx.args().get("--role");
  auto scope = ctx.args().get("--scopes");
  if (role.has_value() != scope.has_value()) {
    return usageError("usage error: --role and --scopes go together");
  }
  if (scope && (scope->empty() || scope->front() != '/')) {
    return usageError("argument --scopes: expected '/' or a resource id, got '" + *scope + "'");
  }
  auto api = ctx.api();
  if (!api.ok()) return api.error();
  const std::string operatorPath = std::string(kOperators) + pathSegment(name);
  auto created = (*api)->put(operatorPath, Json::object());
  if (!created.ok()) return created.error();
  if (role) {
    Json props = {{"principalId", name}, {"roleDefinitionName", *role}};
    auto assigned = (*api)->put(assignmentsPath(*scope) + "/" + newGuid(), Json{{"properties", props}});
    if (!assigned.ok()) {
      (void)(*api)->remove(operatorPath);
      return assigned.error();
    }
  }
  ctx.warn("The output includes credentials that you must protect; the password cannot be shown "
           "again. Sign in to a registry with: docker login <login server> -u " + name +
           " -p <password>");
  return CommandOutput(Json{{"appId", name},
                            {"displayName", name},
                            {"password", created->value("password", std::string())},
                            {"tenant", "berth"}});
}

Result<CommandOutput> servicePrincipalDelete(CommandContext& ctx) {
  auto api = ctx.api();
  if (!api.ok()) return api.error();
  auto removed = (*api)->remove(std::string(kOperators) + pathSegment(*ctx.args().get("--id")));
  if (!removed.ok()) return removed.error();
  if (*removed == 204) {
    return fail(Errc::kResourceNotFound, "no service principal named '" +
                                             *ctx.args().get("--id") + "'");
  }
  return CommandOutput();
}

// az's role assignment table: Principal, Role, Scope.
Json assignmentTable(const Json& value) {
  auto row = [](const Json& a) {
    return Json{{"Principal", a.value("principalName", a.value("principalId", ""))},
                {"Role", a.value("roleDefinitionName", "")},
                {"Scope", a.value("scope", "")}};
  };
  if (!value.is_array()) return row(value);
  Json rows = Json::array();
  for (const auto& a : value) rows.push_back(row(a));
  return rows;
}

OptionSpec assigneeOption() {
  return OptionSpec::value("--assignee", "", "The operator (user name) the role is assigned to.");
}
OptionSpec roleOption() {
  return OptionSpec::value("--role", "",
                           "Role name (AcrPull, AcrPush, AcrDelete, Reader, Contributor, Owner) "
                           "or role definition id.");
}
OptionSpec scopeOption() {
  return OptionSpec::value("--scope", "",
                           "'/', /subscriptions/<id>, .../resourceGroups/<group>, or a registry "
                           "id.");
}
OptionSpec groupOption() {
  return OptionSpec::value("--resource-group", "-g", "Use the resource group as the scope.");
}

}  // namespace

void registerServicePrincipalCommands(CommandTable& table) {
  table.addGroup("ad", "Identities that sign in to berth (operators).");
  table.addGroup("ad sp", "Service principals: operators made for programs, e.g. a cluster's pull secret.");
  table.add({.path = "ad sp create-for-rbac",
             .summary = "Create a service principal, optionally with a role at a scope.",
             .options = {OptionSpec::value("--name", "-n", "Its name (the username it signs in with).")
                             .require(),
                         roleOption(),
                         OptionSpec::value("--scopes", "", "Where the role applies: '/' or a resource id.")},
             .run = servicePrincipalCreate});
  table.add({.path = "ad sp delete",
             .summary = "Delete a service principal and its role assignments.",
             .options = {OptionSpec::value("--id", "", "The service principal's name (appId).").require()},
             .run = servicePrincipalDelete});
}

void registerRoleCommands(CommandTable& table) {
  table.addGroup("role", "Manage user roles for access control.");
  table.addGroup("role assignment", "Manage role assignments of operators.");
  table.add({.path = "role assignment create",
             .summary = "Create a new role assignment for an operator.",
             .options = {assigneeOption().require(), roleOption().require(), scopeOption(),
                         groupOption()},
             .run = assignmentCreate,
             .tableTransform = assignmentTable});
  table.add({.path = "role assignment list",
             .summary = "List role assignments (at, above and below --scope when given).",
             .options = {assigneeOption(), roleOption(), scopeOption(), groupOption(),
                         OptionSpec::flag("--all", "", "Show all assignments (the default).")},
             .run = assignmentList,
             .tableTransform = assignmentTable});
  table.add({.path = "role assignment delete",
             .summary = "Delete role assignments by id, or those matching assignee, role and "
                        "scope.",
             .options = {OptionSpec::list("--ids", "", "Space-separated role assignment ids."),
                         assigneeOption(), roleOption(), scopeOption(), groupOption()},
             .run = assignmentDelete});
}

}  // namespace berth::cli
