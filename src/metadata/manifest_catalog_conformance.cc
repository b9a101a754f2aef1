#include "metadata/manifest_catalog_conformance.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/digest.h"

namespace berth::metadata::conformance {
namespace {

constexpr std::string_view kRegistry = "alpha.registry.test";
constexpr std::string_view kOtherRegistry = "beta.registry.test";
constexpr std::string_view kImageManifest = "application/vnd.oci.image.manifest.v1+json";
constexpr std::string_view kImageIndex = "application/vnd.oci.image.index.v1+json";
constexpr std::int64_t kCreated = 1'700'000'000;

template <typename R>
::testing::AssertionResult isOk(const R& result) {
  if (result.ok()) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "failed: " << result.error().message << " [" << result.error().detail << "]";
}

template <typename R>
::testing::AssertionResult failsWith(const R& result, Errc code) {
  if (result.ok()) {
    return ::testing::AssertionFailure()
           << "succeeded; expected error code " << static_cast<int>(code);
  }
  if (result.error().code != code) {
    return ::testing::AssertionFailure()
           << "error code " << static_cast<int>(result.error().code) << " ("
           << result.error().message << "); expected " << static_cast<int>(code);
  }
  return ::testing::AssertionSuccess();
}

ManifestRow makeManifest(std::string_view seed) {
  ManifestRow row;
  row.bytes = R"({"schemaVersion":2,"seed":")" + std::string(seed) + "\"}";
  row.digest = digestOf(row.bytes);
  row.mediaType = kImageManifest;
  row.blobRefs = {digestOf(std::string(seed) + "/config"), digestOf(std::string(seed) + "/layer")};
  row.createdUnixSeconds = kCreated;
  return row;
}

std::vector<std::string> texts(const std::vector<Digest>& digests) {
  std::vector<std::string> out;
  for (const Digest& digest : digests) {
    out.push_back(digest.str());
  }
  return out;
}

std::string text(const std::optional<Digest>& digest) {
  return digest.has_value() ? digest->str() : "<none>";
}

struct LoadedManifest {
  std::string repository;
  ManifestRow row;
};

struct LoadedTag {
  std::string repository;
  std::string tag;
  Digest digest;
};

struct LoadedLink {
  std::string repository;
  Digest digest;
};

struct Snapshot {
  std::vector<std::string> repositories;
  std::vector<LoadedManifest> manifests;
  std::vector<LoadedTag> tags;
  std::vector<LoadedLink> blobLinks;
  std::string order;  // one letter per callback in call order: r, m, t, b

  bool empty() const { return order.empty(); }

  bool hasRepository(std::string_view repository) const {
    return std::find(repositories.begin(), repositories.end(), repository) != repositories.end();
  }

  const ManifestRow* manifest(std::string_view repository, const Digest& digest) const {
    for (const LoadedManifest& m : manifests) {
      if (m.repository == repository && m.row.digest == digest) {
        return &m.row;
      }
    }
    return nullptr;
  }

  std::size_t manifestCount(std::string_view repository) const {
    return std::count_if(manifests.begin(), manifests.end(),
                         [&](const LoadedManifest& m) { return m.repository == repository; });
  }

  std::optional<Digest> tag(std::string_view repository, std::string_view name) const {
    for (const LoadedTag& t : tags) {
      if (t.repository == repository && t.tag == name) {
        return t.digest;
      }
    }
    return std::nullopt;
  }

  std::size_t tagCount(std::string_view repository) const {
    return std::count_if(tags.begin(), tags.end(),
                         [&](const LoadedTag& t) { return t.repository == repository; });
  }

  bool linked(std::string_view repository, const Digest& digest) const {
    return std::any_of(blobLinks.begin(), blobLinks.end(), [&](const LoadedLink& l) {
      return l.repository == repository && l.digest == digest;
    });
  }
};

Snapshot loadSnapshot(ManifestCatalog& catalog, std::string_view registry) {
  Snapshot snapshot;
  CatalogVisitor visitor;
  visitor.repository = [&](std::string_view repository) {
    snapshot.repositories.emplace_back(repository);
    snapshot.order += 'r';
  };
  visitor.manifest = [&](std::string_view repository, ManifestRow&& row) {
    snapshot.manifests.push_back({std::string(repository), std::move(row)});
    snapshot.order += 'm';
  };
  visitor.tag = [&](std::string_view repository, std::string_view tag, const Digest& digest) {
    snapshot.tags.push_back({std::string(repository), std::string(tag), digest});
    snapshot.order += 't';
  };
  visitor.blobLink = [&](std::string_view repository, const Digest& digest) {
    snapshot.blobLinks.push_back({std::string(repository), digest});
    snapshot.order += 'b';
  };
  EXPECT_TRUE(isOk(catalog.load(registry, visitor)));
  // load() hands over no references; they come from loadReferences(), merged in here so that
  // every test compares whole rows.
  for (const LoadedManifest& m : snapshot.manifests) {
    EXPECT_TRUE(m.row.blobRefs.empty() && m.row.manifestRefs.empty())
        << "load() returned references of " << m.repository << "@" << m.row.digest.str();
  }
  std::string lastRepository;
  std::size_t visited = 0;
  EXPECT_TRUE(isOk(catalog.loadReferences(
      registry, [&](std::string_view repository, ManifestReferences&& refs) {
        ++visited;
        EXPECT_LE(lastRepository, repository) << "references out of repository order";
        lastRepository = repository;
        auto it = std::find_if(snapshot.manifests.begin(), snapshot.manifests.end(),
                               [&](const LoadedManifest& m) {
                                 return m.repository == repository && m.row.digest == refs.manifest;
                               });
        if (it == snapshot.manifests.end()) {
          ADD_FAILURE() << "references of a manifest load() did not return: " << repository
                        << "@" << refs.manifest.str();
          return;
        }
        EXPECT_TRUE(it->row.blobRefs.empty() && it->row.manifestRefs.empty())
            << "references visited twice for " << repository << "@" << refs.manifest.str();
        it->row.blobRefs = std::move(refs.blobRefs);
        it->row.manifestRefs = std::move(refs.manifestRefs);
      })));
  EXPECT_EQ(visited, snapshot.manifests.size()) << "every manifest is visited once";
  return snapshot;
}

// The contract's order: all repositories, then manifests, then tags, then blob links.
bool inContractOrder(const std::string& order) {
  auto rank = [](char kind) { return std::string_view("rmtb").find(kind); };
  return std::is_sorted(order.begin(), order.end(),
                        [&](char a, char b) { return rank(a) < rank(b); });
}

void expectSameRow(const ManifestRow* actual, const ManifestRow& expected) {
  ASSERT_NE(actual, nullptr) << "manifest " << expected.digest.str() << " not loaded";
  EXPECT_EQ(actual->digest.str(), expected.digest.str());
  EXPECT_EQ(actual->mediaType, expected.mediaType);
  EXPECT_EQ(actual->artifactType, expected.artifactType);
  EXPECT_EQ(text(actual->subject), text(expected.subject));
  EXPECT_EQ(actual->bytes.size(), expected.bytes.size());
  EXPECT_TRUE(actual->bytes == expected.bytes) << "manifest bytes differ";
  EXPECT_EQ(texts(actual->blobRefs), texts(expected.blobRefs));
  EXPECT_EQ(texts(actual->manifestRefs), texts(expected.manifestRefs));
  EXPECT_EQ(actual->createdUnixSeconds, expected.createdUnixSeconds);
}

}  // namespace

