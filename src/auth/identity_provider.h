#pragma once
// Identities the data plane does not own: management operators, who authenticate with their
// password (Basic) or trade a management bearer token for a registry refresh token. Implemented
// over the operator store; calls may hash with scrypt or query the database, so callers run them
// on the blocking pool.

#include <string>
#include <string_view>

#include "common/result.h"

namespace berth::auth {

class IdentityProvider {
 public:
  virtual ~IdentityProvider() = default;
  /// The identity's canonical name, or kUnauthorized.
  virtual Result<std::string> verifyPassword(std::string_view username, std::string_view password) = 0;
  /// The name of the identity a management API bearer token belongs to, or kUnauthorized.
  virtual Result<std::string> verifyManagementToken(std::string_view token) = 0;
};

}  // namespace berth::auth
