// ControlPlane: Microsoft.Authorization/roleAssignments — which operator holds which role at
// which scope. Stored under their scope's key, so deleting a group or registry deletes its
// assignments; published to the data plane as one RoleAssignmentIndex after every change.

#include <algorithm>
#include <array>

#include "mgmt/arm_path.h"
#include "common/rfc3339.h"
#include "mgmt/control_plane.h"
#include "mgmt/operator_auth.h"
#include "mgmt/resource_validation.h"

namespace berth::mgmt {

namespace {

constexpr std::string_view kAssignmentsSegment = "/providers/Microsoft.Authorization/roleAssignments/";
constexpr std::string_view kRoleDefinitions = "/providers/Microsoft.Authorization/roleDefinitions/";

struct BuiltInRole {
  auth::Role role;
  std::string_view id;  // the cloud's built-in role definition GUID, so ids match the cloud's
};

constexpr std::array kBuiltInRoles = {
    BuiltInRole{auth::Role::kAcrPull, "7f951dda-4ed3-4680-a7ca-43fe172d538d"},
    BuiltInRole{auth::Role::kAcrPush, "8311e382-0749-4cb8-b61a-304f252e45ec"},
    BuiltInRole{auth::Role::kAcrDelete, "c2f4ef07-c644-48eb-af81-4b1b4947fb11"},
    BuiltInRole{auth::Role::kReader, "acdd72a7-3385-48ef-bd42-f606fba81ae7"},
    BuiltInRole{auth::Role::kContributor, "b24988ac-6180-42a0-ab88-20f7382dd24c"},
    BuiltInRole{auth::Role::kOwner, "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"},
};

std::string_view roleDefinitionGuid(auth::Role role) {
  for (const auto& r : kBuiltInRoles) {
    if (r.role == role) return r.id;
  }
  return {};
}

Error unknownRole(std::string_view given) {
  std::string names;
  for (const auto& r : kBuiltInRoles) names += (names.empty() ? "" : ", ") + std::string(auth::roleName(r.role));
  return makeError(Errc::kInvalidParameter, "The role '" + std::string(given.substr(0, 200)) +
                                                "' does not exist; use one of " + names + ".");
}

/// Accepts roleDefinitionName ("AcrPull") or roleDefinitionId (".../roleDefinitions/<guid>", or
/// a bare GUID or role name as the last segment).
Result<auth::Role> roleOf(const Json& props) {
  if (props.contains("roleDefinitionName") && props["roleDefinitionName"].is_string()) {
    const std::string name = props["roleDefinitionName"];
    if (auto role = auth::parseRole(name)) return *role;
    return unknownRole(name);
  }
  if (!props.contains("roleDefinitionId") || !props["roleDefinitionId"].is_string()) {
    return fail(Errc::kInvalidParameter,
                "properties.roleDefinitionId (or roleDefinitionName) is required");
  }
  const std::string id = props["roleDefinitionId"];
  const std::string last = id.substr(id.rfind('/') + 1);
  for (const auto& r : kBuiltInRoles) {
    if (iequals(r.id, last)) return r.role;
  }
  if (auto role = auth::parseRole(last)) return *role;
  return unknownRole(id);
}

/// "/" stays; a trailing '/' goes.
std::string normalizeScope(std::string_view scope) {
  std::string s(scope);
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  if (s.empty()) s = "/";
  return s;
}

std::string assignmentKey(std::string_view scope, std::string_view name) {
  return toLower((scope == "/" ? std::string() : std::string(scope)) +
                 std::string(kAssignmentsSegment) + std::string(name));
}

/// True when `outer` is `inner` or one of its ancestors (lowercased, normalized ids).
bool contains(std::string_view outer, std::string_view inner) {
  if (outer == "/" || outer == inner) return true;
  return inner.size() > outer.size() && inner.starts_with(outer) && inner[outer.size()] == '/';
}

struct StoredAssignment {
  std::string key;
  std::string principal;  // lowercased
  std::string scope;      // as stored
  auth::Role role = auth::Role::kAcrPull;
};

std::optional<StoredAssignment> parseAssignment(const metadata::ResourceRow& row) {
  Json doc = Json::parse(row.body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc["properties"].is_object()) return std::nullopt;
  const Json& p = doc["properties"];
  auto role = auth::parseRole(p.value("roleDefinitionName", ""));
  if (!role) return std::nullopt;
  return StoredAssignment{row.key, toLower(p.value("principalId", "")), p.value("scope", "/"), *role};
}

}  // namespace

Result<std::string> ControlPlane::canonicalAssignmentScope(std::string_view scope) {
  const std::string s = normalizeScope(scope);
  if (s == "/") return s;
  std::vector<std::string_view> seg;
  std::string_view rest = std::string_view(s).substr(1);
  while (!rest.empty()) {
    const std::size_t slash = rest.find('/');
    seg.push_back(rest.substr(0, slash));
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  }
  const bool sub = seg.size() >= 2 && iequals(seg[0], "subscriptions");
  if (sub && seg.size() == 2) {
    auto row = requireSubscription(seg[1]);
    if (!row.ok()) return row.error();
    return subscriptionId(Json::parse(row->body).value("subscriptionId", std::string(seg[1])));
  }
  if (sub && seg.size() == 4 && iequals(seg[2], "resourceGroups")) {
    auto row = requireGroup(seg[1], seg[3]);
    if (!row.ok()) return row.error();
    return Json::parse(row->body).value("id", s);
  }
  if (sub && seg.size() == 8 && iequals(seg[2], "resourceGroups") && iequals(seg[4], "providers") &&
      iequals(seg[5], "Microsoft.ContainerRegistry") && iequals(seg[6], "registries")) {
    auto row = requireRegistry({seg[1], seg[3], seg[7]});
    if (!row.ok()) return row.error();
    return Json::parse(row->body).value("id", s);
  }
  return fail(Errc::kInvalidParameter,
              "The scope '" + s.substr(0, 300) +
                  "' is not valid for a role assignment; use '/', /subscriptions/<id>, "
                  "/subscriptions/<id>/resourceGroups/<group> or a registry id.");
}

Result<PutResult> ControlPlane::createRoleAssignment(const std::string& scope,
                                                     std::string_view name,
                                                     std::string_view principal,
                                                     auth::Role role) {
  const std::string now = formatRfc3339(clock_.nowUnixSeconds());
  std::string definitionScope;
  if (scope != "/") {
    const std::size_t end = scope.find('/', std::string_view("/subscriptions/").size());
    definitionScope = scope.substr(0, end);
  }
  Json doc = {{"id", (scope == "/" ? std::string() : scope) + std::string(kAssignmentsSegment) +
                         std::string(name)},
              {"name", std::string(name)},
              {"type", "Microsoft.Authorization/roleAssignments"},
              {"properties",
               {{"condition", nullptr},
                {"conditionVersion", nullptr},
                {"createdBy", nullptr},
                {"createdOn", now},
                {"description", nullptr},
                {"principalId", std::string(principal)},
                {"principalName", std::string(principal)},
                {"principalType", "User"},
                {"roleDefinitionId", definitionScope + std::string(kRoleDefinitions) +
                                         std::string(roleDefinitionGuid(role))},
                {"roleDefinitionName", auth::roleName(role)},
                {"scope", scope},
                {"updatedBy", nullptr},
                {"updatedOn", now}}}};
  const std::string key = assignmentKey(scope, name);
  const std::string mustNotExist;
  BERTH_TRY(resources_.putResource(metadata::ResourceRow{key, std::string(kRoleAssignmentType),
                                                         toLower(name), doc.dump(), ""},
                                   &mustNotExist));
  BERTH_TRY(publishRoleAssignmentIndex());
  return PutResult{std::move(doc), true};
}

Result<PutResult> ControlPlane::putRoleAssignment(std::string_view scope, std::string_view name,
                                                  const Json& body) {
  if (!isUuid(name)) {
    return fail(Errc::kInvalidParameter, "role assignment names are GUIDs, e.g. " + randomUuid());
  }
  if (!body.is_object() || !body["properties"].is_object()) {
    return fail(Errc::kInvalidParameter,
                "the body must be {\"properties\": {\"roleDefinitionId\" or "
                "\"roleDefinitionName\", \"principalId\"}}");
  }
  const Json& props = body["properties"];
  auto role = roleOf(props);
  if (!role.ok()) return role.error();
  if (!props.contains("principalId") || !props["principalId"].is_string()) {
    return fail(Errc::kInvalidParameter, "properties.principalId (an operator's name) is required");
  }
  const std::string principal = toLower(props["principalId"].get<std::string>());
  if (!credentials_.getCredential(kOperatorCredentialKind, principal).ok()) {
    return fail(Errc::kInvalidParameter,
                "Principal '" + principal.substr(0, 100) +
                    "' does not exist; create the operator first "
                    "(PUT /providers/Berth.Management/operators/" + principal.substr(0, 100) + ").");
  }
  auto canonical = canonicalAssignmentScope(scope);
  if (!canonical.ok()) return canonical.error();
  std::lock_guard lock(writer_);
  std::optional<StoredAssignment> same;
  std::optional<StoredAssignment> sameName;
  const std::string key = assignmentKey(*canonical, name);
  BERTH_TRY(resources_.listResources(kRoleAssignmentType, "", [&](const metadata::ResourceRow& r) {
    auto a = parseAssignment(r);
    if (!a) return;
    if (r.key == key) sameName = a;
    if (a->principal == principal && a->role == *role && toLower(a->scope) == toLower(*canonical)) same = a;
  }));
  if (sameName) {
    if (same && same->key == key) {
      auto row = resources_.getResource(key);
      if (!row.ok()) return row.error();
      auto doc = loadDocument(*row);
      if (!doc.ok()) return doc.error();
      doc->erase("etag");
      return PutResult{std::move(*doc), false};
    }
    return fail(Errc::kConflict,
                "The role assignment '" + std::string(name) +
                    "' exists with another principal or role; role assignments cannot be "
                    "changed: delete it and create a new one.");
  }
  if (same) {
    return fail(Errc::kConflict, "The role assignment already exists: '" + principal + "' has " +
                                     std::string(auth::roleName(*role)) + " at '" + *canonical +
                                     "'.");
  }
  return createRoleAssignment(*canonical, name, principal, *role);
}

Result<Json> ControlPlane::getRoleAssignment(std::string_view scope, std::string_view name) {
  auto row = resources_.getResource(assignmentKey(normalizeScope(scope), name));
  if (!row.ok()) {
    if (row.error().code != Errc::kResourceNotFound) return row.error();
    return fail(Errc::kResourceNotFound, "The role assignment '" + std::string(name.substr(0, 100)) +
                                             "' is not found at scope '" +
                                             normalizeScope(scope).substr(0, 300) + "'.");
  }
  auto doc = loadDocument(*row);
  if (!doc.ok()) return doc.error();
  doc->erase("etag");
  return doc;
}

Result<Json> ControlPlane::listRoleAssignments(std::string_view scope) {
  const std::string at = toLower(normalizeScope(scope));
  Json list = Json::array();
  BERTH_TRY(resources_.listResources(kRoleAssignmentType, "", [&](const metadata::ResourceRow& r) {
    auto a = parseAssignment(r);
    if (!a) return;
    const std::string s = toLower(normalizeScope(a->scope));
    if (!contains(s, at) && !contains(at, s)) return;
    auto doc = loadDocument(r);
    if (!doc.ok()) return;
    doc->erase("etag");
    list.push_back(std::move(*doc));
  }));
  return Json{{"value", std::move(list)}};
}

Result<bool> ControlPlane::deleteRoleAssignment(std::string_view scope, std::string_view name) {
  std::lock_guard lock(writer_);
  auto deleted = resources_.deleteResourceTree(assignmentKey(normalizeScope(scope), name));
  if (!deleted.ok()) return deleted.error();
  if (*deleted == 0) return false;
  BERTH_TRY(publishRoleAssignmentIndex());
  return true;
}

Status ControlPlane::ensureRoleAssignment(std::string_view principal, auth::Role role,
                                          std::string_view scope) {
  const std::string who = toLower(principal);
  if (!credentials_.getCredential(kOperatorCredentialKind, who).ok()) {
    return fail(Errc::kInvalidParameter, "Principal '" + who + "' does not exist.");
  }
  auto canonical = canonicalAssignmentScope(scope);
  if (!canonical.ok()) return canonical.error();
  std::lock_guard lock(writer_);
  bool exists = false;
  BERTH_TRY(resources_.listResources(kRoleAssignmentType, "", [&](const metadata::ResourceRow& r) {
    auto a = parseAssignment(r);
    exists = exists || (a && a->principal == who && a->role == role &&
                        toLower(a->scope) == toLower(*canonical));
  }));
  if (exists) return okStatus();
  auto created = createRoleAssignment(*canonical, randomUuid(), who, role);
  if (!created.ok()) return created.error();
  return okStatus();
}

Status ControlPlane::removeRoleAssignmentsOf(std::string_view principal) {
  const std::string who = toLower(principal);
  std::lock_guard lock(writer_);
  std::vector<std::string> keys;
  BERTH_TRY(resources_.listResources(kRoleAssignmentType, "", [&](const metadata::ResourceRow& r) {
    auto a = parseAssignment(r);
    if (a && a->principal == who) keys.push_back(r.key);
  }));
  for (const auto& key : keys) {
    auto deleted = resources_.deleteResourceTree(key);
    if (!deleted.ok()) return deleted.error();
  }
  return publishRoleAssignmentIndex();
}

Result<std::vector<auth::RoleAssignment>> ControlPlane::roleAssignmentsOf(
    std::string_view principal) {
  const std::string who = toLower(principal);
  std::vector<auth::RoleAssignment> out;
  BERTH_TRY(resources_.listResources(kRoleAssignmentType, "", [&](const metadata::ResourceRow& r) {
    auto a = parseAssignment(r);
    if (a && a->principal == who) out.push_back(auth::RoleAssignment{a->scope, a->role});
  }));
  return out;
}

Status ControlPlane::publishRoleAssignmentIndex() {
  auth::RoleAssignmentIndex index;
  BERTH_TRY(resources_.listResources(kRoleAssignmentType, "", [&](const metadata::ResourceRow& r) {
    auto a = parseAssignment(r);
    if (a) index.byPrincipal[a->principal].push_back(auth::RoleAssignment{a->scope, a->role});
  }));
  host_.publishRoleAssignments(std::move(index));
  return okStatus();
}

}  // namespace berth::mgmt
