#include "registry/request_auth.h"

#include <algorithm>

#include "auth/authorization_header.h"
#include "http/blocking.h"

namespace berth::registry {

namespace {

bool safeHostHeader(std::string_view host) {
  return !host.empty() && host.size() <= 260 &&
         std::all_of(host.begin(), host.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '-' || c == ':' || c == '[' || c == ']';
         });
}

/// Immutable, shared by every request without credentials.
const auth::Principal& anonymousPrincipal() {
  static const auth::Principal anonymous = auth::Principal::anonymous();
  return anonymous;
}

Error authenticationRequired() {
  return makeError(Errc::kUnauthorized,
                   "authentication required; log in with 'berth acr login' or your client's login "
                   "command");
}

}  // namespace

RequestIdentity RequestIdentity::unrestricted() {
  RequestIdentity identity;
  identity.unrestricted_ = true;
  return identity;
}

bool RequestIdentity::allows(std::string_view repository, auth::Action action) const {
  if (unrestricted_) return true;
  if (bearer_ != nullptr) return auth::allows(*bearer_, repository, action);
  if (basic_ != nullptr && policy_ != nullptr) {
    const auto type = action == auth::Action::kCatalog ? auth::ResourceType::kRegistry
                                                       : auth::ResourceType::kRepository;
    return auth::permittedActions(*basic_, policy_->registry, type, repository, now_).has(action);
  }
  return false;
}

std::string clientAddress(const net::ConnectionInfo* connection) {
  return connection ? connection->peer.to_string() : std::string();
}

std::string rateLimitKey(const net::ConnectionInfo* connection) {
  if (connection == nullptr) return {};
  const auto& peer = connection->peer;
  if (peer.is_v6() && !peer.to_v6().is_v4_mapped()) {
    auto bytes = peer.to_v6().to_bytes();
    std::fill(bytes.begin() + 8, bytes.end(), 0);  // one host usually owns the whole /64
    return boost::asio::ip::address_v6(bytes).to_string() + "/64";
  }
  return peer.to_string();
}

void writeChallenge(const http::Request& request, http::Response& response,
                    const auth::RegistryAccessPolicy& policy, const Error& error,
                    std::string_view scope, std::string_view challengeError) {
  http::writeRegistryError(response, error);
  response.status = 401;  // also for DENIED under insufficient_scope: the client may get a new token
  const bool tls = request.connection != nullptr && request.connection->tls;
  std::string_view hostHeader = request.header("Host");
  std::string host(safeHostHeader(hostHeader) ? hostHeader : request.host);
  std::string challenge = "Bearer realm=\"";
  challenge.append(tls ? "https://" : "http://");
  challenge.append(host);
  challenge.append("/oauth2/token\",service=\"");
  challenge.append(policy.loginServer);
  challenge.push_back('"');
  if (!scope.empty()) {
    challenge.append(",scope=\"");
    challenge.append(scope);
    challenge.push_back('"');
  }
  if (!challengeError.empty()) {
    challenge.append(",error=\"");
    challenge.append(challengeError);
    challenge.push_back('"');
  }
  response.setHeader("WWW-Authenticate", challenge);
}

void writeThrottled(http::Response& response, std::int64_t retryAfterSeconds) {
  http::writeRegistryError(
      response, makeError(Errc::kTooManyRequests,
                          "too many failed sign-in attempts from this address; retry after " +
                              std::to_string(retryAfterSeconds) + " seconds"));
  response.setHeader("Retry-After", static_cast<std::uint64_t>(retryAfterSeconds));
}

void recordAudit(DataPlaneAuth& auth, const http::Request& request,
                 const auth::RegistryAccessPolicy& policy, auth::AuditEvent event) {
  if (auth.audit == nullptr) return;
  event.time = auth.authenticator.now();
  event.registry = policy.name;
  event.clientAddress = clientAddress(request.connection);
  auth.audit->record(event);
}

boost::asio::awaitable<Result<std::shared_ptr<const auth::CachedCredential>>> principalForBasic(
    DataPlaneAuth& auth, boost::asio::thread_pool& blocking,
    const RegistryDirectory::Snapshot& snapshot, const auth::RegistryAccessPolicy& policy,
    std::string_view authorizationHeader, const auth::Authorization& credentials,
    std::string& reason) {
  const std::int64_t now = auth.authenticator.now();
  std::string cacheKey = auth::CredentialCache::keyFor(policy.loginServer, authorizationHeader);
  if (auto cached = auth.cache.find(cacheKey, snapshot.generation, now)) co_return cached;
  auto principal = co_await http::runBlocking(blocking, [&] {
    return auth.authenticator.authenticatePassword(policy, *snapshot.roles, credentials.username,
                                                   credentials.password, &reason);
  });
  if (!principal.ok()) co_return principal.error();
  auth.cache.rememberPrincipal(cacheKey, std::move(*principal), snapshot.generation, now);
  auto cached = auth.cache.find(cacheKey, snapshot.generation, now);
  if (!cached) {
    reason = "credential expired during verification";
    co_return makeError(Errc::kUnauthorized, std::string(auth::kInvalidTokenMessage));
  }
  co_return cached;
}