void ManifestCatalogConformance::SetUp() {
  harness_ = GetParam().makeHarness();
  ASSERT_NE(harness_, nullptr);
  auto opened = harness_->open();
  ASSERT_TRUE(isOk(opened));
  catalog_ = std::move(opened).value();
}

void ManifestCatalogConformance::TearDown() {
  catalog_.reset();  // before the harness removes the storage under it
  harness_.reset();
}

void ManifestCatalogConformance::reopen() {
  catalog_.reset();
  auto opened = harness_->open();
  ASSERT_TRUE(isOk(opened));
  catalog_ = std::move(opened).value();
}

std::unique_ptr<ManifestCatalog> ManifestCatalogConformance::openSecond() {
  auto opened = harness_->open();
  EXPECT_TRUE(isOk(opened));
  return opened.ok() ? std::move(opened).value() : nullptr;
}

TEST_P(ManifestCatalogConformance, EmptyRegistryLoadsNothing) {
  Snapshot snapshot = loadSnapshot(catalog(), kRegistry);
  EXPECT_TRUE(snapshot.empty()) << snapshot.order;
}

TEST_P(ManifestCatalogConformance, PutManifestRoundTripsEveryField) {
  ManifestRow row = makeManifest("every-field");
  row.artifactType = "application/vnd.example.sbom";
  row.subject = digestOf("the subject");
  row.manifestRefs = {digestOf("child-1"), digestOf("child-2")};
  row.createdUnixSeconds = 1'234'567'890;
  const std::string tag = "v1.0";
  ASSERT_TRUE(isOk(catalog().putManifest(kRegistry, "team/app", row, &tag)));

  Snapshot snapshot = loadSnapshot(catalog(), kRegistry);
  EXPECT_EQ(snapshot.repositories, std::vector<std::string>{"team/app"});
  ASSERT_EQ(snapshot.manifests.size(), 1u);
  EXPECT_EQ(snapshot.manifests[0].repository, "team/app");
  expectSameRow(&snapshot.manifests[0].row, row);
  EXPECT_EQ(text(snapshot.tag("team/app", tag)), row.digest.str());
}

TEST_P(ManifestCatalogConformance, OptionalFieldsRoundTripEmpty) {
  ManifestRow row = makeManifest("bare");
  row.blobRefs.clear();
  ASSERT_TRUE(isOk(catalog().putManifest(kRegistry, "bare", row, nullptr)));
  Snapshot snapshot = loadSnapshot(catalog(), kRegistry);
  ASSERT_EQ(snapshot.manifests.size(), 1u);
  const ManifestRow& loaded = snapshot.manifests[0].row;
  expectSameRow(&loaded, row);
  EXPECT_TRUE(loaded.artifactType.empty());
  EXPECT_FALSE(loaded.subject.has_value());
  EXPECT_TRUE(loaded.blobRefs.empty());
  EXPECT_TRUE(loaded.manifestRefs.empty());
  EXPECT_EQ(snapshot.tagCount("bare"), 0u);
}

