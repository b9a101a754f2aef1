#include "registry/access_requirement.h"

#include <gtest/gtest.h>

namespace berth::registry {
namespace {

using http::Method;
using Kind = AccessRequirement::Kind;

AccessRequirement need(std::string_view path, Method method) {
  auto route = parseRoute(path);
  EXPECT_TRUE(route.ok()) << path;
  return requiredAccess(*route, method);
}

TEST(AccessRequirement, EveryRouteAndMethodMapsToOneAction) {
  struct Case {
    std::string path;
    Method method;
    Kind kind;
    auth::Action action;
    std::string_view scope;
  };
  const Case cases[] = {
      {"/v2/", Method::kGet, Kind::kAuthenticated, auth::Action::kPull, ""},
      {"/v2/_catalog", Method::kGet, Kind::kCatalog, auth::Action::kPull, "registry:catalog:*"},
      {"/v2/a/b/tags/list", Method::kGet, Kind::kRepository, auth::Action::kPull, "repository:a/b:pull"},
      {"/v2/app/manifests/v1", Method::kGet, Kind::kRepository, auth::Action::kPull, "repository:app:pull"},
      {"/v2/app/manifests/v1", Method::kHead, Kind::kRepository, auth::Action::kPull, "repository:app:pull"},
      {"/v2/app/manifests/v1", Method::kPut, Kind::kRepository, auth::Action::kPush, "repository:app:pull,push"},
      {"/v2/app/manifests/v1", Method::kDelete, Kind::kRepository, auth::Action::kDelete, "repository:app:delete"},
      {"/v2/app/blobs/sha256:" + std::string(64, 'a'), Method::kGet, Kind::kRepository, auth::Action::kPull, "repository:app:pull"},
      {"/v2/app/blobs/sha256:" + std::string(64, 'a'), Method::kDelete, Kind::kRepository, auth::Action::kDelete, "repository:app:delete"},
      {"/v2/app/blobs/uploads/", Method::kPost, Kind::kRepository, auth::Action::kPush, "repository:app:pull,push"},
      {"/v2/app/blobs/uploads/abc", Method::kGet, Kind::kRepository, auth::Action::kPush, "repository:app:pull,push"},
      {"/v2/app/blobs/uploads/abc", Method::kDelete, Kind::kRepository, auth::Action::kPush, "repository:app:pull,push"},
      {"/v2/app/referrers/sha256:" + std::string(64, 'a'), Method::kGet, Kind::kRepository, auth::Action::kPull, "repository:app:pull"},
  };
  for (const auto& c : cases) {
    auto n = need(c.path, c.method);
    EXPECT_EQ(n.kind, c.kind) << c.path;
    if (c.kind == Kind::kRepository) {
      EXPECT_EQ(n.action, c.action) << c.path;
    }
    EXPECT_EQ(n.challengeScope(), c.scope) << c.path;
  }
}

TEST(AccessRequirement, OnlyContentChangesAreWrites) {
  EXPECT_FALSE(need("/v2/app/manifests/v1", Method::kGet).writes());
  EXPECT_TRUE(need("/v2/app/manifests/v1", Method::kPut).writes());
  EXPECT_TRUE(need("/v2/app/manifests/v1", Method::kDelete).writes());
  EXPECT_FALSE(need("/v2/_catalog", Method::kGet).writes());
}

}  // namespace
}  // namespace berth::registry
