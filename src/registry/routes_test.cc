#include "registry/routes.h"

#include <gtest/gtest.h>

namespace berth::registry {
namespace {

struct Case {
  const char* path;
  RouteKind kind;
  const char* name;
  const char* reference;
};

TEST(RoutesTest, ParsesEveryEndpoint) {
  const Case cases[] = {
      {"/v2/", RouteKind::kBase, "", ""},
      {"/v2", RouteKind::kBase, "", ""},
      {"/v2/_catalog", RouteKind::kCatalog, "", ""},
      {"/v2/a/b/c/tags/list", RouteKind::kTags, "a/b/c", ""},
      {"/v2/app/manifests/latest", RouteKind::kManifest, "app", "latest"},
      {"/v2/x/manifests/y/manifests/v1", RouteKind::kManifest, "x/manifests/y", "v1"},
      {"/v2/app/blobs/sha256:abc", RouteKind::kBlob, "app", "sha256:abc"},
      {"/v2/app/blobs/uploads/", RouteKind::kUploadStart, "app", ""},
      {"/v2/app/blobs/uploads", RouteKind::kUploadStart, "app", ""},
      {"/v2/app/blobs/uploads/1234-abcd", RouteKind::kUpload, "app", "1234-abcd"},
      {"/v2/blobs/blobs/uploads/1", RouteKind::kUpload, "blobs", "1"},
      {"/v2/app/referrers/sha256:abc", RouteKind::kReferrers, "app", "sha256:abc"},
  };
  for (const Case& c : cases) {
    auto route = parseRoute(c.path);
    ASSERT_TRUE(route.ok()) << c.path << ": " << route.error().message;
    EXPECT_EQ(route->kind, c.kind) << c.path;
    EXPECT_EQ(route->name, c.name) << c.path;
    EXPECT_EQ(route->reference, c.reference) << c.path;
  }
}

TEST(RoutesTest, RejectsUnknownPathsAndBadNames) {
  EXPECT_EQ(parseRoute("/").error().code, Errc::kRouteUnknown);
  EXPECT_EQ(parseRoute("/v1/app/manifests/x").error().code, Errc::kRouteUnknown);
  EXPECT_EQ(parseRoute("/v2/app/whatever/x").error().code, Errc::kRouteUnknown);
  EXPECT_EQ(parseRoute("/v2/app/manifests/").error().code, Errc::kRouteUnknown);
  EXPECT_EQ(parseRoute("/v2/../etc/manifests/x").error().code, Errc::kNameInvalid);
  EXPECT_EQ(parseRoute("/v2/App/manifests/x").error().code, Errc::kNameInvalid);
  EXPECT_EQ(parseRoute("/v2//manifests/x").error().code, Errc::kNameInvalid);
}

}  // namespace
}  // namespace berth::registry