TEST_P(ManifestCatalogConformance, BytesRoundTripExactly) {
  // Every byte value, NULs at both ends and inside, then a large body: the stored bytes are what
  // the digest was computed over, so a single changed byte breaks content addressing.
  std::string binary(1, '\0');
  for (int i = 0; i < 256; ++i) {
    binary.push_back(static_cast<char>(i));
  }
  binary += std::string("\0\0{\"a\":\0}\xff\xfe", 12);
  binary.push_back('\0');
  std::string large;
  large.reserve(2 << 20);
  std::uint32_t state = 12345;
  while (large.size() < (2u << 20)) {
    state = state * 1103515245u + 12345u;  // deterministic noise, including NULs
    large.push_back(static_cast<char>(state >> 24));
  }
  const std::vector<std::string> bodies = {binary, large, std::string(1, '\0'), "{}"};
  for (std::size_t i = 0; i < bodies.size(); ++i) {
    ManifestRow row = makeManifest("binary-" + std::to_string(i));
    row.bytes = bodies[i];
    row.digest = digestOf(row.bytes);
    ASSERT_TRUE(isOk(catalog().putManifest(kRegistry, "binary", row, nullptr)));
  }
  reopen();
  Snapshot snapshot = loadSnapshot(catalog(), kRegistry);
  ASSERT_EQ(snapshot.manifests.size(), bodies.size());
  for (const std::string& body : bodies) {
    const ManifestRow* loaded = snapshot.manifest("binary", digestOf(body));
    ASSERT_NE(loaded, nullptr);
    EXPECT_EQ(loaded->bytes.size(), body.size());
    EXPECT_TRUE(loaded->bytes == body);
    EXPECT_EQ(digestOf(loaded->bytes), digestOf(body));
  }
}

TEST_P(ManifestCatalogConformance, ReferencesKeepOrderAndDuplicates) {
  ManifestRow row = makeManifest("ordered");
  // Deliberately not sorted, with a repeated layer: the order of config + layers is content.
  row.blobRefs = {digestOf("z-config"), digestOf("m-layer"), digestOf("a-layer"),
                  digestOf("m-layer")};
  row.mediaType = kImageIndex;
  row.manifestRefs = {digestOf("child-z"), digestOf("child-a"), digestOf("child-z")};
  ASSERT_TRUE(isOk(catalog().putManifest(kRegistry, "ordered", row, nullptr)));
  Snapshot snapshot = loadSnapshot(catalog(), kRegistry);
  expectSameRow(snapshot.manifest("ordered", row.digest), row);
}

TEST_P(ManifestCatalogConformance, ReferencesStayWithTheirManifest) {
  // Several manifests in several repositories, so that references cannot be attributed by
  // position alone.
  std::vector<std::pair<std::string, ManifestRow>> rows;
  for (const char* repository : {"refs/b", "refs/a", "refs/c"}) {
    for (int i = 0; i < 4; ++i) {
      ManifestRow row = makeManifest(std::string(repository) + std::to_string(i));
      if (i % 2 == 0) {
        row.manifestRefs = {digestOf(std::string(repository) + "child" + std::to_string(i))};
      } else {
        row.blobRefs.clear();
      }
      rows.emplace_back(repository, row);
    }
  }
  for (const auto& [repository, row] : rows) {
    ASSERT_TRUE(isOk(catalog().putManifest(kRegistry, repository, row, nullptr)));
  }
  Snapshot snapshot = loadSnapshot(catalog(), kRegistry);
  EXPECT_EQ(snapshot.manifests.size(), rows.size());
  for (const auto& [repository, row] : rows) {
    expectSameRow(snapshot.manifest(repository, row.digest), row);
  }
}

TEST_P(ManifestCatalogConformance, PutManifestCreatesRepository) {
  EXPECT_FALSE(loadSnapshot(catalog(), kRegistry).hasRepository("new/repo"));
  ASSERT_TRUE(isOk(catalog().putManifest(kRegistry, "new/repo", makeManifest("x"), nullptr)));
  EXPECT_TRUE(loadSnapshot(catalog(), kRegistry).hasRepository("new/repo"));
}

TEST_P(ManifestCatalogConformance, PutSameDigestAgainKeepsRowAndMovesTag) {
  ManifestRow a = makeManifest("a");
  ManifestRow b = makeManifest("b");
  const std::string latest = "latest";
  const std::string stable = "stable";
  ASSERT_TRUE(isOk(catalog().putManifest(kRegistry, "repo", a, &stable)));
  ASSERT_TRUE(isOk(catalog().putManifest(kRegistry, "repo", b, &latest)));

  ManifestRow again = a;
  again.createdUnixSeconds = a.createdUnixSeconds + 1000;
  ASSERT_TRUE(isOk(catalog().putManifest(kRegistry, "repo", again, &latest)));
  ASSERT_TRUE(isOk(catalog().putManifest(kRegistry, "repo", again, nullptr)));

  Snapshot snapshot = loadSnapshot(catalog(), kRegistry);
  EXPECT_EQ(snapshot.manifestCount("repo"), 2u);
  // The first push's row is kept: only the tag moved.
  expectSameRow(snapshot.manifest("repo", a.digest), a);
  EXPECT_EQ(text(snapshot.tag("repo", latest)), a.digest.str());
  EXPECT_EQ(text(snapshot.tag("repo", stable)), a.digest.str());
  EXPECT_EQ(snapshot.tagCount("repo"), 2u);
  EXPECT_EQ(snapshot.repositories.size(), 1u);
}

TEST_P(ManifestCatalogConformance, TagMovesToNewManifest) {
  ManifestRow v1 = makeManifest("v1");
  ManifestRow v2 = makeManifest("v2");
  const std::string tag = "latest";
  ASSERT_TRUE(isOk(catalog().putManifest(kRegistry, "repo", v1, &tag)));
  EXPECT_EQ(text(loadSnapshot(catalog(), kRegistry).tag("repo", tag)), v1.digest.str());
  ASSERT_TRUE(isOk(catalog().putManifest(kRegistry, "repo", v2, &tag)));

  Snapshot snapshot = loadSnapshot(catalog(), kRegistry);
  EXPECT_EQ(text(snapshot.tag("repo", tag)), v2.digest.str());
  EXPECT_EQ(snapshot.tagCount("repo"), 1u);
  EXPECT_NE(snapshot.manifest("repo", v1.digest), nullptr) << "the untagged manifest stays";
}

