// The index snapshot end to end over the real stores: what a restart from a snapshot serves must
// be exactly what a restart from the catalog serves, and a snapshot is used only while the
// catalog vouches for it.

#include <fstream>
#include <sstream>

#include "registry/index_snapshot_format.h"
#include "registry/registry_test_fixture.h"

namespace berth::registry {
namespace {

using testing::RegistryFixture;
constexpr std::string_view kOci = "application/vnd.oci.image.manifest.v1+json";
constexpr std::int64_t kGrace = 3600;

class RegistrySnapshotTest : public RegistryFixture {
 protected:
  /// Three repositories: an image with two tags and a referrer, a tag-only repository sharing a
  /// layer, and one holding only an uploaded blob.
  void populate() {
    image_ = pushImage("team/app", "v1", "layer-one");
    ASSERT_TRUE(service_->putManifest("team/app", "latest", kOci,
                                      std::string(*(*service_->getManifest("team/app", "v1"))->bytes))
                    .ok());
    std::string sig = imageManifest(digestOf("{}"), 2, {}, image_, "application/vnd.example.sig");
    signature_ = digestOf(sig);
    ASSERT_TRUE(service_->putManifest("team/app", signature_.str(), kOci, sig).ok());
    other_ = pushImage("team/other", "stable", "layer-one");
    loose_ = pushBlob("uploads/only", "a loose blob");
  }

  /// Everything a client can read of the populated registry, as one comparable text.
  std::string view() {
    std::ostringstream out;
    service_->visitRepositories(std::nullopt, "", [&](std::string_view name) {
      out << "repo " << name << "\n";
      (void)service_->visitTags(name, std::nullopt, "", [&](std::string_view tag) {
        auto m = service_->getManifest(name, tag);
        out << "  tag " << tag << " -> " << (m.ok() ? (*m)->digest.str() : "?") << "\n";
      });
    });
    for (const auto& [repo, digest] :
         {std::pair{"team/app", image_}, {"team/app", signature_}, {"team/other", other_}}) {
      auto m = service_->getManifest(repo, digest.str());
      out << "manifest " << repo << "@" << digest.str() << " ";
      if (m.ok()) {
        out << (*m)->mediaType << " " << (*m)->artifactType << " "
            << ((*m)->subject ? (*m)->subject->str() : "-") << " " << (*m)->createdUnixSeconds
            << " " << digestOf(*(*m)->bytes).str() << "\n";
      } else {
        out << "missing\n";
      }
    }
    for (const auto& [repo, bytes] : {std::pair{"team/app", "layer-one"}, {"team/other", "layer-one"},
                                      {"uploads/only", "a loose blob"}, {"team/app", "a loose blob"}}) {
      auto size = service_->statBlob(repo, digestOf(bytes));
      out << "blob " << repo << " " << bytes << " " << (size.ok() ? std::to_string(*size) : "-")
          << "\n";
    }
    auto referrers = service_->referrers("team/app", image_, "");
    out << "referrers " << (referrers.ok() ? referrers->size() : 99) << "\n";
    out << "bytes " << service_->storageBytes() << "\n";
    return out.str();
  }

