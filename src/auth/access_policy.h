#pragma once
// Who may authenticate to a registry, as one immutable value the control plane publishes and the
// data plane reads without a lock or a database query. A change (admin enabled, a token created or
// disabled, a password regenerated, a role assigned) builds a new value and swaps it in.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "auth/permissions.h"

namespace berth::auth {

/// A repository-scoped token (`berth acr token`): a name, up to two passwords and a scope map.
struct RepositoryTokenPolicy {
  std::string name;  // as created; the username clients send (compared case-insensitively)
  bool enabled = true;
  std::int64_t expiresUnixSeconds = 0;  // 0: never
  /// hashPassword() (scrypt) of each password that is set; at most two.
  std::vector<std::string> passwordHashes;
  ScopeMap scopeMap;
};

/// Everything about one registry that decides who may authenticate and what they get.
struct RegistryAccessPolicy {
  /// False only for registries declared in the configuration with `authentication: disabled`
  /// (local development, benchmarks): every request is served as if fully authorized.
  bool authenticationRequired = true;
  RegistryRef registry;     // ARM id (a synthetic one for configured registries), switches
  std::string name;         // lowercase registry name = the admin user's name
  std::string loginServer;  // <name>.<domain>: the token audience and the `service`
  /// tokenDigest() of each admin password. They are generated, 190-bit random strings, so a fast
  /// hash is as safe as a slow one; the sealed copies `credential show` needs stay in the store.
  std::vector<std::string> adminPasswordDigests;
  /// Keyed by lowercased token name.
  std::map<std::string, RepositoryTokenPolicy, std::less<>> tokens;
};

/// Role assignments of every identity (management operator), keyed by lowercased name.
struct RoleAssignmentIndex {
  std::map<std::string, std::vector<RoleAssignment>, std::less<>> byPrincipal;

  const std::vector<RoleAssignment>* find(std::string_view lowercasedName) const {
    auto it = byPrincipal.find(lowercasedName);
    return it == byPrincipal.end() ? nullptr : &it->second;
  }
};

}  // namespace berth::auth