TEST_P(ManifestCatalogConformance, PutWithoutTagLeavesTagsAlone) {
  ManifestRow v1 = makeManifest("v1");
  const std::string tag = "latest";
  ASSERT_TRUE(isOk(catalog().putManifest(kRegistry, "repo", v1, &tag)));
  ASSERT_TRUE(isOk(catalog().putManifest(kRegistry, "repo", makeManifest("v2"), nullptr)));
  Snapshot snapshot = loadSnapshot(catalog(), kRegistry);
  EXPECT_EQ(text(snapshot.tag("repo", tag)), v1.digest.str());
  EXPECT_EQ(snapshot.tagCount("repo"), 1u);
}

TEST_P(ManifestCatalogConformance, ManyTagsOnOneManifest) {
  ManifestRow row = makeManifest("multi");
  const std::vector<std::string> tags = {"1", "1.2", "1.2.3", "latest", "Stable_2024-01.rc"};
  for (const std::string& tag : tags) {
    ASSERT_TRUE(isOk(catalog().putManifest(kRegistry, "repo", row, &tag)));
  }
  Snapshot snapshot = loadSnapshot(catalog(), kRegistry);
  EXPECT_EQ(snapshot.manifestCount("repo"), 1u);
  EXPECT_EQ(snapshot.tagCount("repo"), tags.size());
  for (const std::string& tag : tags) {
    EXPECT_EQ(text(snapshot.tag("repo", tag)), row.digest.str()) << tag;
  }
}

TEST_P(ManifestCatalogConformance, SameDigestInTwoRepositoriesIsTwoRows) {
  ManifestRow row = makeManifest("shared");
  const std::string tag = "latest";
  ASSERT_TRUE(isOk(catalog().putManifest(kRegistry, "one", row, &tag)));
  ASSERT_TRUE(isOk(catalog().putManifest(kRegistry, "two", row, &tag)));
  ASSERT_TRUE(isOk(catalog().deleteManifest(kRegistry, "one", row.digest)));

  Snapshot snapshot = loadSnapshot(catalog(), kRegistry);
  EXPECT_EQ(snapshot.manifest("one", row.digest), nullptr);
  EXPECT_FALSE(snapshot.tag("one", tag).has_value());
  expectSameRow(snapshot.manifest("two", row.digest), row);
  EXPECT_EQ(text(snapshot.tag("two", tag)), row.digest.str());
}

TEST_P(ManifestCatalogConformance, DeleteManifestRemovesItsTags) {
  ManifestRow doomed = makeManifest("doomed");
  ManifestRow kept = makeManifest("kept");
  const std::string t1 = "a";
  const std::string t2 = "b";
  const std::string t3 = "c";
  ASSERT_TRUE(isOk(catalog().putManifest(kRegistry, "repo", doomed, &t1)));
  ASSERT_TRUE(isOk(catalog().putManifest(kRegistry, "repo", doomed, &t2)));
  ASSERT_TRUE(isOk(catalog().putManifest(kRegistry, "repo", kept, &t3)));
  ASSERT_TRUE(isOk(catalog().linkBlob(kRegistry, "repo", doomed.blobRefs[0])));

  ASSERT_TRUE(isOk(catalog().deleteManifest(kRegistry, "repo", doomed.digest)));

  Snapshot snapshot = loadSnapshot(catalog(), kRegistry);
  EXPECT_EQ(snapshot.manifest("repo", doomed.digest), nullptr);
  EXPECT_FALSE(snapshot.tag("repo", t1).has_value());
  EXPECT_FALSE(snapshot.tag("repo", t2).has_value());
  EXPECT_EQ(text(snapshot.tag("repo", t3)), kept.digest.str());
  expectSameRow(snapshot.manifest("repo", kept.digest), kept);
  // Blob links are the upload's record, not the manifest's: they stay.
  EXPECT_TRUE(snapshot.linked("repo", doomed.blobRefs[0]));
  EXPECT_TRUE(snapshot.hasRepository("repo"));
}

TEST_P(ManifestCatalogConformance, DeleteUnknownManifestIsManifestUnknown) {
  ManifestRow row = makeManifest("present");
  ASSERT_TRUE(isOk(catalog().putManifest(kRegistry, "repo", row, nullptr)));
  EXPECT_TRUE(failsWith(catalog().deleteManifest(kRegistry, "repo", digestOf("absent")),
                        Errc::kManifestUnknown));
  EXPECT_TRUE(failsWith(catalog().deleteManifest(kRegistry, "no-such-repo", row.digest),
                        Errc::kManifestUnknown));
  EXPECT_TRUE(failsWith(catalog().deleteManifest(kOtherRegistry, "repo", row.digest),
                        Errc::kManifestUnknown));
  ASSERT_TRUE(isOk(catalog().deleteManifest(kRegistry, "repo", row.digest)));
  EXPECT_TRUE(
      failsWith(catalog().deleteManifest(kRegistry, "repo", row.digest), Errc::kManifestUnknown));
}

TEST_P(ManifestCatalogConformance, DeletedManifestCanBePutAgain) {
  ManifestRow row = makeManifest("phoenix");
  const std::string tag = "latest";
  ASSERT_TRUE(isOk(catalog().putManifest(kRegistry, "repo", row, &tag)));
  ASSERT_TRUE(isOk(catalog().deleteManifest(kRegistry, "repo", row.digest)));
  ManifestRow again = row;
  again.createdUnixSeconds = row.createdUnixSeconds + 5;
  again.manifestRefs = {digestOf("late child")};
  ASSERT_TRUE(isOk(catalog().putManifest(kRegistry, "repo", again, nullptr)));

  Snapshot snapshot = loadSnapshot(catalog(), kRegistry);
  expectSameRow(snapshot.manifest("repo", row.digest), again);
  EXPECT_FALSE(snapshot.tag("repo", tag).has_value()) << "deleted tags do not come back";
}

