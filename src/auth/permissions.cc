#include "auth/permissions.h"

#include <array>
#include <utility>

#include "common/reference.h"

namespace berth::auth {

namespace {

struct RoleRow {
  Role role;
  std::string_view name;
  ActionSet actions;
};

constexpr std::array kRoles = {
    RoleRow{Role::kAcrPull, "AcrPull", {Action::kPull}},
    RoleRow{Role::kAcrPush, "AcrPush", {Action::kPull, Action::kPush}},
    RoleRow{Role::kAcrDelete, "AcrDelete", {Action::kDelete}},
    RoleRow{Role::kReader, "Reader", {Action::kPull, Action::kMetadataRead, Action::kCatalog}},
    RoleRow{Role::kContributor, "Contributor", ActionSet::all()},
    RoleRow{Role::kOwner, "Owner", ActionSet::all()},
};

constexpr bool rolesInEnumOrder() {
  for (std::size_t i = 0; i < kRoles.size(); ++i) {
    if (static_cast<std::size_t>(kRoles[i].role) != i) {
      return false;
    }
  }
  return kRoles.size() == static_cast<std::size_t>(Role::kOwner) + 1;
}
static_assert(rolesInEnumOrder(), "kRoles must list every Role in declaration order");

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) {
      return false;
    }
  }
  return true;
}

// "/a/b/c" -> {a, b, c}; nullopt for a missing leading '/', or an empty segment anywhere
// (a single trailing '/' is tolerated). "/" alone is the empty list.
std::optional<std::vector<std::string_view>> armSegments(std::string_view id) {
  if (id.empty() || id.front() != '/') {
    return std::nullopt;
  }
  id.remove_prefix(1);
  if (!id.empty() && id.back() == '/') {
    id.remove_suffix(1);
  }
  std::vector<std::string_view> segments;
  if (id.empty()) {
    return segments;
  }
  while (true) {
    const std::size_t slash = id.find('/');
    const std::string_view segment = id.substr(0, slash);
    if (segment.empty()) {
      return std::nullopt;
    }
    segments.push_back(segment);
    if (slash == std::string_view::npos) {
      return segments;
    }
    id.remove_prefix(slash + 1);
  }
}

Unexpected invalidAction(std::string_view action, std::string why) {
  return fail(Errc::kInvalidParameter, "scope map action " + std::string(action.substr(0, 300)) +
                                           " is invalid: " + std::move(why));
}

bool tokenUsable(const Principal& p, const RegistryRef& registry, std::int64_t now) {
  return (p.expiresUnixSeconds == 0 || now < p.expiresUnixSeconds) &&
         equalsIgnoreCase(p.registryId, registry.id) && !registry.id.empty();
}

}  // namespace

std::optional<Role> parseRole(std::string_view name) {
  for (const auto& row : kRoles) {
    if (equalsIgnoreCase(row.name, name)) {
      return row.role;
    }
  }
  return std::nullopt;
}

std::string_view roleName(Role role) { return kRoles[static_cast<std::size_t>(role)].name; }

ActionSet roleActions(Role role) { return kRoles[static_cast<std::size_t>(role)].actions; }

bool scopeCovers(std::string_view scope, std::string_view registryId) {
  const auto s = armSegments(scope);
  const auto r = armSegments(registryId);
  if (!s || !r || r->empty()) {
    return false;
  }
  for (std::size_t i = 0; i < s->size() && i < r->size(); ++i) {
    if (!equalsIgnoreCase((*s)[i], (*r)[i])) {
      return false;
    }
  }
  if (s->size() == r->size()) {
    return true;  // the registry itself
  }
  if (s->size() > r->size()) {
    return false;  // narrower than the registry (or another resource altogether)
  }
  // Broader scopes count only in their well-formed shapes: root, subscription, resource group.
  switch (s->size()) {
    case 0:
      return true;
    case 2:
      return equalsIgnoreCase((*s)[0], "subscriptions");
    case 4:
      return equalsIgnoreCase((*s)[0], "subscriptions") &&
             equalsIgnoreCase((*s)[2], "resourceGroups");
    default:
      return false;
  }
}

Result<ScopeMap> ScopeMap::parse(const std::vector<std::string>& actions) {
  ScopeMap map;
  for (const std::string& text : actions) {
    std::string_view rest = text;
    constexpr std::string_view kPrefix = "repositories/";
    if (!rest.starts_with(kPrefix)) {
      return invalidAction(text, "it must start with repositories/");
    }
    rest.remove_prefix(kPrefix.size());
    // The repository may contain '/', so the kind and verb are the last two segments.
    const std::size_t verbSlash = rest.rfind('/');
    if (verbSlash == std::string_view::npos || verbSlash == 0) {
      return invalidAction(text, "it must end with /content/<verb> or /metadata/<verb>");
    }
    const std::string_view verb = rest.substr(verbSlash + 1);
    rest = rest.substr(0, verbSlash);
    const std::size_t kindSlash = rest.rfind('/');
    if (kindSlash == std::string_view::npos) {
      return invalidAction(text, "it must end with /content/<verb> or /metadata/<verb>");
    }
    const std::string_view kind = rest.substr(kindSlash + 1);
    const std::string_view repository = rest.substr(0, kindSlash);

    Action action;
    if (kind == "content" && verb == "read") {
      action = Action::kPull;
    } else if (kind == "content" && verb == "write") {
      action = Action::kPush;
    } else if (kind == "content" && verb == "delete") {
      action = Action::kDelete;
    } else if (kind == "metadata" && verb == "read") {
      action = Action::kMetadataRead;
    } else if (kind == "metadata" && verb == "write") {
      action = Action::kMetadataWrite;
    } else {
      return invalidAction(text,
                           "the operation must be content/read, content/write, content/delete, "
                           "metadata/read or metadata/write");
    }

    Rule rule;
    if (repository == "*") {
      rule.match = Rule::Match::kAll;
    } else if (repository.ends_with("/*")) {
      const std::string_view prefix = repository.substr(0, repository.size() - 2);
      if (auto st = validateRepositoryName(prefix); !st.ok()) {
        return invalidAction(text, "the repository prefix before /* is not a repository name");
      }
      rule.match = Rule::Match::kPrefix;
      rule.repository = std::string(prefix) + "/";
    } else {
      if (auto st = validateRepositoryName(repository); !st.ok()) {
        return invalidAction(text,
                             "the repository must be a repository name, * or <prefix>/* "
                             "(a wildcard only as the last path segment)");
      }
      rule.match = Rule::Match::kExact;
      rule.repository = std::string(repository);
    }
    rule.actions.add(action);
    map.rules_.push_back(std::move(rule));
  }
  return map;
}

