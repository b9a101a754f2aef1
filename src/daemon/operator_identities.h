#pragma once
// Management operators as identities of the data plane: they sign in to a registry with their
// operator password, or trade a management bearer token for a registry refresh token.

#include <string>
#include <string_view>

#include "common/base64.h"
#include "auth/identity_provider.h"
#include "mgmt/operator_auth.h"

namespace berth::daemon {

class OperatorIdentities final : public auth::IdentityProvider {
 public:
  explicit OperatorIdentities(mgmt::OperatorAuth& operators) : operators_(operators) {}

  Result<std::string> verifyPassword(std::string_view username, std::string_view password) override {
    std::string pair(username);
    pair.push_back(':');
    pair.append(password);
    return operators_.authenticateBasic("Basic " + base64Encode(pair));
  }

  Result<std::string> verifyManagementToken(std::string_view token) override {
    // authenticate() also takes Basic; only a bearer token may be exchanged.
    if (token.empty() || token.find(' ') != std::string_view::npos) {
      return fail(Errc::kUnauthorized, "invalid management token");
    }
    return operators_.authenticate("Bearer " + std::string(token));
  }

 private:
  mgmt::OperatorAuth& operators_;
};

}  // namespace berth::daemon
