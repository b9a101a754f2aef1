#include "registry/routes.h"

#include "common/reference.h"

namespace berth::registry {

namespace {

Error unknownRoute(std::string_view path) {
  return makeError(Errc::kRouteUnknown,
                   "no registry API at '" + std::string(path.substr(0, 256)) +
                       "'; the API lives under /v2/ (see the OCI distribution spec)");
}

bool stripSuffix(std::string_view& s, std::string_view suffix) {
  if (!s.ends_with(suffix)) return false;
  s.remove_suffix(suffix.size());
  return true;
}

}  // namespace

Result<Route> parseRoute(std::string_view path) {
  constexpr std::string_view kPrefix = "/v2/";
  if (path == "/v2") return Route{RouteKind::kBase, {}, {}};
  if (!path.starts_with(kPrefix)) return unknownRoute(path);
  std::string_view rest = path.substr(kPrefix.size());
  if (rest.empty()) return Route{RouteKind::kBase, {}, {}};
  if (rest == "_catalog") return Route{RouteKind::kCatalog, {}, {}};

  Route route;
  std::string_view body = rest;
  if (stripSuffix(body, "/tags/list")) {
    route.kind = RouteKind::kTags;
  } else if (stripSuffix(body, "/blobs/uploads/") || stripSuffix(body, "/blobs/uploads")) {
    route.kind = RouteKind::kUploadStart;
  } else {
    std::size_t slash = body.rfind('/');
    if (slash == std::string_view::npos) return unknownRoute(path);
    route.reference = body.substr(slash + 1);
    body = body.substr(0, slash);
    if (stripSuffix(body, "/blobs/uploads")) {
      route.kind = RouteKind::kUpload;
    } else if (stripSuffix(body, "/manifests")) {
      route.kind = RouteKind::kManifest;
    } else if (stripSuffix(body, "/blobs")) {
      route.kind = RouteKind::kBlob;
    } else if (stripSuffix(body, "/referrers")) {
      route.kind = RouteKind::kReferrers;
    } else {
      return unknownRoute(path);
    }
    if (route.reference.empty()) return unknownRoute(path);
  }
  BERTH_TRY(validateRepositoryName(body));
  route.name = body;
  return route;
}

}  // namespace berth::registry
