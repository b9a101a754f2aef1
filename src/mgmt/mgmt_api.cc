#include "mgmt/mgmt_api.h"

#include <charconv>

#include "http/blocking.h"
#include "mgmt/arm_path.h"
#include "mgmt/mgmt_authorization.h"
#include "common/rfc3339.h"

namespace berth::mgmt {

namespace {

/// Management documents are small; a bound keeps a hostile client from using memory.
constexpr std::size_t kMaxBodyBytes = 1024 * 1024;

Error methodNotAllowed(http::Method m, std::string_view what) {
  return makeError(Errc::kMethodNotAllowed,
                   std::string(http::methodName(m)) + " is not supported on " + std::string(what));
}

}  // namespace

struct MgmtApi::Reply {
  int status = 200;
  Json body;
  std::optional<Error> error;

  static Reply of(Result<Json> r, int status = 200) {
    if (!r.ok()) return Reply{0, {}, std::move(r).error()};
    return Reply{status, std::move(*r), std::nullopt};
  }
  static Reply put(Result<PutResult> r) {
    if (!r.ok()) return Reply{0, {}, std::move(r).error()};
    return Reply{r->created ? 201 : 200, std::move(r->body), std::nullopt};
  }
  static Reply deleted(Result<bool> r) {
    if (!r.ok()) return Reply{0, {}, std::move(r).error()};
    return Reply{*r ? 200 : 204, Json(), std::nullopt};
  }
  static Reply failure(Error e) { return Reply{0, {}, std::move(e)}; }
};

boost::asio::awaitable<void> MgmtApi::handle(http::Request& request, http::Response& response) {
  try {
    std::string authorization(request.header("Authorization"));
    const bool tokenEndpoint = request.path == "/auth/token";
    // Authenticate before reading a byte of the body.
    auto user = co_await http::runBlocking(blocking_, [&] {
      return tokenEndpoint ? auth_.authenticateBasic(authorization) : auth_.authenticate(authorization);
    });
    if (!user.ok()) {
      http::writeManagementError(response, user.error());
      response.setHeader("WWW-Authenticate", "Basic realm=\"berth-management\"");
      co_return;
    }
    auto body = co_await http::readWholeBody(
        *request.body, kMaxBodyBytes,
        makeError(Errc::kInvalidParameter, "the request body is larger than 1 MiB"));
    if (!body.ok()) {
      http::writeManagementError(response, body.error());
      co_return;
    }
    Reply reply = co_await http::runBlocking(blocking_, [&] { return dispatch(request, *body, *user); });
    if (reply.error) {
      if (reply.error->code == Errc::kInternal) {
        log_.error("management " + std::string(http::methodName(request.method)) + " " +
                   std::string(request.path) + " failed: " + reply.error->message);
      }
      http::writeManagementError(response, *reply.error);
      co_return;
    }
    response.status = reply.status;
    if (reply.status != 204) {
      if (reply.body.is_object() && reply.body.contains("etag") && reply.body["etag"].is_string()) {
        response.setHeader("ETag", reply.body["etag"].get<std::string>());
      }
      response.setBody(reply.body.is_null() ? std::string() : reply.body.dump(2),
                       reply.body.is_null() ? "" : "application/json; charset=utf-8");
    }
  } catch (const std::exception& e) {
    log_.error(std::string("management request failed unexpectedly: ") + e.what());
    http::writeManagementError(response, internalError(e.what()));
  }
}

MgmtApi::Reply MgmtApi::dispatch(const http::Request& request, const std::string& rawBody,
                                 const std::string& user) {
  auto path = parseArmPath(request.path);
  if (!path.ok()) return Reply::failure(path.error());
  Json body;
  if (!rawBody.empty()) {
    body = Json::parse(rawBody, nullptr, false);
    if (body.is_discarded()) {
      return Reply::failure(makeError(Errc::kInvalidParameter, "the request body is not valid JSON"));
    }
  }
  Precondition pre;
  if (auto m = request.header("If-Match"); !m.empty() && m != "*") pre.ifMatch = std::string(m);
  pre.ifNoneMatchAny = request.header("If-None-Match") == "*";

  const http::Method m = request.method;
  const ArmPath& p = *path;
  const ManagementRequirement need = managementRequirement(p, m);
  if (need.level != ManagementRequirement::Level::kAnyOperator) {
    auto roles = plane_.roleAssignmentsOf(user);
    if (!roles.ok()) return Reply::failure(roles.error());
    if (!managementAllows(*roles, need)) {
      return Reply::failure(makeError(
          Errc::kDenied, "operator '" + user + "' needs the " + std::string(levelName(need.level)) +
                             " role at '" + need.scope + "' (or above) for this; an Owner can grant "
                             "it: berth role assignment create --assignee " + user + " --role " +
                             std::string(levelName(need.level)) + " --scope '" + need.scope + "'"));
    }
  }
  switch (p.route) {
    case ArmRoute::kAuthToken: {
      if (m != http::Method::kPost) return Reply::failure(methodNotAllowed(m, "/auth/token"));
      auto grant = auth_.issueToken(user);
      if (!grant.ok()) return Reply::failure(grant.error());
      return Reply{200,
                   Json{{"accessToken", grant->token},
                        {"tokenType", "Bearer"},
                        {"expiresOn", formatRfc3339(grant->expiresUnixSeconds)},
                        {"expiresIn", OperatorAuth::kTokenLifetimeSeconds},
                        {"username", user}},
                   std::nullopt};
    }
    case ArmRoute::kInfo:
      return Reply{200,
                   Json{{"version", info_.version},
                        {"domain", plane_.domain()},
                        {"dataPlane", info_.dataPlane},
                        {"defaultSubscription", plane_.defaultSubscriptionId()},
                        {"operator", user}},
                   std::nullopt};
    case ArmRoute::kOperators: {
      auto names = auth_.listOperators();
      if (!names.ok()) return Reply::failure(names.error());
      Json list = Json::array();
      for (const auto& n : *names) list.push_back({{"username", n}});
      return Reply{200, Json{{"value", list}}, std::nullopt};
    }
    case ArmRoute::kOperator:
      if (m == http::Method::kPut) {
        auto password = auth_.createOperator(p.name);
        if (!password.ok()) return Reply::failure(password.error());
        return Reply{201, Json{{"username", p.name}, {"password", *password}}, std::nullopt};
      }
      if (m == http::Method::kDelete) {
        auto removed = auth_.removeOperator(p.name);
        // Its role assignments go with it, so a later operator of that name starts with none.
        if (removed.ok() && *removed) {
          if (Status s = plane_.removeRoleAssignmentsOf(p.name); !s.ok()) {
            return Reply::failure(s.error());
          }
        }
        return Reply::deleted(std::move(removed));
      }
      return Reply::failure(methodNotAllowed(m, "operators"));
    case ArmRoute::kSubscriptions:
      if (m != http::Method::kGet) return Reply::failure(methodNotAllowed(m, "subscriptions"));
      return Reply::of(plane_.listSubscriptions());
    case ArmRoute::kSubscription:
      if (m == http::Method::kGet) return Reply::of(plane_.getSubscription(p.subscription));
      if (m == http::Method::kPut) return Reply::put(plane_.putSubscription(p.subscription, body));
      return Reply::failure(methodNotAllowed(m, "a subscription"));
    case ArmRoute::kProviders:
      if (m != http::Method::kGet) return Reply::failure(methodNotAllowed(m, "providers"));
      return Reply::of(plane_.listProviders(p.subscription));
    case ArmRoute::kProvider:
      if (!p.action.empty()) {
        if (m != http::Method::kPost) return Reply::failure(methodNotAllowed(m, p.action));
        return Reply::of(plane_.setProviderRegistration(p.subscription, p.providerNamespace,
                                                        p.action == "register"));
      }
      if (m != http::Method::kGet) return Reply::failure(methodNotAllowed(m, "a provider"));
      return Reply::of(plane_.getProvider(p.subscription, p.providerNamespace));
    case ArmRoute::kResourceGroups:
      if (m != http::Method::kGet) return Reply::failure(methodNotAllowed(m, "resource groups"));
      return Reply::of(plane_.listResourceGroups(p.subscription));
    case ArmRoute::kResourceGroup:
      switch (m) {
        case http::Method::kGet: return Reply::of(plane_.getResourceGroup(p.subscription, p.resourceGroup));
        case http::Method::kHead: {
          auto got = plane_.getResourceGroup(p.subscription, p.resourceGroup);
          if (!got.ok()) return Reply::failure(got.error());
          return Reply{204, Json(), std::nullopt};
        }
        case http::Method::kPut:
          return Reply::put(plane_.putResourceGroup(p.subscription, p.resourceGroup, body, pre));
        case http::Method::kPatch:
          return Reply::of(plane_.patchResourceGroup(p.subscription, p.resourceGroup, body, pre));
        case http::Method::kDelete:
          return Reply::deleted(plane_.deleteResourceGroup(p.subscription, p.resourceGroup, pre));
        default: return Reply::failure(methodNotAllowed(m, "a resource group"));
      }
    case ArmRoute::kRoleAssignments:
      if (m != http::Method::kGet) return Reply::failure(methodNotAllowed(m, "role assignments"));
      return Reply::of(plane_.listRoleAssignments(p.scope));
    case ArmRoute::kRoleAssignment:
      switch (m) {
        case http::Method::kGet: return Reply::of(plane_.getRoleAssignment(p.scope, p.name));
        case http::Method::kPut: return Reply::put(plane_.putRoleAssignment(p.scope, p.name, body));
        case http::Method::kDelete: {
          // The cloud answers a DELETE with the assignment it removed.
          auto existing = plane_.getRoleAssignment(p.scope, p.name);
          auto deleted = plane_.deleteRoleAssignment(p.scope, p.name);
          if (!deleted.ok()) return Reply::failure(deleted.error());
          if (!*deleted || !existing.ok()) return Reply{204, Json(), std::nullopt};
          return Reply{200, std::move(*existing), std::nullopt};
        }
        default: return Reply::failure(methodNotAllowed(m, "a role assignment"));
      }
    default: break;
  }
  // Provider resources: only Microsoft.ContainerRegistry/registries exists so far.
  if (!iequals(p.providerNamespace, "Microsoft.ContainerRegistry") ||
      !(iequals(p.type, "registries") || iequals(p.type, "checkNameAvailability"))) {
    return Reply::failure(makeError(Errc::kRouteUnknown,
                                    "resource type '" + p.providerNamespace + "/" + p.type +
                                        "' is not supported by this berth"));
  }
  if (p.route == ArmRoute::kSubscriptionResources) {
    if (iequals(p.type, "checkNameAvailability")) {
      if (m != http::Method::kPost) return Reply::failure(methodNotAllowed(m, "checkNameAvailability"));
      return Reply::of(plane_.checkRegistryName(p.subscription, body));
    }
    if (m != http::Method::kGet) return Reply::failure(methodNotAllowed(m, "registries"));
    return Reply::of(plane_.listRegistries(p.subscription, ""));
  }
  if (p.route == ArmRoute::kGroupResources) {
    if (m != http::Method::kGet) return Reply::failure(methodNotAllowed(m, "registries"));
    return Reply::of(plane_.listRegistries(p.subscription, p.resourceGroup));
  }
  if (p.route == ArmRoute::kChildResources || p.route == ArmRoute::kChildResource) {
    return dispatchChild(m, p, body, pre);
  }
  if (!p.action.empty()) {
    if (p.action == "generatecredentials" && m == http::Method::kPost) {
      return Reply::of(plane_.generateTokenCredentials(
          {p.subscription, p.resourceGroup, p.name}, body));
    }
    if (p.action == "listusages" && (m == http::Method::kGet || m == http::Method::kPost)) {
      return Reply::of(plane_.listRegistryUsages(p.subscription, p.resourceGroup, p.name));
    }
    if (p.action == "listauditevents" && (m == http::Method::kGet || m == http::Method::kPost)) {
      return listAuditEvents(request, p, body);
    }
    if (p.action == "listcredentials" && m == http::Method::kPost) {
      return Reply::of(plane_.listRegistryCredentials(p.subscription, p.resourceGroup, p.name));
    }
    if (p.action == "regeneratecredential" && m == http::Method::kPost) {
      return Reply::of(
          plane_.regenerateRegistryCredential(p.subscription, p.resourceGroup, p.name, body));
    }
    return Reply::failure(makeError(Errc::kRouteUnknown, "registries have no action '" + p.action + "'"));
  }
  switch (m) {
    case http::Method::kGet: return Reply::of(plane_.getRegistry(p.subscription, p.resourceGroup, p.name));
    case http::Method::kPut:
      return Reply::put(plane_.putRegistry(p.subscription, p.resourceGroup, p.name, body, pre));
    case http::Method::kPatch:
      return Reply::of(plane_.patchRegistry(p.subscription, p.resourceGroup, p.name, body, pre));
    case http::Method::kDelete:
      return Reply::deleted(plane_.deleteRegistry(p.subscription, p.resourceGroup, p.name, pre));
    default: return Reply::failure(methodNotAllowed(m, "a registry"));
  }
}

}  // namespace berth::mgmt

