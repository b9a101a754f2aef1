#include "auth/authenticator.h"

#include <algorithm>

#include "auth/secret_hash.h"

namespace berth::auth {

namespace {

/// Which purpose a token serves; a refresh token must never pass as an access token or back.
constexpr std::string_view kUseClaim = "berth_use";
constexpr std::string_view kKindClaim = "berth_kind";
constexpr std::string_view kUseAccess = "access";
constexpr std::string_view kUseRefresh = "refresh";

Error unauthorized() { return makeError(Errc::kUnauthorized, std::string(kInvalidTokenMessage)); }
Error badCredentials() {
  return makeError(Errc::kUnauthorized, "incorrect username or password");
}

Error rejected(std::string* reason, std::string why, Error error) {
  if (reason != nullptr) *reason = std::move(why);
  return error;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && lower(a) == lower(b);
}

Principal identityPrincipal(std::string name, const RoleAssignmentIndex& roles) {
  const auto* assignments = roles.find(lower(name));
  return Principal::identity(std::move(name),
                             assignments ? *assignments : std::vector<RoleAssignment>{});
}

}  // namespace

std::string_view principalKindName(PrincipalKind kind) {
  switch (kind) {
    case PrincipalKind::kAnonymous: return "anonymous";
    case PrincipalKind::kAdminUser: return "admin";
    case PrincipalKind::kIdentity: return "identity";
    case PrincipalKind::kRepositoryToken: return "token";
  }
  return "anonymous";
}

Authenticator::Authenticator(const SigningKeySet& keys, IdentityProvider& identities,
                             const Clock& clock, std::int64_t accessTokenLifetimeSeconds)
    : keys_(keys),
      identities_(identities),
      clock_(clock),
      accessTokenLifetime_(accessTokenLifetimeSeconds) {}

Result<Principal> Authenticator::authenticatePassword(const RegistryAccessPolicy& policy,
                                                      const RoleAssignmentIndex& roles,
                                                      std::string_view username,
                                                      std::string_view password,
                                                      std::string* reason) const {
  if (username == kRefreshTokenUsername) {
    return verifyRefreshToken(policy, roles, password, reason);
  }
  if (policy.registry.adminUserEnabled && equalsIgnoreCase(username, policy.name)) {
    const std::string digest = tokenDigest(password);
    bool match = false;
    // Compare with every stored digest, so timing does not tell which password matched.
    for (const auto& stored : policy.adminPasswordDigests) match |= constantTimeEquals(digest, stored);
    if (match) return Principal::adminUser(policy.name, policy.registry.id);
  }
  if (auto it = policy.tokens.find(lower(username)); it != policy.tokens.end()) {
    const RepositoryTokenPolicy& token = it->second;
    bool match = false;
    for (const auto& hash : token.passwordHashes) match |= verifyPassword(password, hash);
    if (match) {
      if (!token.enabled) return rejected(reason, "token '" + token.name + "' is disabled", badCredentials());
      if (token.expiresUnixSeconds != 0 && token.expiresUnixSeconds <= clock_.nowUnixSeconds()) {
        return rejected(reason, "token '" + token.name + "' has expired", badCredentials());
      }
      return Principal::repositoryToken(token.name, policy.registry.id, token.scopeMap,
                                        token.enabled, token.expiresUnixSeconds);
    }
  }
  auto identity = identities_.verifyPassword(username, password);
  if (identity.ok()) return identityPrincipal(std::move(*identity), roles);
  return rejected(reason, "no admin user, token or operator matches user '" +
                              std::string(username.substr(0, 64)) + "' and its password",
                  badCredentials());
}

Result<VerifiedToken> Authenticator::verify(const RegistryAccessPolicy& policy,
                                            std::string_view token, std::string_view use,
                                            std::string* reason) const {
  VerifyOptions options;
  options.audience = policy.loginServer;
  options.issuer = std::string(kTokenIssuer);
  options.now = clock_.nowUnixSeconds();
  options.leewaySeconds = 30;  // clients and a multi-node deployment do not share one clock
  auto verified = verifyJwt(token, keys_, options, reason);
  if (!verified.ok()) return verified.error();
  const auto claim = verified->claims.find(kUseClaim);
  if (claim == verified->claims.end() || !claim->is_string() || claim->get<std::string>() != use) {
    return rejected(reason, "a " + std::string(use == kUseAccess ? "refresh" : "access") +
                                " token was presented where a " + std::string(use) +
                                " token is needed",
                    unauthorized());
  }
  return verified;
}

Result<VerifiedAccess> Authenticator::verifyAccessToken(const RegistryAccessPolicy& policy,
                                                        std::string_view token,
                                                        std::string* reason) const {
  auto verified = verify(policy, token, kUseAccess, reason);
  if (!verified.ok()) return verified.error();
  VerifiedAccess out;
  out.subject = std::move(verified->subject);
  out.expiresAt = verified->expiresAt;
  out.access.scopes = std::move(verified->access);
  if (auto kind = verified->claims.find(kKindClaim);
      kind != verified->claims.end() && kind->is_string()) {
    out.principalKind = kind->get<std::string>();
  }
  return out;
}

Result<Principal> Authenticator::verifyRefreshToken(const RegistryAccessPolicy& policy,
                                                    const RoleAssignmentIndex& roles,
                                                    std::string_view token,
                                                    std::string* reason) const {
  auto verified = verify(policy, token, kUseRefresh, reason);
  if (!verified.ok()) return verified.error();
  if (verified->subject.empty()) return rejected(reason, "refresh token without subject", unauthorized());
  return identityPrincipal(std::move(verified->subject), roles);
}

Result<std::string> Authenticator::verifyManagementToken(std::string_view token,
                                                         std::string* reason) const {
  auto identity = identities_.verifyManagementToken(token);
  if (!identity.ok()) {
    return rejected(reason, "the management token is unknown or expired", unauthorized());
  }
  return identity;
}

Result<IssuedToken> Authenticator::issueAccessToken(const Principal& principal,
                                                    const RegistryAccessPolicy& policy,
                                                    const std::vector<Scope>& requested) const {
  IssuedToken out;
  out.issuedAt = clock_.nowUnixSeconds();
  out.lifetimeSeconds = accessTokenLifetime_;
  out.access = grant(principal, policy.registry, requested, out.issuedAt);
  AccessTokenSpec spec;
  spec.issuer = std::string(kTokenIssuer);
  spec.subject = principal.name;
  spec.audience = policy.loginServer;
  spec.access = out.access.scopes;
  spec.issuedAt = out.issuedAt;
  spec.lifetimeSeconds = out.lifetimeSeconds;
  spec.extraClaims = {{std::string(kUseClaim), kUseAccess},
                      {std::string(kKindClaim), principalKindName(principal.kind)}};
  auto token = auth::issueAccessToken(keys_.active(), spec);
  if (!token.ok()) return token.error();
  out.token = std::move(*token);
  return out;
}

Result<IssuedToken> Authenticator::issueRefreshToken(std::string_view identity,
                                                     const RegistryAccessPolicy& policy) const {
  IssuedToken out;
  out.issuedAt = clock_.nowUnixSeconds();
  out.lifetimeSeconds = kRefreshTokenLifetimeSeconds;
  AccessTokenSpec spec;
  spec.issuer = std::string(kTokenIssuer);
  spec.subject = std::string(identity);
  spec.audience = policy.loginServer;
  spec.issuedAt = out.issuedAt;
  spec.lifetimeSeconds = out.lifetimeSeconds;
  spec.extraClaims = {{std::string(kUseClaim), kUseRefresh},
                      {std::string(kKindClaim), principalKindName(PrincipalKind::kIdentity)}};
  auto token = auth::issueAccessToken(keys_.active(), spec);
  if (!token.ok()) return token.error();
  out.token = std::move(*token);
  return out;
}

}  // namespace berth::auth
