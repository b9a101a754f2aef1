#pragma once
// Turns what a client presents into a principal or a verified grant, and mints the registry's
// tokens. Knows nothing of HTTP: the data plane's pipeline and token endpoint call it.
//
// Credentials accepted (Basic, on /oauth2/token or directly on /v2/):
//   <registry name> / admin password          the admin user, while the registry enables it
//   <token name> / token password              a repository-scoped token
//   00000000-0000-0000-0000-000000000000 / refresh token   an identity, via /oauth2/exchange
//   <operator> / operator password             a management operator (an identity)
// Bearer: an access token this registry issued (audience = login server).
//
// Every failure is the same kUnauthorized error with a generic message; the reason, for the
// server log only, goes to the `reason` out-parameter.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "auth/access_policy.h"
#include "auth/identity_provider.h"
#include "auth/jwt.h"
#include "auth/permissions.h"
#include "auth/scope.h"
#include "auth/signing_keys.h"
#include "common/clock.h"
#include "common/result.h"

namespace berth::auth {

/// The username clients pair with a refresh token (the one cloud registries use).
inline constexpr std::string_view kRefreshTokenUsername = "00000000-0000-0000-0000-000000000000";
/// Refresh tokens outlive access tokens: `acr login` lasts a working session.
constexpr std::int64_t kRefreshTokenLifetimeSeconds = 3 * 3600;
inline constexpr std::string_view kTokenIssuer = "berth";

struct IssuedToken {
  std::string token;
  std::int64_t issuedAt = 0;
  std::int64_t lifetimeSeconds = 0;
  GrantedAccess access;
};

/// What a verified access token says: who, and what they may do.
struct VerifiedAccess {
  std::string subject;
  std::string principalKind;  // "admin", "token", "identity", "anonymous"
  std::int64_t expiresAt = 0;
  GrantedAccess access;
};

/// Short name of a principal kind, as carried in tokens and the audit log.
std::string_view principalKindName(PrincipalKind kind);

class Authenticator {
 public:
  /// `keys`, `identities` and `clock` must outlive the authenticator.
  Authenticator(const SigningKeySet& keys, IdentityProvider& identities, const Clock& clock,
                std::int64_t accessTokenLifetimeSeconds = kDefaultTokenLifetimeSeconds);

  /// Blocking (scrypt, the operator store). The principal a username/password pair names.
  Result<Principal> authenticatePassword(const RegistryAccessPolicy& policy,
                                         const RoleAssignmentIndex& roles,
                                         std::string_view username, std::string_view password,
                                         std::string* reason = nullptr) const;
  /// Fast (one ECDSA verification). An access token for this registry; refresh tokens fail.
  Result<VerifiedAccess> verifyAccessToken(const RegistryAccessPolicy& policy,
                                           std::string_view token,
                                           std::string* reason = nullptr) const;
  /// A refresh token for this registry, as the identity it names.
  Result<Principal> verifyRefreshToken(const RegistryAccessPolicy& policy,
                                       const RoleAssignmentIndex& roles, std::string_view token,
                                       std::string* reason = nullptr) const;
  /// Blocking. The identity behind a management API bearer token.
  Result<std::string> verifyManagementToken(std::string_view token,
                                            std::string* reason = nullptr) const;

  /// An access token granting what `principal` may do of `requested` (possibly nothing).
  Result<IssuedToken> issueAccessToken(const Principal& principal,
                                       const RegistryAccessPolicy& policy,
                                       const std::vector<Scope>& requested) const;
  /// A refresh token for an identity (sub = its name) on this registry.
  Result<IssuedToken> issueRefreshToken(std::string_view identity,
                                        const RegistryAccessPolicy& policy) const;

  std::int64_t now() const { return clock_.nowUnixSeconds(); }

 private:
  Result<VerifiedToken> verify(const RegistryAccessPolicy& policy, std::string_view token,
                               std::string_view use, std::string* reason) const;

  const SigningKeySet& keys_;
  IdentityProvider& identities_;
  const Clock& clock_;
  std::int64_t accessTokenLifetime_;
};

}  // namespace berth::auth
