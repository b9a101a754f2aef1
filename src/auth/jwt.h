#pragma once
// Compact JWS (RFC 7515) JWTs (RFC 7519) signed with ES256 (RFC 7518 §3.4): the data plane's
// access tokens. Only ES256 is produced or accepted; the algorithm is fixed by the verifier, never
// chosen by the token, so `alg:none`, HS256-with-the-public-key and other confusion attacks fail.
//
// Every verification failure is the same Error: kUnauthorized, "invalid or expired token", empty
// detail (the HTTP error writer shows detail to clients, and the precise reason would tell an
// attacker which part of a forgery to fix). The reason goes to the optional `reason` out-parameter
// for the server log.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "auth/scope.h"
#include "auth/signing_keys.h"
#include "common/result.h"

namespace berth::auth {

/// Docker's default token lifetime is 60 s; clients fetch a new one per operation anyway, so a
/// short lifetime costs little and bounds the use of a leaked token.
constexpr std::int64_t kDefaultTokenLifetimeSeconds = 300;
/// Far above any real token (a handful of scopes is < 1 KiB) and small enough to parse cheaply.
constexpr std::size_t kDefaultMaxTokenBytes = 8 * 1024;

/// The generic message of every verification failure.
inline constexpr std::string_view kInvalidTokenMessage = "invalid or expired token";

struct VerifyOptions {
  std::string audience;  // required: the registry's login server; empty rejects every token
  std::string issuer;    // checked when non-empty
  std::int64_t now = 0;  // Unix seconds
  std::int64_t leewaySeconds = 0;  // tolerated clock skew for exp and nbf
  std::size_t maxTokenBytes = kDefaultMaxTokenBytes;
};

struct VerifiedToken {
  std::string kid;
  std::string subject;         // "sub", empty when absent
  std::string issuer;          // "iss", empty when absent
  std::string id;              // "jti", empty when absent
  std::int64_t expiresAt = 0;  // "exp"
  std::vector<Scope> access;   // "access"; empty when absent
  nlohmann::json claims;       // the whole payload object
};

/// Signs `claims` (must be a JSON object) with `key`: header {"alg":"ES256","typ":"JWT","kid":..}.
/// The claims are taken as given; issueAccessToken() builds the usual set.
Result<std::string> signJwt(const SigningKey& key, const nlohmann::json& claims);

/// Verifies signature (by kid, against any key of `keys`), then `aud` (string or array containing
/// options.audience), `iss`, `exp` (required), `nbf`, and the shape of `access`.
/// On failure: kUnauthorized / kInvalidTokenMessage, and `*reason` (when given) says why.
Result<VerifiedToken> verifyJwt(std::string_view token, const SigningKeySet& keys,
                                const VerifyOptions& options, std::string* reason = nullptr);

struct AccessTokenSpec {
  std::string issuer;
  std::string subject;   // principal name; empty for anonymous
  std::string audience;  // the registry's login server
  std::vector<Scope> access;
  std::int64_t issuedAt = 0;  // Unix seconds
  std::int64_t lifetimeSeconds = kDefaultTokenLifetimeSeconds;
  /// Further claims (an object), added as given; they cannot replace the standard ones above.
  nlohmann::json extraClaims = nlohmann::json::object();
};

/// signJwt over {iss, sub, aud, iat, nbf=iat, exp=iat+lifetime, jti (random 128-bit), access}
/// plus spec.extraClaims.
Result<std::string> issueAccessToken(const SigningKey& key, const AccessTokenSpec& spec);

}  // namespace berth::auth
