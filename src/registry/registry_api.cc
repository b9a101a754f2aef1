#include "registry/registry_api.h"

#include <charconv>

#include "registry/handler_context.h"

namespace berth::registry {

Error methodNotAllowed(http::Method method, std::string_view what) {
  return makeError(Errc::kMethodNotAllowed, std::string(http::methodName(method)) +
                                                " is not supported on " + std::string(what));
}

Result<std::optional<std::size_t>> pageSize(const http::Request& request) {
  auto n = request.queryParam("n");
  if (!n) return std::optional<std::size_t>{};
  std::size_t value = 0;
  auto [ptr, ec] = std::from_chars(n->data(), n->data() + n->size(), value);
  if (n->empty() || ec != std::errc{} || ptr != n->data() + n->size()) {
    return fail(Errc::kPaginationInvalid,
                "query parameter n must be a non-negative integer, got '" +
                    std::string(n->substr(0, 32)) + "'");
  }
  return std::optional<std::size_t>(value);
}

boost::asio::awaitable<void> RegistryApi::handle(http::Request& request,
                                                 http::Response& response) {
  try {
    co_await dispatch(request, response);
  } catch (const std::exception& e) {
    log_.error(std::string("request failed unexpectedly: ") + e.what());
    http::writeRegistryError(response, internalError("the registry hit an unexpected error; "
                                                     "see the daemon log"));
  }
  response.setHeader("Docker-Distribution-API-Version", "registry/2.0");
}

boost::asio::awaitable<void> RegistryApi::dispatch(http::Request& request,
                                                   http::Response& response) {
  // TODO(networking): access::classify(snapshot, connection, host) runs here, before anything
  // else, so that a denied network learns nothing.
  // One snapshot for the whole request: registry, policy and role assignments agree.
  const auto snapshot = directory_.snapshot();
  const ServedRegistry* served = snapshot->findHost(request.host);
  if (served == nullptr) {
    http::writeRegistryError(
        response, makeError(Errc::kRegistryUnknown,
                            "no registry is served at host '" + std::string(request.host) +
                                "'; use the registry's login server name",
                            std::string(request.host)));
    co_return;
  }
  if (isTokenEndpointPath(request.path)) {
    co_await tokens_.handle(request, response, *snapshot, *served);
    co_return;
  }
  auto route = parseRoute(request.path);
  if (!route.ok()) {
    http::writeRegistryError(response, route.error());
    co_return;
  }
  const AccessRequirement need = requiredAccess(*route, request.method);
  auto identity = co_await authorizer_.authorize(request, response, *snapshot, *served, need);
  if (!identity) co_return;
  RegistryInstance& instance = *served->instance;
  HandlerContext ctx{request, response, *instance.service, *instance.uploads, blocking_, *route,
                     log_, *identity};
  switch (route->kind) {
    case RouteKind::kBase:
      if (request.method != http::Method::kGet && request.method != http::Method::kHead) {
        ctx.error(methodNotAllowed(request.method, "/v2/"));
        co_return;
      }
      response.setBody("{}", "application/json");
      co_return;
    case RouteKind::kCatalog: co_await handleCatalog(ctx); break;
    case RouteKind::kTags: co_await handleTags(ctx); break;
    case RouteKind::kManifest: co_await handleManifest(ctx); break;
    case RouteKind::kBlob: co_await handleBlob(ctx); break;
    case RouteKind::kUploadStart: co_await handleUploadStart(ctx); break;
    case RouteKind::kUpload: co_await handleUpload(ctx); break;
    case RouteKind::kReferrers: co_await handleReferrers(ctx); break;
  }
  if (auditable(*route, request.method, response.status)) {
    auditWrite(ctx, *served->access, need);
  }
}

bool RegistryApi::auditable(const Route& route, http::Method method, int status) {
  switch (route.kind) {
    case RouteKind::kManifest:
      return method == http::Method::kPut || method == http::Method::kDelete;
    case RouteKind::kBlob: return method == http::Method::kDelete;
    case RouteKind::kUpload: return method == http::Method::kPut;
    // Monolithic uploads and mounts finish in the POST (201); a 202 only opens a session.
    case RouteKind::kUploadStart: return method == http::Method::kPost && status == 201;
    default: return false;
  }
}

void RegistryApi::auditWrite(const HandlerContext& ctx, const auth::RegistryAccessPolicy& policy,
                             const AccessRequirement& need) {
  if (auth_.audit == nullptr) return;
  const int status = ctx.response.status;
  std::string reference(ctx.route.kind == RouteKind::kManifest || ctx.route.kind == RouteKind::kBlob
                            ? ctx.route.reference
                            : ctx.request.queryParam("digest").value_or(
                                  ctx.request.queryParam("mount").value_or("")));
  recordAudit(auth_, ctx.request, policy,
              {.principal = ctx.identity.principal(), .principalKind = std::string(ctx.identity.principalKind()), .action = std::string(auth::actionName(need.action)), .repository = std::string(ctx.route.name), .reference = std::move(reference), .outcome = status < 400 ? "success" : "failure", .status = status});
}

}  // namespace berth::registry