namespace berth::mgmt {

MgmtApi::Reply MgmtApi::dispatchChild(http::Method m, const ArmPath& p, const Json& body,
                                      const Precondition& pre) {
  const RegistryAddress reg{p.subscription, p.resourceGroup, p.name};
  const bool maps = iequals(p.childType, "scopeMaps");
  if (p.route == ArmRoute::kChildResources) {
    if (m != http::Method::kGet) return Reply::failure(methodNotAllowed(m, p.childType));
    return Reply::of(maps ? plane_.listScopeMaps(reg) : plane_.listTokens(reg));
  }
  const std::string& name = p.childName;
  switch (m) {
    case http::Method::kGet:
      return Reply::of(maps ? plane_.getScopeMap(reg, name) : plane_.getToken(reg, name));
    case http::Method::kPut:
      return Reply::put(maps ? plane_.putScopeMap(reg, name, body, pre)
                             : plane_.putToken(reg, name, body, pre));
    case http::Method::kPatch:
      return Reply::of(maps ? plane_.patchScopeMap(reg, name, body, pre)
                            : plane_.patchToken(reg, name, body, pre));
    case http::Method::kDelete:
      return Reply::deleted(maps ? plane_.deleteScopeMap(reg, name, pre)
                                 : plane_.deleteToken(reg, name, pre));
    default: return Reply::failure(methodNotAllowed(m, maps ? "a scope map" : "a token"));
  }
}

MgmtApi::Reply MgmtApi::listAuditEvents(const http::Request& request, const ArmPath& p,
                                        const Json& body) {
  constexpr std::size_t kDefaultTop = 100;
  constexpr std::size_t kMaxTop = 10000;
  auto registry = plane_.getRegistry(p.subscription, p.resourceGroup, p.name);
  if (!registry.ok()) return Reply::failure(registry.error());
  if (audit_ == nullptr) {
    return Reply::failure(makeError(Errc::kResourceNotFound, "this daemon keeps no audit trail"));
  }
  std::size_t top = kDefaultTop;
  std::string topText;
  if (auto q = request.queryParam("top")) topText = std::string(*q);
  if (body.is_object() && body.contains("top")) {
    if (!body["top"].is_number_unsigned()) {
      return Reply::failure(makeError(Errc::kInvalidParameter, "top must be a positive integer"));
    }
    topText = std::to_string(body["top"].get<std::uint64_t>());
  }
  if (!topText.empty()) {
    std::size_t parsed = 0;
    auto [end, ec] = std::from_chars(topText.data(), topText.data() + topText.size(), parsed);
    if (ec != std::errc{} || end != topText.data() + topText.size() || parsed == 0) {
      return Reply::failure(makeError(Errc::kInvalidParameter,
                                      "top must be a positive integer, got '" +
                                          topText.substr(0, 32) + "'"));
    }
    top = std::min(parsed, kMaxTop);
  }
  auto events = audit_->list(toLower(p.name), top);
  if (!events.ok()) return Reply::failure(events.error());
  Json value = Json::array();
  for (const auto& e : *events) {
    Json event = auth::auditEventFields(e);
    event["time"] = formatRfc3339(e.time);
    value.push_back(std::move(event));
  }
  return Reply{200, Json{{"value", std::move(value)}}, std::nullopt};
}

}  // namespace berth::mgmt
