#pragma once
// The registry's token server, served on every login server beside /v2/:
//   GET  /oauth2/token?service=&scope=...       Basic credentials or none (anonymous pull)
//   POST /oauth2/token   grant_type=password (username, password) | refresh_token (refresh_token)
//   POST /oauth2/exchange grant_type=access_token, access_token=<management API bearer token>
// Scopes follow Docker's token scope grammar; what the principal may not do is left out of the
// token rather than refused (the registry refuses the operation later). Failures are 401 with the
// distribution error body, counted by the rate limiter and audited.

#include <utility>  // Boost 1.74 awaitable.hpp uses std::exchange without including it
#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>

#include "http/request.h"
#include "http/response.h"
#include "registry/registry_directory.h"
#include "registry/request_auth.h"

namespace berth::registry {

/// True for paths the token server answers (/oauth2/...).
bool isTokenEndpointPath(std::string_view path);

class TokenEndpoint {
 public:
  TokenEndpoint(DataPlaneAuth& auth, boost::asio::thread_pool& blocking)
      : auth_(auth), blocking_(blocking) {}

  boost::asio::awaitable<void> handle(http::Request& request, http::Response& response,
                                      const RegistryDirectory::Snapshot& snapshot,
                                      const ServedRegistry& served);

 private:
  DataPlaneAuth& auth_;
  boost::asio::thread_pool& blocking_;
};

}  // namespace berth::registry
