#pragma once
// Operators of the management API: password credentials (scrypt hashes) and bearer tokens
// (random, stored as SHA-256). The first start creates the operator "admin".

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "metadata/resource_store.h"

namespace berth::mgmt {

/// Credential kind of operators (name = the operator's name); role assignments name them.
inline constexpr std::string_view kOperatorCredentialKind = "operator";

struct TokenGrant {
  std::string token;
  std::int64_t expiresUnixSeconds = 0;
};

class OperatorAuth {
 public:
  /// Access tokens live this long; `berth login` again to get a new one.
  static constexpr std::int64_t kTokenLifetimeSeconds = 30 * 24 * 3600;

  OperatorAuth(metadata::CredentialStore& store, const Clock& clock);

  /// When no operator exists, creates "admin" and returns its password (shown once).
  Result<std::optional<std::string>> bootstrap();
  /// Checks an Authorization header (Basic or Bearer); the operator's name, or kUnauthorized
  /// with a message that does not say which part was wrong.
  Result<std::string> authenticate(std::string_view authorization);
  /// Basic credentials only (for the token endpoint).
  Result<std::string> authenticateBasic(std::string_view authorization);
  Result<TokenGrant> issueToken(std::string_view username);
  /// Creates an operator with a generated password; kConflict if it exists.
  Result<std::string> createOperator(std::string_view name);
  Result<std::vector<std::string>> listOperators();
  /// Removes an operator and its tokens; refuses to remove the last one.
  Result<bool> removeOperator(std::string_view name);

 private:
  metadata::CredentialStore& store_;
  const Clock& clock_;
};

}  // namespace berth::mgmt
