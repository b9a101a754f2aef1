#pragma once
// The data-plane pipeline, written once so the order is visible:
//   Host -> registry, token server | route table -> authorization -> handler -> service
//   -> audit -> response.
// (The network access check slots in ahead of everything, right after the Host lookup.)

#include <boost/asio/thread_pool.hpp>

#include "common/log.h"
#include "http/server.h"
#include "registry/registry_directory.h"
#include "registry/request_auth.h"
#include "registry/token_endpoint.h"

namespace berth::registry {

struct HandlerContext;

class RegistryApi final : public http::RequestHandler {
 public:
  RegistryApi(const RegistryDirectory& directory, DataPlaneAuth& auth,
              boost::asio::thread_pool& blocking, const Logger& log)
      : directory_(directory),
        auth_(auth),
        authorizer_(auth, blocking),
        tokens_(auth, blocking),
        blocking_(blocking),
        log_(log) {}

  boost::asio::awaitable<void> handle(http::Request& request, http::Response& response) override;

 private:
  boost::asio::awaitable<void> dispatch(http::Request& request, http::Response& response);
  static bool auditable(const Route& route, http::Method method, int status);
  void auditWrite(const HandlerContext& ctx, const auth::RegistryAccessPolicy& policy,
                  const AccessRequirement& need);
  const RegistryDirectory& directory_;
  DataPlaneAuth& auth_;
  RequestAuthorizer authorizer_;
  TokenEndpoint tokens_;
  boost::asio::thread_pool& blocking_;
  const Logger& log_;
};

}  // namespace berth::registry