TEST_P(ManifestCatalogConformance, DeleteTagKeepsManifest) {
  ManifestRow row = makeManifest("tagged");
  const std::string gone = "gone";
  const std::string stays = "stays";
  ASSERT_TRUE(isOk(catalog().putManifest(kRegistry, "repo", row, &gone)));
  ASSERT_TRUE(isOk(catalog().putManifest(kRegistry, "repo", row, &stays)));
  ASSERT_TRUE(isOk(catalog().deleteTag(kRegistry, "repo", gone)));

  Snapshot snapshot = loadSnapshot(catalog(), kRegistry);
  EXPECT_FALSE(snapshot.tag("repo", gone).has_value());
  EXPECT_EQ(text(snapshot.tag("repo", stays)), row.digest.str());
  expectSameRow(snapshot.manifest("repo", row.digest), row);
}

TEST_P(ManifestCatalogConformance, DeleteUnknownTagIsManifestUnknown) {
  ManifestRow row = makeManifest("tagged");
  const std::string tag = "latest";
  ASSERT_TRUE(isOk(catalog().putManifest(kRegistry, "repo", row, &tag)));
  EXPECT_TRUE(failsWith(catalog().deleteTag(kRegistry, "repo", "nope"), Errc::kManifestUnknown));
  EXPECT_TRUE(failsWith(catalog().deleteTag(kRegistry, "other", tag), Errc::kManifestUnknown));
  EXPECT_TRUE(failsWith(catalog().deleteTag(kOtherRegistry, "repo", tag), Errc::kManifestUnknown));
  ASSERT_TRUE(isOk(catalog().deleteTag(kRegistry, "repo", tag)));
  EXPECT_TRUE(failsWith(catalog().deleteTag(kRegistry, "repo", tag), Errc::kManifestUnknown));
  EXPECT_NE(loadSnapshot(catalog(), kRegistry).manifest("repo", row.digest), nullptr);
}

TEST_P(ManifestCatalogConformance, LinkBlobCreatesRepositoryAndIsIdempotent) {
  Digest blob = digestOf("a blob");
  ASSERT_TRUE(isOk(catalog().linkBlob(kRegistry, "uploads/only", blob)));
  ASSERT_TRUE(isOk(catalog().linkBlob(kRegistry, "uploads/only", blob)));
  Snapshot snapshot = loadSnapshot(catalog(), kRegistry);
  EXPECT_EQ(snapshot.repositories, std::vector<std::string>{"uploads/only"});
  ASSERT_EQ(snapshot.blobLinks.size(), 1u);
  EXPECT_EQ(snapshot.blobLinks[0].repository, "uploads/only");
  EXPECT_EQ(snapshot.blobLinks[0].digest.str(), blob.str());
}

TEST_P(ManifestCatalogConformance, UnlinkBlobIsIdempotent) {
  Digest kept = digestOf("kept");
  Digest dropped = digestOf("dropped");
  ASSERT_TRUE(isOk(catalog().linkBlob(kRegistry, "repo", kept)));
  ASSERT_TRUE(isOk(catalog().linkBlob(kRegistry, "repo", dropped)));
  ASSERT_TRUE(isOk(catalog().unlinkBlob(kRegistry, "repo", dropped)));
  ASSERT_TRUE(isOk(catalog().unlinkBlob(kRegistry, "repo", dropped)));
  ASSERT_TRUE(isOk(catalog().unlinkBlob(kRegistry, "no-such-repo", dropped)));
  ASSERT_TRUE(isOk(catalog().unlinkBlob(kOtherRegistry, "repo", kept)));

  Snapshot snapshot = loadSnapshot(catalog(), kRegistry);
  EXPECT_TRUE(snapshot.linked("repo", kept));
  EXPECT_FALSE(snapshot.linked("repo", dropped));
  EXPECT_EQ(snapshot.blobLinks.size(), 1u);
  EXPECT_FALSE(snapshot.hasRepository("no-such-repo"));
}

TEST_P(ManifestCatalogConformance, DeleteRepositoryRemovesEverythingAndIsIdempotent) {
  const std::string tag = "latest";
  ManifestRow child = makeManifest("child");
  ManifestRow index = makeManifest("index");
  index.mediaType = kImageIndex;
  index.manifestRefs = {child.digest};
  ManifestRow other = makeManifest("other");
  ASSERT_TRUE(isOk(catalog().putManifest(kRegistry, "doomed", child, nullptr)));
  ASSERT_TRUE(isOk(catalog().putManifest(kRegistry, "doomed", index, &tag)));
  ASSERT_TRUE(isOk(catalog().linkBlob(kRegistry, "doomed", child.blobRefs[0])));
  ASSERT_TRUE(isOk(catalog().putManifest(kRegistry, "doomed-not", other, &tag)));
  ASSERT_TRUE(isOk(catalog().linkBlob(kRegistry, "doomed-not", child.blobRefs[0])));

  ASSERT_TRUE(isOk(catalog().deleteRepository(kRegistry, "doomed")));
  ASSERT_TRUE(isOk(catalog().deleteRepository(kRegistry, "doomed")));
  ASSERT_TRUE(isOk(catalog().deleteRepository(kRegistry, "never-existed")));

  Snapshot snapshot = loadSnapshot(catalog(), kRegistry);
  EXPECT_EQ(snapshot.repositories, std::vector<std::string>{"doomed-not"});
  EXPECT_EQ(snapshot.manifestCount("doomed"), 0u);
  EXPECT_EQ(snapshot.tagCount("doomed"), 0u);
  EXPECT_FALSE(snapshot.linked("doomed", child.blobRefs[0]));
  expectSameRow(snapshot.manifest("doomed-not", other.digest), other);
  EXPECT_EQ(text(snapshot.tag("doomed-not", tag)), other.digest.str());
  EXPECT_TRUE(snapshot.linked("doomed-not", child.blobRefs[0]));

  // A repository of the same name starts empty.
  ASSERT_TRUE(isOk(catalog().putManifest(kRegistry, "doomed", other, nullptr)));
  snapshot = loadSnapshot(catalog(), kRegistry);
  EXPECT_EQ(snapshot.manifestCount("doomed"), 1u);
  EXPECT_EQ(snapshot.tagCount("doomed"), 0u);
}

