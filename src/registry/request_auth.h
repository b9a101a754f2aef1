#pragma once
// The authentication and authorization step of the data-plane pipeline: runs after the Host names
// a registry and the route is known, before any handler reads the body. A request either leaves
// it with a RequestIdentity that says what it may do, or with its 401/403/429 response written.
//
// 401 carries the Docker token challenge
//   WWW-Authenticate: Bearer realm="<scheme>://<Host>/oauth2/token",service="<login server>",
//                     scope="<what this request needs>"[,error="..."]
// so a client learns where to get a token and which scope to ask for. A bearer token that lacks
// the scope gets 401 with error="insufficient_scope" (clients then fetch a new token; if the token
// server cannot grant it, the second try fails the same way and the client reports DENIED). Basic
// credentials without the right get 403 DENIED at once.

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <utility>  // Boost 1.74 awaitable.hpp uses std::exchange without including it
#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>

#include "auth/audit_log.h"
#include "auth/authorization_header.h"
#include "auth/authenticator.h"
#include "auth/credential_cache.h"
#include "auth/rate_limiter.h"
#include "http/request.h"
#include "http/response.h"
#include "registry/access_requirement.h"
#include "registry/registry_directory.h"

namespace berth::registry {

/// The daemon's authentication services, shared by every request.
struct DataPlaneAuth {
  const auth::Authenticator& authenticator;
  auth::CredentialCache& cache;
  auth::RateLimiter& limiter;
  auth::AuditLog* audit = nullptr;  // null: nothing is recorded
};

/// Who sent a request and what they may do.
class RequestIdentity {
 public:
  static RequestIdentity unrestricted();

  bool allows(std::string_view repository, auth::Action action) const;
  const std::string& principal() const { return principal_; }
  std::string_view principalKind() const { return kind_; }

 private:
  friend class RequestAuthorizer;
  bool unrestricted_ = false;
  std::string principal_;
  std::string kind_ = "anonymous";
  const auth::RegistryAccessPolicy* policy_ = nullptr;
  std::int64_t now_ = 0;
  const auth::Principal* basic_ = nullptr;                  // Basic or no credentials
  std::shared_ptr<const auth::CachedCredential> credential_;  // keeps basic_ or the grant alive
  const auth::GrantedAccess* bearer_ = nullptr;             // a verified access token's grant
};

/// The client's address as the rate limiter's key: IPv4 as is, IPv6 by its /64.
std::string rateLimitKey(const net::ConnectionInfo* connection);
std::string clientAddress(const net::ConnectionInfo* connection);

/// Writes 401 with the token challenge for `scope` (may be empty) and `error` (may be empty).
void writeChallenge(const http::Request& request, http::Response& response,
                    const auth::RegistryAccessPolicy& policy, const Error& error,
                    std::string_view scope, std::string_view challengeError = {});
/// Writes 429 with Retry-After.
void writeThrottled(http::Response& response, std::int64_t retryAfterSeconds);

void recordAudit(DataPlaneAuth& auth, const http::Request& request,
                 const auth::RegistryAccessPolicy& policy, auth::AuditEvent event);

/// The principal behind Basic credentials, from the credential cache or verified (on the blocking
/// pool: scrypt) and then cached. kUnauthorized when they do not verify; `reason` says why.
boost::asio::awaitable<Result<std::shared_ptr<const auth::CachedCredential>>> principalForBasic(
    DataPlaneAuth& auth, boost::asio::thread_pool& blocking,
    const RegistryDirectory::Snapshot& snapshot, const auth::RegistryAccessPolicy& policy,
    std::string_view authorizationHeader, const auth::Authorization& credentials,
    std::string& reason);

class RequestAuthorizer {
 public:
  RequestAuthorizer(DataPlaneAuth& auth, boost::asio::thread_pool& blocking)
      : auth_(auth), blocking_(blocking) {}

  /// The identity when the request may proceed; nullopt when the response is already written.
  boost::asio::awaitable<std::optional<RequestIdentity>> authorize(
      const http::Request& request, http::Response& response,
      const RegistryDirectory::Snapshot& snapshot, const ServedRegistry& served,
      const AccessRequirement& need);

 private:
  DataPlaneAuth& auth_;
  boost::asio::thread_pool& blocking_;
};

}  // namespace berth::registry
