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
  auto instance = directory_.findByHost(request.host);
  if (!instance) {
    http::writeRegistryError(
        response, makeError(Errc::kRegistryUnknown,
                            "no registry is served at host '" + std::string(request.host) +
                                "'; use the registry's login server name",
                            std::string(request.host)));
    co_return;
  }
  auto route = parseRoute(request.path);
  if (!route.ok()) {
    http::writeRegistryError(response, route.error());
    co_return;
  }
  HandlerContext ctx{request, response, *instance->service, *instance->uploads, blocking_, *route,
                     log_};
  switch (route->kind) {
    case RouteKind::kBase:
      if (request.method != http::Method::kGet && request.method != http::Method::kHead) {
        ctx.error(methodNotAllowed(request.method, "/v2/"));
        co_return;
      }
      response.setBody("{}", "application/json");
      co_return;
    case RouteKind::kCatalog: co_await handleCatalog(ctx); co_return;
    case RouteKind::kTags: co_await handleTags(ctx); co_return;
    case RouteKind::kManifest: co_await handleManifest(ctx); co_return;
    case RouteKind::kBlob: co_await handleBlob(ctx); co_return;
    case RouteKind::kUploadStart: co_await handleUploadStart(ctx); co_return;
    case RouteKind::kUpload: co_await handleUpload(ctx); co_return;
    case RouteKind::kReferrers: co_await handleReferrers(ctx); co_return;
  }
}

}  // namespace berth::registry