TEST_P(ManifestCatalogConformance, DeleteRegistryRemovesEverythingAndIsIdempotent) {
  const std::string tag = "latest";
  for (std::string_view registry : {kRegistry, kOtherRegistry}) {
    for (const char* repository : {"a", "b/c"}) {
      ManifestRow row = makeManifest(std::string(registry) + repository);
      ASSERT_TRUE(isOk(catalog().putManifest(registry, repository, row, &tag)));
      ASSERT_TRUE(isOk(catalog().linkBlob(registry, repository, row.blobRefs[1])));
    }
  }
  ASSERT_TRUE(isOk(catalog().deleteRegistry(kRegistry)));
  ASSERT_TRUE(isOk(catalog().deleteRegistry(kRegistry)));
  ASSERT_TRUE(isOk(catalog().deleteRegistry("never.registry.test")));

  EXPECT_TRUE(loadSnapshot(catalog(), kRegistry).empty());
  Snapshot other = loadSnapshot(catalog(), kOtherRegistry);
  EXPECT_EQ(other.repositories.size(), 2u);
  EXPECT_EQ(other.manifests.size(), 2u);
  EXPECT_EQ(other.tags.size(), 2u);
  EXPECT_EQ(other.blobLinks.size(), 2u);
  reopen();
  EXPECT_TRUE(loadSnapshot(catalog(), kRegistry).empty());
}

TEST_P(ManifestCatalogConformance, LoadVisitsInContractOrder) {
  // Interleave the writes so that insertion order is not the contract's order.
  for (int i = 0; i < 3; ++i) {
    std::string repository = "repo" + std::to_string(i);
    ManifestRow row = makeManifest(repository);
    ASSERT_TRUE(isOk(catalog().linkBlob(kRegistry, repository, row.blobRefs[0])));
    const std::string tag = "t" + std::to_string(i);
    ASSERT_TRUE(isOk(catalog().putManifest(kRegistry, repository, row, &tag)));
    ASSERT_TRUE(isOk(catalog().putManifest(kRegistry, repository,
                                           makeManifest(repository + "untagged"), nullptr)));
  }
  ASSERT_TRUE(isOk(catalog().linkBlob(kRegistry, "links-only", digestOf("x"))));
  Snapshot snapshot = loadSnapshot(catalog(), kRegistry);
  EXPECT_EQ(snapshot.order,
            "rrrr"
            "mmmmmm"
            "ttt"
            "bbbb");
  EXPECT_TRUE(inContractOrder(snapshot.order));
}

TEST_P(ManifestCatalogConformance, LoadToleratesEmptyCallbacks) {
  const std::string tag = "latest";
  ASSERT_TRUE(isOk(catalog().putManifest(kRegistry, "repo", makeManifest("m"), &tag)));
  ASSERT_TRUE(isOk(catalog().linkBlob(kRegistry, "repo", digestOf("b"))));
  EXPECT_TRUE(isOk(catalog().load(kRegistry, CatalogVisitor{})));
  int tags = 0;
  CatalogVisitor onlyTags;
  onlyTags.tag = [&](std::string_view, std::string_view, const Digest&) { ++tags; };
  EXPECT_TRUE(isOk(catalog().load(kRegistry, onlyTags)));
  EXPECT_EQ(tags, 1);
}

TEST_P(ManifestCatalogConformance, RegistriesAreIsolated) {
  ManifestRow row = makeManifest("same everywhere");
  ManifestRow other = makeManifest("different");
  const std::string tag = "latest";
  ASSERT_TRUE(isOk(catalog().putManifest(kRegistry, "repo", row, &tag)));
  ASSERT_TRUE(isOk(catalog().putManifest(kOtherRegistry, "repo", row, &tag)));
  ASSERT_TRUE(isOk(catalog().putManifest(kOtherRegistry, "repo", other, &tag)));
  ASSERT_TRUE(isOk(catalog().linkBlob(kRegistry, "repo", row.blobRefs[0])));

  Snapshot a = loadSnapshot(catalog(), kRegistry);
  Snapshot b = loadSnapshot(catalog(), kOtherRegistry);
  EXPECT_EQ(text(a.tag("repo", tag)), row.digest.str());
  EXPECT_EQ(text(b.tag("repo", tag)), other.digest.str());
  EXPECT_EQ(a.manifests.size(), 1u);
  EXPECT_EQ(b.manifests.size(), 2u);
  EXPECT_TRUE(a.linked("repo", row.blobRefs[0]));
  EXPECT_TRUE(b.blobLinks.empty());

  ASSERT_TRUE(isOk(catalog().deleteManifest(kOtherRegistry, "repo", row.digest)));
  ASSERT_TRUE(isOk(catalog().deleteRepository(kOtherRegistry, "repo")));
  a = loadSnapshot(catalog(), kRegistry);
  expectSameRow(a.manifest("repo", row.digest), row);
  EXPECT_EQ(text(a.tag("repo", tag)), row.digest.str());
  EXPECT_TRUE(loadSnapshot(catalog(), kOtherRegistry).empty());
}

