#pragma once
// The management API pipeline, written once:
//   authenticate (Basic or Bearer) -> ARM path -> handler -> ControlPlane -> JSON response.
// Everything but the token endpoint's password check needs an operator; nothing is parsed from
// the body before authentication succeeded.

#include <string>
#include <vector>

#include <boost/asio/thread_pool.hpp>

#include "auth/audit_log.h"
#include "common/log.h"
#include "http/server.h"
#include "mgmt/arm_path.h"
#include "mgmt/control_plane.h"
#include "mgmt/operator_auth.h"

namespace berth::mgmt {

struct MgmtInfo {
  std::string version;
  std::vector<std::string> dataPlane;  // addresses the data plane listens on
};

class MgmtApi final : public http::RequestHandler {
 public:
  /// `audit` may be null (no audit trail is kept: listAuditEvents answers 404).
  MgmtApi(ControlPlane& plane, OperatorAuth& auth, const auth::AuditLog* audit,
          boost::asio::thread_pool& blocking, const Logger& log, MgmtInfo info)
      : plane_(plane),
        auth_(auth),
        audit_(audit),
        blocking_(blocking),
        log_(log),
        info_(std::move(info)) {}

  boost::asio::awaitable<void> handle(http::Request& request, http::Response& response) override;

 private:
  struct Reply;
  Reply dispatch(const http::Request& request, const std::string& body, const std::string& user);
  /// registries/{r}/scopeMaps[/{name}] and registries/{r}/tokens[/{name}].
  Reply dispatchChild(http::Method method, const ArmPath& path, const Json& body,
                      const Precondition& pre);

  Reply listAuditEvents(const http::Request& request, const ArmPath& path, const Json& body);

  ControlPlane& plane_;
  OperatorAuth& auth_;
  const auth::AuditLog* audit_;
  boost::asio::thread_pool& blocking_;
  const Logger& log_;
  MgmtInfo info_;
};

}  // namespace berth::mgmt
