#pragma once
// The data-plane permission model: who may do what on which repository. Pure functions over
// plain values, no I/O; the token server calls grant() and the data plane calls allows().
//
// Principals:
//  - anonymous: pull on every repository, only when the registry enables anonymous pull.
//  - the admin user (username = registry name): everything on its own registry, catalog included,
//    only while the registry's admin user is enabled.
//  - identities (management users, service principals): the union of their role assignments whose
//    ARM scope is the registry, its resource group, its subscription, or "/" (ids compare
//    case-insensitively, segment by segment).
//  - repository-scoped tokens: their scope map's actions, on their own registry only, while enabled
//    and unexpired; never the catalog.
//
// Role -> data-plane actions (the same on every repository of the registry):
//   AcrPull      pull
//   AcrPush      pull, push
//   AcrDelete    delete
//   Reader       pull, metadata_read, catalog
//   Contributor  pull, push, delete, metadata_read, metadata_write, catalog
//   Owner        the same as Contributor (Owner's extra right, assigning roles, is
//   management-plane)

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/scope.h"
#include "common/result.h"

namespace berth::auth {

enum class Role : std::uint8_t { kAcrPull, kAcrPush, kAcrDelete, kReader, kContributor, kOwner };

/// Case-insensitive role name ("AcrPull", "acrpull"), nullopt when unknown.
std::optional<Role> parseRole(std::string_view name);
std::string_view roleName(Role role);
/// The actions a role grants on every repository of a registry it applies to (kCatalog included
/// when the role grants listing).
ActionSet roleActions(Role role);

struct RoleAssignment {
  std::string scope;  // ARM id: "/", /subscriptions/<s>, .../resourceGroups/<g>, or a registry id
  Role role = Role::kAcrPull;
};

/// True when an assignment at `scope` covers the registry `registryId`: equal ids, or `scope` is
/// "/", a subscription id or a resource group id that contains it. Any other shape of scope (e.g.
/// "/subscriptions" alone, empty segments) covers nothing, so a malformed assignment fails closed.
bool scopeCovers(std::string_view scope, std::string_view registryId);

/// A compiled scope map: ACR-style actions
///   repositories/<repo>/content/read|write|delete     -> pull | push | delete
///   repositories/<repo>/metadata/read|write           -> metadata_read | metadata_write
/// where <repo> is a repository name, "*" (every repository) or "<prefix>/*" (every repository
/// below prefix, at any depth; not prefix itself).
class ScopeMap {
 public:
  /// kInvalidParameter naming the first malformed action.
  static Result<ScopeMap> parse(const std::vector<std::string>& actions);
  /// What the map allows on `repository` (never kCatalog).
  ActionSet actionsFor(std::string_view repository) const;

 private:
  struct Rule {
    enum class Match : std::uint8_t { kExact, kPrefix, kAll };
    Match match = Match::kExact;
    std::string repository;  // the name, or the prefix including its trailing '/'
    ActionSet actions;
  };
  std::vector<Rule> rules_;
};

enum class PrincipalKind : std::uint8_t { kAnonymous, kAdminUser, kIdentity, kRepositoryToken };

struct Principal {
  PrincipalKind kind = PrincipalKind::kAnonymous;
  std::string name;        // the JWT subject; empty for anonymous
  std::string registryId;  // admin user and tokens: the one registry they belong to
  std::vector<RoleAssignment> roleAssignments;  // kIdentity
  ScopeMap scopeMap;                            // kRepositoryToken
  bool enabled = true;                          // kRepositoryToken (and a disabled identity)
  std::int64_t expiresUnixSeconds = 0;          // kRepositoryToken; 0 = never

  static Principal anonymous();
  static Principal adminUser(std::string registryName, std::string registryId);
  static Principal identity(std::string name, std::vector<RoleAssignment> assignments);
  static Principal repositoryToken(std::string name, std::string registryId, ScopeMap scopeMap,
                                   bool enabled = true, std::int64_t expiresUnixSeconds = 0);
};

/// The registry a request is for, with the switches that change who may do what.
struct RegistryRef {
  std::string id;  // ARM resource id, .../providers/Microsoft.ContainerRegistry/registries/<name>
  bool adminUserEnabled = false;
  bool anonymousPullEnabled = false;
};

/// What a token carries: merged scopes, each with only granted actions (the `access` claim).
struct GrantedAccess {
  std::vector<Scope> scopes;
};

/// The intersection of `requested` with what `principal` may do on `registry` at `now`: never
/// more than requested; what is not allowed is silently dropped (the token server answers with
/// a token lacking it, and the data plane refuses the operation later). Duplicate requested scopes
/// are merged. Disabled or expired principals get nothing.
GrantedAccess grant(const Principal& principal, const RegistryRef& registry,
                    const std::vector<Scope>& requested, std::int64_t nowUnixSeconds);

/// What `principal` may do on one resource of `registry` at `now` (a repository by name, or the
/// registry's catalog): the same rule grant() applies to each requested scope, without building
/// scopes. Empty for disabled or expired principals.
ActionSet permittedActions(const Principal& principal, const RegistryRef& registry,
                           ResourceType type, std::string_view name, std::int64_t nowUnixSeconds);

/// True when `access` allows `action` on `repository` (ignored for kCatalog, which needs a
/// registry:catalog:* entry). Resource classes are ignored: repository(plugin):x is x.
bool allows(const GrantedAccess& access, std::string_view repository, Action action);

/// Cross-repository blob mount: pull on the source and push on the target.
bool canMount(const GrantedAccess& access, std::string_view fromRepository,
              std::string_view toRepository);

}  // namespace berth::auth