// ---- the index snapshot's token

std::string tokenOf(ManifestCatalog& catalog, std::string_view registry) {
  auto token = catalog.indexSnapshotToken(registry);
  EXPECT_TRUE(isOk(token));
  return token.ok() ? *token : "<error>";
}

TEST_P(ManifestCatalogConformance, IndexSnapshotTokenRoundTripsAndSurvivesReopen) {
  EXPECT_EQ(tokenOf(catalog(), kRegistry), "");
  ASSERT_TRUE(isOk(catalog().recordIndexSnapshot(kRegistry, "first")));
  ASSERT_TRUE(isOk(catalog().recordIndexSnapshot(kRegistry, "second")));
  EXPECT_TRUE(failsWith(catalog().recordIndexSnapshot(kRegistry, ""), Errc::kInvalidParameter));
  reopen();
  EXPECT_EQ(tokenOf(catalog(), kRegistry), "second");
  EXPECT_EQ(tokenOf(catalog(), kOtherRegistry), "");
  ASSERT_TRUE(isOk(catalog().forgetIndexSnapshot(kRegistry)));
  ASSERT_TRUE(isOk(catalog().forgetIndexSnapshot(kRegistry)));
  EXPECT_EQ(tokenOf(catalog(), kRegistry), "");
}

// Every write that changes what load() returns forgets the token of its registry, and only of
// its registry; a write that changes nothing may keep it.
TEST_P(ManifestCatalogConformance, EveryChangingWriteForgetsTheIndexSnapshotToken) {
  const std::string tag = "latest";
  const std::string other = "other";
  ManifestRow row = makeManifest("token");
  ManifestRow second = makeManifest("token/2");
  Digest blob = digestOf("token blob");
  ASSERT_TRUE(isOk(catalog().putManifest(kRegistry, "repo", row, &tag)));
  ASSERT_TRUE(isOk(catalog().linkBlob(kRegistry, "repo", blob)));

  struct Write {
    const char* what;
    std::function<Status()> run;
  };
  const std::vector<Write> writes = {
      {"putManifest (new digest)", [&] { return catalog().putManifest(kRegistry, "repo", second, nullptr); }},
      {"putManifest (moves a tag)", [&] { return catalog().putManifest(kRegistry, "repo", second, &tag); }},
      {"putManifest (new tag)", [&] { return catalog().putManifest(kRegistry, "repo", row, &other); }},
      {"putManifest (new repository)", [&] { return catalog().putManifest(kRegistry, "fresh", row, nullptr); }},
      {"deleteTag", [&] { return catalog().deleteTag(kRegistry, "repo", other); }},
      {"deleteManifest", [&] { return catalog().deleteManifest(kRegistry, "repo", second.digest); }},
      {"linkBlob", [&] { return catalog().linkBlob(kRegistry, "linked", blob); }},
      {"unlinkBlob", [&] { return catalog().unlinkBlob(kRegistry, "repo", blob); }},
      {"deleteRepository", [&] { return catalog().deleteRepository(kRegistry, "fresh"); }},
      {"deleteRegistry", [&] { return catalog().deleteRegistry(kRegistry); }},
  };
  for (const Write& write : writes) {
    ASSERT_TRUE(isOk(catalog().recordIndexSnapshot(kRegistry, "mine")));
    ASSERT_TRUE(isOk(catalog().recordIndexSnapshot(kOtherRegistry, "theirs")));
    ASSERT_TRUE(isOk(write.run())) << write.what;
    EXPECT_EQ(tokenOf(catalog(), kRegistry), "") << write.what;
    EXPECT_EQ(tokenOf(catalog(), kOtherRegistry), "theirs") << write.what;
  }
}

TEST_P(ManifestCatalogConformance, AnotherStoresWriteForgetsTheIndexSnapshotToken) {
  ASSERT_TRUE(isOk(catalog().recordIndexSnapshot(kRegistry, "mine")));
  auto second = openSecond();
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(tokenOf(*second, kRegistry), "mine");
  ASSERT_TRUE(isOk(second->linkBlob(kRegistry, "repo", digestOf("from elsewhere"))));
  EXPECT_EQ(tokenOf(catalog(), kRegistry), "");
}

TEST_P(ManifestCatalogConformance, EverythingSurvivesReopen) {
  ManifestRow row = makeManifest("durable");
  row.subject = digestOf("subject");
  row.artifactType = "application/vnd.example.signature";
  row.manifestRefs = {digestOf("kid")};
  row.bytes.push_back('\0');
  row.digest = digestOf(row.bytes);
  const std::string tag = "v1";
  ASSERT_TRUE(isOk(catalog().putManifest(kRegistry, "durable/repo", row, &tag)));
  ASSERT_TRUE(isOk(catalog().linkBlob(kRegistry, "durable/repo", row.blobRefs[0])));
  ASSERT_TRUE(isOk(catalog().linkBlob(kRegistry, "durable/links", row.blobRefs[1])));
  ASSERT_TRUE(isOk(catalog().putManifest(kOtherRegistry, "x", makeManifest("x"), nullptr)));
  Snapshot before = loadSnapshot(catalog(), kRegistry);

  reopen();
  Snapshot after = loadSnapshot(catalog(), kRegistry);
  EXPECT_EQ(after.order, before.order);
  std::vector<std::string> repositories = after.repositories;
  std::sort(repositories.begin(), repositories.end());
  EXPECT_EQ(repositories, (std::vector<std::string>{"durable/links", "durable/repo"}));
  expectSameRow(after.manifest("durable/repo", row.digest), row);
  EXPECT_EQ(text(after.tag("durable/repo", tag)), row.digest.str());
  EXPECT_TRUE(after.linked("durable/repo", row.blobRefs[0]));
  EXPECT_TRUE(after.linked("durable/links", row.blobRefs[1]));
  EXPECT_EQ(loadSnapshot(catalog(), kOtherRegistry).manifests.size(), 1u);

  // Deletions are durable too.
  ASSERT_TRUE(isOk(catalog().deleteTag(kRegistry, "durable/repo", tag)));
  ASSERT_TRUE(isOk(catalog().unlinkBlob(kRegistry, "durable/links", row.blobRefs[1])));
  reopen();
  after = loadSnapshot(catalog(), kRegistry);
  EXPECT_FALSE(after.tag("durable/repo", tag).has_value());
  EXPECT_FALSE(after.linked("durable/links", row.blobRefs[1]));
}

