#pragma once
// Parses /v2/... paths into routes. Repository names contain slashes, so the route is decided
// from the end of the path. Pure and fuzzable.

#include <string_view>

#include "common/result.h"

namespace berth::registry {

enum class RouteKind {
  kBase,         // /v2/
  kCatalog,      // /v2/_catalog
  kTags,         // /v2/<name>/tags/list
  kManifest,     // /v2/<name>/manifests/<reference>
  kBlob,         // /v2/<name>/blobs/<digest>
  kUploadStart,  // /v2/<name>/blobs/uploads/
  kUpload,       // /v2/<name>/blobs/uploads/<id>
  kReferrers,    // /v2/<name>/referrers/<digest>
};

struct Route {
  RouteKind kind = RouteKind::kBase;
  std::string_view name;       // repository, validated
  std::string_view reference;  // tag/digest/upload id, not yet validated
};

/// kRouteUnknown for paths outside the API, kNameInvalid for a bad repository name.
Result<Route> parseRoute(std::string_view path);

}  // namespace berth::registry
