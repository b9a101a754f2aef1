#include "registry/registry_test_fixture.h"

namespace berth::registry {
namespace {

using testing::RegistryFixture;
constexpr std::int64_t kGrace = 3600;

class GarbageCollectorTest : public RegistryFixture {
 protected:
  RegistryService::GcPlan collect() {
    auto plan = service_->planGarbage(kGrace);
    EXPECT_TRUE(plan.ok());
    auto applied = service_->applyGarbagePlan(*plan, kGrace);
    EXPECT_TRUE(applied.ok());
    return *applied;
  }
};

TEST_F(GarbageCollectorTest, TaggedContentStays) {
  pushImage("repo", "v1", "layer");
  clock_.now += 2 * kGrace;
  auto done = collect();
  EXPECT_TRUE(done.manifests.empty());
  EXPECT_TRUE(done.blobs.empty());
}

TEST_F(GarbageCollectorTest, UntaggedManifestAndItsBlobsGoAfterGrace) {
  Digest m = pushImage("repo", "v1", "layer");
  ASSERT_TRUE(service_->deleteManifest("repo", "v1").ok());
  EXPECT_TRUE(collect().manifests.empty()) << "young content is kept";
  clock_.now += 2 * kGrace;
  auto done = collect();
  ASSERT_EQ(done.manifests.size(), 1u);
  EXPECT_EQ(done.manifests[0].second, m);
  EXPECT_EQ(done.blobs.size(), 2u);
  EXPECT_FALSE(blobs_->stat("testreg", digestOf("layer")).ok());
  reopen();
  EXPECT_FALSE(service_->getManifest("repo", m.str()).ok());
}

TEST_F(GarbageCollectorTest, BlobSharedWithALiveImageStays) {
  pushImage("a", "v1", "shared");
  pushImage("b", "v1", "shared");
  ASSERT_TRUE(service_->deleteManifest("a", "v1").ok());
  clock_.now += 2 * kGrace;
  auto done = collect();
  EXPECT_EQ(done.manifests.size(), 1u);
  EXPECT_TRUE(done.blobs.empty());
  EXPECT_TRUE(service_->statBlob("b", digestOf("shared")).ok());
}

TEST_F(GarbageCollectorTest, RecentlyCheckedBlobSurvivesForAPendingManifest) {
  Digest d = pushBlob("repo", "uploaded-before-manifest");
  clock_.now += 2 * kGrace;
  auto plan = service_->planGarbage(kGrace);
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->blobs.size(), 1u);
  // A client HEADs the blob (it is about to push a manifest) between planning and applying.
  ASSERT_TRUE(service_->statBlob("repo", d).ok());
  auto applied = service_->applyGarbagePlan(*plan, kGrace);
  ASSERT_TRUE(applied.ok());
  EXPECT_TRUE(applied->blobs.empty());
  EXPECT_TRUE(service_->statBlob("repo", d).ok());
}

TEST_F(GarbageCollectorTest, IndexKeepsChildrenAndReferrersFollowSubject) {
  Digest child = pushImage("repo", "tmp", "l1");
  std::string index = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" +
                      child.str() + R"(","size":10}]})";
  ASSERT_TRUE(service_->putManifest("repo", "multi", "application/vnd.oci.image.index.v1+json", index).ok());
  std::string sig = imageManifest(digestOf("{}"), 2, {}, child, "application/vnd.example.sig");
  ASSERT_TRUE(service_->putManifest("repo", digestOf(sig).str(), "application/vnd.oci.image.manifest.v1+json", sig).ok());
  ASSERT_TRUE(service_->deleteManifest("repo", "tmp").ok());
  clock_.now += 2 * kGrace;
  EXPECT_TRUE(collect().manifests.empty());
  ASSERT_TRUE(service_->deleteManifest("repo", "multi").ok());
  auto done = collect();
  EXPECT_EQ(done.manifests.size(), 3u);  // index, child, and the child's signature
}

}  // namespace
}  // namespace berth::registry