TEST_P(ManifestCatalogConformance, TwoStoresOverTheSameStorageSeeEachOther) {
  std::unique_ptr<ManifestCatalog> second = openSecond();
  ASSERT_NE(second, nullptr);
  const std::string tag = "latest";
  ManifestRow first = makeManifest("from first");
  ManifestRow fromSecond = makeManifest("from second");
  ASSERT_TRUE(isOk(catalog().putManifest(kRegistry, "repo", first, &tag)));
  ASSERT_TRUE(isOk(second->putManifest(kRegistry, "repo", fromSecond, &tag)));

  for (ManifestCatalog* store : {&catalog(), second.get()}) {
    Snapshot snapshot = loadSnapshot(*store, kRegistry);
    EXPECT_EQ(snapshot.manifests.size(), 2u);
    EXPECT_EQ(text(snapshot.tag("repo", tag)), fromSecond.digest.str());
  }

  // Writers in both stores at once: the stores must serialise them, not fail.
  constexpr int kWrites = 8;
  std::atomic<int> failures{0};
  auto writer = [&](ManifestCatalog& store, std::string_view name) {
    for (int i = 0; i < kWrites; ++i) {
      std::string seed = std::string(name) + std::to_string(i);
      const std::string t = seed;
      if (!store.putManifest(kRegistry, name, makeManifest(seed), &t).ok() ||
          !store.linkBlob(kRegistry, name, digestOf(seed)).ok()) {
        ++failures;
      }
    }
  };
  std::thread a([&] { writer(catalog(), "a"); });
  std::thread b([&] { writer(*second, "b"); });
  a.join();
  b.join();
  EXPECT_EQ(failures.load(), 0);
  second.reset();
  Snapshot snapshot = loadSnapshot(catalog(), kRegistry);
  EXPECT_EQ(snapshot.manifestCount("a"), static_cast<std::size_t>(kWrites));
  EXPECT_EQ(snapshot.manifestCount("b"), static_cast<std::size_t>(kWrites));
}

TEST_P(ManifestCatalogConformance, ConcurrentWritersAndReaders) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 10;
  const std::string latest = "latest";
  std::atomic<bool> writing{true};
  std::atomic<int> failures{0};
  std::atomic<int> loads{0};

  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      std::string own = "own/" + std::to_string(t);
      for (int i = 0; i < kPerThread; ++i) {
        ManifestRow row = makeManifest(own + "/" + std::to_string(i));
        const std::string tag = "v" + std::to_string(i);
        bool ok = catalog().putManifest(kRegistry, own, row, &tag).ok() &&
                  catalog().putManifest(kRegistry, "shared", row, &latest).ok() &&
                  catalog().linkBlob(kRegistry, "shared", row.blobRefs[0]).ok();
        if (i % 2 == 1) {
          // Churn: delete the previous version's tag and this version's link.
          ok = ok && catalog().deleteTag(kRegistry, own, "v" + std::to_string(i - 1)).ok() &&
               catalog().unlinkBlob(kRegistry, "shared", row.blobRefs[0]).ok();
        }
        if (!ok) {
          ++failures;
        }
      }
    });
  }
  std::thread reader([&] {
    while (writing.load()) {
      std::string order;
      CatalogVisitor visitor;
      visitor.repository = [&](std::string_view) { order += 'r'; };
      visitor.manifest = [&](std::string_view, ManifestRow&&) { order += 'm'; };
      visitor.tag = [&](std::string_view, std::string_view, const Digest&) { order += 't'; };
      visitor.blobLink = [&](std::string_view, const Digest&) { order += 'b'; };
      if (!catalog().load(kRegistry, visitor).ok() || !inContractOrder(order)) {
        ++failures;
      }
      ++loads;
    }
  });
  for (std::thread& writer : writers) {
    writer.join();
  }
  writing = false;
  reader.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(loads.load(), 0);

  Snapshot snapshot = loadSnapshot(catalog(), kRegistry);
  EXPECT_EQ(snapshot.repositories.size(), static_cast<std::size_t>(kThreads + 1));
  EXPECT_EQ(snapshot.manifestCount("shared"), static_cast<std::size_t>(kThreads * kPerThread));
  EXPECT_EQ(snapshot.blobLinks.size(), static_cast<std::size_t>(kThreads * kPerThread / 2));
  ASSERT_TRUE(snapshot.tag("shared", latest).has_value());
  EXPECT_NE(snapshot.manifest("shared", *snapshot.tag("shared", latest)), nullptr);
  for (int t = 0; t < kThreads; ++t) {
    std::string own = "own/" + std::to_string(t);
    EXPECT_EQ(snapshot.manifestCount(own), static_cast<std::size_t>(kPerThread));
    EXPECT_EQ(snapshot.tagCount(own), static_cast<std::size_t>(kPerThread / 2));
  }
}

}  // namespace berth::metadata::conformance
