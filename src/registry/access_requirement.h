#pragma once
// What a data-plane request needs permission for, decided from its route and method alone (before
// a byte of the body is read). Pure.
//
//   GET/HEAD /v2/                                  any authenticated principal
//   GET /v2/_catalog                               registry:catalog:*
//   GET tags, manifests, blobs, referrers          pull
//   PUT manifests, any upload request              push
//   DELETE manifests, blobs                        delete
// A cross-repository mount additionally needs pull on the source; the upload handler checks that
// and falls back to an ordinary upload, as the distribution spec allows.

#include <string_view>

#include "auth/scope.h"
#include "http/request.h"
#include "registry/routes.h"

namespace berth::registry {

struct AccessRequirement {
  enum class Kind : std::uint8_t { kAuthenticated, kRepository, kCatalog };
  Kind kind = Kind::kAuthenticated;
  std::string_view repository;  // kRepository
  auth::Action action = auth::Action::kPull;

  /// The scope a client must ask the token server for (the challenge's `scope`); empty for
  /// kAuthenticated.
  std::string challengeScope() const;
  /// True for requests that change content: they are audited.
  bool writes() const {
    return kind == Kind::kRepository && action != auth::Action::kPull;
  }
};

AccessRequirement requiredAccess(const Route& route, http::Method method);

}  // namespace berth::registry