ActionSet ScopeMap::actionsFor(std::string_view repository) const {
  ActionSet out;
  for (const auto& rule : rules_) {
    const bool matches =
        rule.match == Rule::Match::kAll ||
        (rule.match == Rule::Match::kExact && repository == rule.repository) ||
        (rule.match == Rule::Match::kPrefix && repository.size() > rule.repository.size() &&
         repository.starts_with(rule.repository));
    if (matches) {
      out |= rule.actions;
    }
  }
  out.remove(Action::kCatalog);
  return out;
}

Principal Principal::anonymous() { return Principal{}; }

Principal Principal::adminUser(std::string registryName, std::string registryId) {
  Principal p;
  p.kind = PrincipalKind::kAdminUser;
  p.name = std::move(registryName);
  p.registryId = std::move(registryId);
  return p;
}

Principal Principal::identity(std::string name, std::vector<RoleAssignment> assignments) {
  Principal p;
  p.kind = PrincipalKind::kIdentity;
  p.name = std::move(name);
  p.roleAssignments = std::move(assignments);
  return p;
}

Principal Principal::repositoryToken(std::string name, std::string registryId, ScopeMap scopeMap,
                                     bool enabled, std::int64_t expiresUnixSeconds) {
  Principal p;
  p.kind = PrincipalKind::kRepositoryToken;
  p.name = std::move(name);
  p.registryId = std::move(registryId);
  p.scopeMap = std::move(scopeMap);
  p.enabled = enabled;
  p.expiresUnixSeconds = expiresUnixSeconds;
  return p;
}

namespace {

/// What a principal may do on a registry, before looking at any particular resource.
struct Rights {
  // Registry-wide rights apply to every repository (and to the catalog when they include it);
  // a scope map's rights depend on the repository and never include the catalog.
  ActionSet registryWide;
  const ScopeMap* scopeMap = nullptr;
};

Rights rightsOf(const Principal& principal, const RegistryRef& registry, std::int64_t now) {
  Rights rights;
  if (!principal.enabled) {
    return rights;
  }
  switch (principal.kind) {
    case PrincipalKind::kAnonymous:
      if (registry.anonymousPullEnabled) {
        rights.registryWide.add(Action::kPull);
      }
      break;
    case PrincipalKind::kAdminUser:
      if (registry.adminUserEnabled && !registry.id.empty() &&
          equalsIgnoreCase(principal.registryId, registry.id)) {
        rights.registryWide = ActionSet::all();
      }
      break;
    case PrincipalKind::kIdentity:
      for (const auto& assignment : principal.roleAssignments) {
        if (scopeCovers(assignment.scope, registry.id)) {
          rights.registryWide |= roleActions(assignment.role);
        }
      }
      break;
    case PrincipalKind::kRepositoryToken:
      if (tokenUsable(principal, registry, now)) {
        rights.scopeMap = &principal.scopeMap;
      }
      break;
  }
  return rights;
}

ActionSet actionsOn(const Rights& rights, ResourceType type, std::string_view name) {
  if (type == ResourceType::kRegistry) {
    return rights.registryWide & ActionSet{Action::kCatalog};
  }
  ActionSet allowed = rights.registryWide;
  if (rights.scopeMap != nullptr) {
    allowed |= rights.scopeMap->actionsFor(name);
  }
  return allowed & ActionSet::allRepository();
}

}  // namespace

ActionSet permittedActions(const Principal& principal, const RegistryRef& registry,
                           ResourceType type, std::string_view name, std::int64_t nowUnixSeconds) {
  return actionsOn(rightsOf(principal, registry, nowUnixSeconds), type, name);
}

GrantedAccess grant(const Principal& principal, const RegistryRef& registry,
                    const std::vector<Scope>& requested, std::int64_t nowUnixSeconds) {
  GrantedAccess out;
  const Rights rights = rightsOf(principal, registry, nowUnixSeconds);
  for (Scope scope : mergeScopes(requested)) {
    scope.actions = scope.actions & actionsOn(rights, scope.type, scope.name);
    if (!scope.actions.empty()) {
      out.scopes.push_back(std::move(scope));
    }
  }
  return out;
}

bool allows(const GrantedAccess& access, std::string_view repository, Action action) {
  for (const auto& scope : access.scopes) {
    if (action == Action::kCatalog) {
      if (scope.type == ResourceType::kRegistry && scope.actions.has(Action::kCatalog)) {
        return true;
      }
    } else if (scope.type == ResourceType::kRepository && scope.name == repository &&
               scope.actions.has(action)) {
      return true;
    }
  }
  return false;
}

bool canMount(const GrantedAccess& access, std::string_view fromRepository,
              std::string_view toRepository) {
  return allows(access, fromRepository, Action::kPull) &&
         allows(access, toRepository, Action::kPush);
}

}  // namespace berth::auth