boost::asio::awaitable<std::optional<RequestIdentity>> RequestAuthorizer::authorize(
    const http::Request& request, http::Response& response,
    const RegistryDirectory::Snapshot& snapshot, const ServedRegistry& served,
    const AccessRequirement& need) {
  const auth::RegistryAccessPolicy& policy = *served.access;
  if (!policy.authenticationRequired) co_return RequestIdentity::unrestricted();

  RequestIdentity identity;
  identity.policy_ = &policy;
  identity.now_ = auth_.authenticator.now();
  const std::string scope = need.challengeScope();
  const std::string_view header = request.header("Authorization");
  auth::Authorization credentials = auth::parseAuthorization(header);

  auto failed = [&](std::string principal, std::string detail) {
    const std::string key = rateLimitKey(request.connection);
    const std::int64_t retry = auth_.limiter.recordFailure(key);
    recordAudit(auth_, request, policy,
                {.principal = std::move(principal), .principalKind = "unknown", .action = "authenticate", .repository = std::string(need.repository), .outcome = retry > 0 ? "throttled" : "failure", .status = retry > 0 ? 429 : 401, .detail = std::move(detail)});
    if (retry > 0) {
      writeThrottled(response, retry);
    } else {
      writeChallenge(request, response, policy,
                     makeError(Errc::kUnauthorized, "authentication failed: the credentials are "
                                                    "invalid or expired"),
                     scope, credentials.kind == auth::Authorization::Kind::kBearer ? "invalid_token" : "");
    }
  };

  if (credentials.kind == auth::Authorization::Kind::kNone) {
    identity.basic_ = &anonymousPrincipal();
  } else if (credentials.kind == auth::Authorization::Kind::kMalformed) {
    failed("", "malformed Authorization header");
    co_return std::nullopt;
  } else {
    if (const std::int64_t retry = auth_.limiter.retryAfter(rateLimitKey(request.connection)); retry > 0) {
      writeThrottled(response, retry);
      co_return std::nullopt;
    }
    std::string reason;
    std::shared_ptr<const auth::CachedCredential> cached;
    if (credentials.kind == auth::Authorization::Kind::kBearer) {
      std::string cacheKey = auth::CredentialCache::keyFor(policy.loginServer, header);
      cached = auth_.cache.find(cacheKey, snapshot.generation, identity.now_);
      if (!cached) {
        auto verified = auth_.authenticator.verifyAccessToken(policy, credentials.bearer, &reason);
        if (!verified.ok()) {
          failed("", "bearer token rejected: " + reason);
          co_return std::nullopt;
        }
        auth_.cache.rememberAccess(cacheKey, std::move(*verified), snapshot.generation);
        cached = auth_.cache.find(cacheKey, snapshot.generation, identity.now_);
      }
    } else {
      auto basic = co_await principalForBasic(auth_, blocking_, snapshot, policy, header,
                                              credentials, reason);
      if (!basic.ok()) {
        failed(credentials.username.substr(0, 64), reason);
        co_return std::nullopt;
      }
      cached = std::move(*basic);
    }
    if (!cached) {
      // Expired the moment it was verified (or evicted at once): treat as a failure.
      failed("", "credential expired during verification");
      co_return std::nullopt;
    }
    identity.credential_ = cached;
    if (cached->access) {
      identity.bearer_ = &cached->access->access;
      identity.principal_ = cached->access->subject;
      identity.kind_ = cached->access->principalKind;
    } else {
      identity.basic_ = &*cached->principal;  // kept alive by credential_
      identity.principal_ = cached->principal->name;
      identity.kind_ = std::string(auth::principalKindName(cached->principal->kind));
    }
  }

  const bool anonymous = credentials.kind == auth::Authorization::Kind::kNone;
  bool allowed = false;
  switch (need.kind) {
    case AccessRequirement::Kind::kAuthenticated: allowed = !anonymous; break;
    case AccessRequirement::Kind::kCatalog: allowed = identity.allows({}, auth::Action::kCatalog); break;
    case AccessRequirement::Kind::kRepository:
      allowed = identity.allows(need.repository, need.action);
      break;
  }
  if (allowed) co_return identity;

  if (anonymous) {
    writeChallenge(request, response, policy, authenticationRequired(), scope);
    co_return std::nullopt;
  }
  Error denied = makeError(Errc::kDenied, "requested access to the resource is denied: '" +
                                              identity.principal_ + "' may not " +
                                              (scope.empty() ? std::string("do this") : scope));
  recordAudit(auth_, request, policy,
              {.principal = identity.principal_, .principalKind = identity.kind_, .action = need.kind == AccessRequirement::Kind::kCatalog
                               ? std::string("catalog")
                               : std::string(auth::actionName(need.action)), .repository = std::string(need.repository), .outcome = "denied", .status = identity.bearer_ ? 401 : 403, .detail = scope});
  if (identity.bearer_ != nullptr) {
    writeChallenge(request, response, policy, denied, scope, "insufficient_scope");
  } else {
    http::writeRegistryError(response, denied);
  }
  co_return std::nullopt;
}

}  // namespace berth::registry
