#include "registry/access_requirement.h"

namespace berth::registry {

std::string AccessRequirement::challengeScope() const {
  switch (kind) {
    case Kind::kAuthenticated: return {};
    case Kind::kCatalog: return "registry:catalog:*";
    case Kind::kRepository: break;
  }
  std::string scope = "repository:";
  scope.append(repository);
  // Docker clients ask for pull with push; asking for both saves them a second token round trip.
  scope.append(action == auth::Action::kPush ? ":pull,push" : ":" + std::string(auth::actionName(action)));
  return scope;
}

AccessRequirement requiredAccess(const Route& route, http::Method method) {
  AccessRequirement need;
  switch (route.kind) {
    case RouteKind::kBase: return need;
    case RouteKind::kCatalog: need.kind = AccessRequirement::Kind::kCatalog; return need;
    case RouteKind::kTags:
    case RouteKind::kReferrers:
    case RouteKind::kManifest:
    case RouteKind::kBlob:
    case RouteKind::kUploadStart:
    case RouteKind::kUpload: break;
  }
  need.kind = AccessRequirement::Kind::kRepository;
  need.repository = route.name;
  if (route.kind == RouteKind::kUploadStart || route.kind == RouteKind::kUpload) {
    need.action = auth::Action::kPush;
  } else if (method == http::Method::kDelete) {
    need.action = auth::Action::kDelete;
  } else if (method == http::Method::kPut || method == http::Method::kPost ||
             method == http::Method::kPatch) {
    need.action = auth::Action::kPush;
  } else {
    need.action = auth::Action::kPull;  // GET, HEAD; other methods are refused by the handlers
  }
  return need;
}

}  // namespace berth::registry