  std::string fileBytes() {
    std::ifstream in(snapshotFile(), std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  void writeFileBytes(const std::string& bytes) {
    std::ofstream out(snapshotFile(), std::ios::binary | std::ios::trunc);
    out << bytes;
  }

  Digest image_, signature_, other_, loose_;
};

TEST_F(RegistrySnapshotTest, ARestartFromTheSnapshotServesWhatTheCatalogHas) {
  populate();
  reopen();
  const std::string fromCatalog = view();
  auto saved = service_->saveSnapshot();
  ASSERT_TRUE(saved.ok()) << saved.error().message;
  EXPECT_TRUE(*saved);
  ASSERT_TRUE(reopenFromSnapshot());
  EXPECT_TRUE(service_->openedFromSnapshot());
  EXPECT_EQ(view(), fromCatalog);
}

TEST_F(RegistrySnapshotTest, NothingIsMappedWithoutARecordedSnapshot) {
  populate();
  EXPECT_FALSE(reopenFromSnapshot()) << "no snapshot was ever written";
  EXPECT_FALSE(service_->openedFromSnapshot());
}

TEST_F(RegistrySnapshotTest, AnUnchangedIndexIsNotWrittenAgain) {
  populate();
  ASSERT_TRUE(*service_->saveSnapshot());
  ASSERT_TRUE(reopenFromSnapshot());
  (void)view();  // decodes every repository: reading changes nothing
  auto saved = service_->saveSnapshot();
  ASSERT_TRUE(saved.ok());
  EXPECT_FALSE(*saved);
  EXPECT_TRUE(reopenFromSnapshot());
}

TEST_F(RegistrySnapshotTest, AWriteSinceTheSnapshotMeansTheCatalogIsRead) {
  populate();
  ASSERT_TRUE(*service_->saveSnapshot());
  reopen();  // another process, say, that writes without saving a snapshot afterwards
  ASSERT_TRUE(service_->deleteManifest("team/app", "latest").ok());
  const std::string expected = view();
  EXPECT_FALSE(reopenFromSnapshot());
  EXPECT_EQ(view(), expected);
}

TEST_F(RegistrySnapshotTest, StartingAnUploadVoidsTheSnapshot) {
  populate();
  ASSERT_TRUE(*service_->saveSnapshot());
  ASSERT_TRUE(reopenFromSnapshot());
  {
    auto lease = uploads_->start("team/app");
    ASSERT_TRUE(lease.ok());
  }
  EXPECT_FALSE(reopenFromSnapshot());
}

// Written over a mapped snapshot: decoded-and-changed repositories are encoded again, the others
// are copied as they were.
TEST_F(RegistrySnapshotTest, ChangesAfterAMappedStartSurviveTheNextSnapshot) {
  populate();
  ASSERT_TRUE(*service_->saveSnapshot());
  ASSERT_TRUE(reopenFromSnapshot());
  Digest added = pushImage("team/other", "next", "layer-two");
  ASSERT_TRUE(service_->deleteManifest("team/app", "latest").ok());
  ASSERT_TRUE(*service_->mountBlob("new/repo", "team/other", digestOf("layer-two")));
  const std::string expected = view();
  auto saved = service_->saveSnapshot();
  ASSERT_TRUE(saved.ok()) << saved.error().message;
  EXPECT_TRUE(*saved);
  ASSERT_TRUE(reopenFromSnapshot());
  EXPECT_EQ(view(), expected);
  EXPECT_EQ((*service_->getManifest("team/other", "next"))->digest, added);
  EXPECT_TRUE(service_->statBlob("new/repo", digestOf("layer-two")).ok());
  reopen();
  EXPECT_EQ(view(), expected) << "the catalog agrees";
}

TEST_F(RegistrySnapshotTest, ADamagedRepositoryIsReadFromTheCatalog) {
  populate();
  reopen();
  const std::string expected = view();
  ASSERT_TRUE(*service_->saveSnapshot());
  // The first section starts right after the header: its manifest count becomes absurd.
  std::string bytes = fileBytes();
  bytes[snapshot::kHeaderBytes] = '\x7f';
  writeFileBytes(bytes);
  ASSERT_TRUE(reopenFromSnapshot()) << "header, directory and blob table are intact";
  EXPECT_EQ(view(), expected);
}

TEST_F(RegistrySnapshotTest, AFileThatIsNotTheRecordedOneIsNotUsed) {
  populate();
  reopen();
  const std::string expected = view();
  ASSERT_TRUE(*service_->saveSnapshot());
  const std::string good = fileBytes();

  writeFileBytes(good.substr(0, good.size() - 1));  // cut short
  EXPECT_FALSE(reopenFromSnapshot());
  EXPECT_EQ(view(), expected);

  std::string otherToken = good;
  otherToken[snapshot::kHeaderBytes - 1] ^= 1;
  writeFileBytes(otherToken);
  EXPECT_FALSE(reopenFromSnapshot());
  EXPECT_EQ(view(), expected);

  std::filesystem::remove(snapshotFile());
  EXPECT_FALSE(reopenFromSnapshot());
  EXPECT_EQ(view(), expected);
}

TEST_F(RegistrySnapshotTest, GarbageCollectionOverAMappedIndexVoidsTheSnapshot) {
  Digest kept = pushImage("repo", "v1", "kept-layer");
  pushImage("repo", "v2", "dropped-layer");
  ASSERT_TRUE(service_->deleteManifest("repo", "v2").ok());
  ASSERT_TRUE(*service_->saveSnapshot());
  ASSERT_TRUE(reopenFromSnapshot());
  clock_.now += 2 * kGrace;  // after the start: a start counts every blob as just touched
  auto plan = service_->planGarbage(kGrace);
  ASSERT_TRUE(plan.ok());
  auto done = service_->applyGarbagePlan(*plan, kGrace);
  ASSERT_TRUE(done.ok()) << done.error().message;
  EXPECT_EQ(done->manifests.size(), 1u);
  EXPECT_EQ(done->blobs.size(), 1u);
  EXPECT_EQ(*metadata_->indexSnapshotToken("testreg"), "");
  EXPECT_FALSE(service_->statBlob("repo", digestOf("dropped-layer")).ok());
  EXPECT_EQ((*service_->getManifest("repo", "v1"))->digest, kept);
  ASSERT_TRUE(*service_->saveSnapshot());
  ASSERT_TRUE(reopenFromSnapshot());
  EXPECT_FALSE(service_->statBlob("repo", digestOf("dropped-layer")).ok());
  EXPECT_TRUE(service_->statBlob("repo", digestOf("kept-layer")).ok());
}

TEST_F(RegistrySnapshotTest, ConcurrentFirstReadsOfOneRepositoryDecodeItOnce) {
  for (int i = 0; i < 50; ++i) pushImage("busy", "t" + std::to_string(i), "layer-" + std::to_string(i));
  ASSERT_TRUE(*service_->saveSnapshot());
  ASSERT_TRUE(reopenFromSnapshot());
  std::vector<std::thread> readers;
  std::atomic<int> found{0};
  for (int t = 0; t < 8; ++t) {
    readers.emplace_back([&, t] {
      for (int i = t; i < 50; i += 8) {
        if (service_->getManifest("busy", "t" + std::to_string(i)).ok()) ++found;
      }
    });
  }
  for (auto& reader : readers) reader.join();
  EXPECT_EQ(found.load(), 50);
}

}  // namespace
}  // namespace berth::registry
