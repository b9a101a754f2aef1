#include "registry/registry_service.h"

#include "registry/registry_test_fixture.h"

namespace berth::registry {
namespace {

using testing::RegistryFixture;
constexpr std::string_view kOci = "application/vnd.oci.image.manifest.v1+json";

class RegistryServiceTest : public RegistryFixture {};

TEST_F(RegistryServiceTest, ManifestRoundTripByTagAndDigestKeepsBytes) {
  Digest m = pushImage("team/app", "v1", "layer-bytes");
  auto byTag = service_->getManifest("team/app", "v1");
  ASSERT_TRUE(byTag.ok());
  EXPECT_EQ((*byTag)->digest, m);
  auto byDigest = service_->getManifest("team/app", m.str());
  ASSERT_TRUE(byDigest.ok());
  EXPECT_EQ(digestOf(*(*byDigest)->bytes), m);
}

TEST_F(RegistryServiceTest, EverythingSurvivesARestart) {
  Digest m = pushImage("team/app", "v1", "layer-bytes");
  reopen();
  auto got = service_->getManifest("team/app", "v1");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ((*got)->digest, m);
  EXPECT_TRUE(service_->statBlob("team/app", digestOf("layer-bytes")).ok());
}

TEST_F(RegistryServiceTest, ManifestNeedsItsBlobsInTheRepository) {
  Digest config = pushBlob("other", "{}");
  std::string m = imageManifest(config, 2, {});
  auto put = service_->putManifest("team/app", "v1", kOci, m);
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.error().code, Errc::kManifestBlobUnknown);
  EXPECT_FALSE(service_->repositoryExists("team/app"));
}

TEST_F(RegistryServiceTest, DigestReferenceMustMatchContent) {
  Digest config = pushBlob("team/app", "{}");
  std::string m = imageManifest(config, 2, {});
  auto put = service_->putManifest("team/app", digestOf("other").str(), kOci, m);
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.error().code, Errc::kDigestInvalid);
}

TEST_F(RegistryServiceTest, OversizedManifestIsRefused) {
  std::string huge(5 * 1024 * 1024, ' ');
  auto put = service_->putManifest("team/app", "v1", kOci, huge);
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.error().code, Errc::kManifestTooLarge);
}

TEST_F(RegistryServiceTest, DeletingATagKeepsTheManifest) {
  Digest m = pushImage("team/app", "v1", "x");
  ASSERT_TRUE(service_->deleteManifest("team/app", "v1").ok());
  EXPECT_EQ(service_->getManifest("team/app", "v1").error().code, Errc::kManifestUnknown);
  EXPECT_TRUE(service_->getManifest("team/app", m.str()).ok());
}

TEST_F(RegistryServiceTest, DeletingByDigestRemovesTags) {
  Digest m = pushImage("team/app", "v1", "x");
  ASSERT_TRUE(service_->deleteManifest("team/app", m.str()).ok());
  EXPECT_FALSE(service_->getManifest("team/app", "v1").ok());
  reopen();
  EXPECT_FALSE(service_->getManifest("team/app", m.str()).ok());
}

// The names of one page of a listing, as the visitor receives them.
using Listed = std::vector<std::string>;

NameVisitor into(Listed& listed) {
  return [&listed](std::string_view name) { listed.emplace_back(name); };
}

TEST_F(RegistryServiceTest, TagsPaginateLexically) {
  for (const char* tag : {"b", "a", "d", "c", "e"}) pushImage("repo", tag, "same");
  Listed first;
  auto more = service_->visitTags("repo", 2, "", into(first));
  ASSERT_TRUE(more.ok());
  EXPECT_EQ(first, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(*more);
  Listed rest;
  more = service_->visitTags("repo", 10, "b", into(rest));
  EXPECT_EQ(rest, (std::vector<std::string>{"c", "d", "e"}));
  EXPECT_FALSE(*more);
  Listed all;
  more = service_->visitTags("repo", std::nullopt, "", into(all));
  EXPECT_EQ(all.size(), 5u);
  EXPECT_FALSE(*more);  // without n there is never a next page
  Listed none;
  EXPECT_EQ(service_->visitTags("nope", 10, "", into(none)).error().code, Errc::kNameUnknown);
  EXPECT_TRUE(none.empty());
}

TEST_F(RegistryServiceTest, CatalogPaginates) {
  for (const char* repo : {"a/x", "b", "a/y"}) pushImage(repo, "v", "z");
  Listed page;
  EXPECT_TRUE(service_->visitRepositories(2, "", into(page)));
  EXPECT_EQ(page, (std::vector<std::string>{"a/x", "a/y"}));
  Listed last;
  EXPECT_FALSE(service_->visitRepositories(2, "a/y", into(last)));
  EXPECT_EQ(last, std::vector<std::string>{"b"});
}

TEST_F(RegistryServiceTest, ReferrersAreIndexedBySubjectAndFiltered) {
  Digest subject = pushImage("repo", "v1", "image");
  Digest config = digestOf("{}");
  std::string sig = imageManifest(config, 2, {}, subject, "application/vnd.example.sig");
  std::string sbom = imageManifest(config, 2, {}, subject, "application/vnd.example.sbom");
  auto p1 = service_->putManifest("repo", digestOf(sig).str(), kOci, sig);
  ASSERT_TRUE(p1.ok()) << p1.error().message;
  EXPECT_EQ(p1->subject, subject);
  ASSERT_TRUE(service_->putManifest("repo", digestOf(sbom).str(), kOci, sbom).ok());
  EXPECT_EQ(service_->referrers("repo", subject, "")->size(), 2u);
  auto filtered = service_->referrers("repo", subject, "application/vnd.example.sig");
  ASSERT_EQ(filtered->size(), 1u);
  EXPECT_EQ((*filtered)[0]->digest, digestOf(sig));
  reopen();
  EXPECT_EQ(service_->referrers("repo", subject, "")->size(), 2u);
}

TEST_F(RegistryServiceTest, MountLinksOnlyBlobsTheSourceHas) {
  Digest d = pushBlob("src", "shared");
  EXPECT_TRUE(*service_->mountBlob("dst", "src", d));
  EXPECT_TRUE(service_->statBlob("dst", d).ok());
  EXPECT_FALSE(*service_->mountBlob("dst2", "nowhere", d));
  EXPECT_FALSE(service_->statBlob("dst2", d).ok());
}

TEST_F(RegistryServiceTest, DeleteBlobUnlinksFromRepositoryOnly) {
  Digest d = pushBlob("a", "bytes");
  ASSERT_TRUE(*service_->mountBlob("b", "a", d));
  ASSERT_TRUE(service_->deleteBlob("a", d).ok());
  EXPECT_FALSE(service_->statBlob("a", d).ok());
  EXPECT_TRUE(service_->statBlob("b", d).ok());
  EXPECT_EQ(service_->deleteBlob("a", d).error().code, Errc::kBlobUnknown);
}

TEST_F(RegistryServiceTest, IndexNeedsItsChildren) {
  Digest child = pushImage("repo", "amd64", "l1");
  std::string index = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" +
                      child.str() + R"(","size":10}]})";
  EXPECT_TRUE(service_->putManifest("repo", "multi", "application/vnd.oci.image.index.v1+json", index).ok());
  auto missing = service_->putManifest("other", "multi", "application/vnd.oci.image.index.v1+json", index);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::kManifestBlobUnknown);
}

}  // namespace
}  // namespace berth::registry
