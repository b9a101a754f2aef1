#pragma once
// RegistryService: the OCI operations of one registry, free of HTTP types. Reads (manifest and
// blob lookups, tag and catalog listings, referrers) are served from an in-memory index under a
// shared lock and never touch the database. Writes go to the durable stores first and then to the
// index, serialized by one writer mutex per registry; they may block on disk, so callers run them
// off the network threads.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/clock.h"
#include "common/digest.h"
#include "common/log.h"
#include "common/result.h"
#include "metadata/manifest_catalog.h"
#include "metadata/upload_session_store.h"
#include "registry/index_snapshot_file.h"
#include "storage/blob_store.h"

namespace berth::registry {

struct ManifestEntry {
  Digest digest;
  std::string mediaType;
  std::string artifactType;
  std::optional<Digest> subject;
  std::shared_ptr<const std::string> bytes;
  // The references to blobs and child manifests are not kept here: no request needs them, and
  // garbage collection reads them from the catalog (ManifestCatalog::loadReferences). With
  // 10,000 manifests they were a fifth of the start-up work and ~2 MiB of the index.
  std::int64_t createdUnixSeconds = 0;
};
using ManifestPtr = std::shared_ptr<const ManifestEntry>;

/// Receives the names of one page of a listing in lexical order, while the index is read-locked:
/// it must not call back into the service.
using NameVisitor = std::function<void(std::string_view name)>;

struct PutManifestResult {
  Digest digest;
  std::optional<Digest> subject;
};

struct RegistryLimits {
  /// Manifests beyond this are refused with 413; bounded so one PUT cannot hold much memory.
  std::size_t maxManifestBytes = 4 * 1024 * 1024;
};

struct RegistryDeps {
  storage::BlobStore& blobs;
  metadata::ManifestCatalog& catalog;
  metadata::UploadSessionStore& sessions;
  const Clock& clock;
  const Logger& log;
};

class RegistryService {
 public:
  /// Builds the in-memory index from the stores. Fails when they cannot be read. `snapshotFile`
  /// (may be empty) is where saveSnapshot() writes the index.
  static Result<std::shared_ptr<RegistryService>> open(std::string name, RegistryDeps deps,
                                                       RegistryLimits limits,
                                                       std::filesystem::path snapshotFile = {});
  /// Opens the registry from the index snapshot in `snapshotFile` if the catalog still holds its
  /// token (nothing changed since it was written): only the repository names and the blob table
  /// are read now, each repository's content when a request first needs it. Null when there is
  /// no such snapshot; a file that exists but cannot be used is logged and also gives null, so
  /// the caller falls back to open(). Fails only when the catalog cannot be read.
  static Result<std::shared_ptr<RegistryService>> openFromSnapshot(std::string name,
                                                                   RegistryDeps deps,
                                                                   RegistryLimits limits,
                                                                   std::filesystem::path snapshotFile);
  /// Writes the index to the snapshot file and records its token in the catalog, unless the
  /// catalog still holds the token of the snapshot this service was opened from. True when a file
  /// was written. For a clean stop: the daemon calls it once nothing is served any more (it is
  /// safe while serving, but writes wait for it).
  Result<bool> saveSnapshot();
  /// True when the index came from a snapshot (openFromSnapshot).
  bool openedFromSnapshot() const noexcept { return base_ != nullptr; }

  const std::string& name() const noexcept { return name_; }
  const RegistryLimits& limits() const noexcept { return limits_; }
  RegistryDeps& deps() noexcept { return deps_; }

  // ---- reads: memory only ----
  /// `reference` is a tag or a digest. kNameUnknown / kManifestUnknown when absent.
  Result<ManifestPtr> getManifest(std::string_view repository, std::string_view reference) const;
  /// Size of a blob linked to the repository; kBlobUnknown otherwise. Marks it recently used, so
  /// garbage collection leaves alone a blob a client just checked before pushing a manifest.
  Result<std::uint64_t> statBlob(std::string_view repository, const Digest& digest) const;
  Result<std::unique_ptr<storage::BlobReader>> openBlob(std::string_view repository,
                                                        const Digest& digest) const;
  /// Visits the tags in lexical order after `last`, at most n (all when n is nullopt); true when
  /// more follow. Names go straight from the index to the visitor, so that a listing of 10,000
  /// tags copies none of them on the way to the response.
  Result<bool> visitTags(std::string_view repository, std::optional<std::size_t> n,
                         std::string_view last, const NameVisitor& visit) const;
  /// The same for repository names (the catalog).
  bool visitRepositories(std::optional<std::size_t> n, std::string_view last,
                         const NameVisitor& visit) const;
  /// Manifests whose subject is `digest`, optionally only those of one artifactType.
  Result<std::vector<ManifestPtr>> referrers(std::string_view repository, const Digest& digest,
                                             std::string_view artifactType) const;
  bool repositoryExists(std::string_view repository) const;
  /// Bytes of all blobs the registry holds (the usage "Size" row).
  std::uint64_t storageBytes() const;

  // ---- writes: durable first, then visible ----
  Result<PutManifestResult> putManifest(std::string_view repository, std::string_view reference,
                                        std::string_view contentType, std::string bytes);
  /// By digest: removes the manifest and its tags. By tag: removes only the tag.
  Status deleteManifest(std::string_view repository, std::string_view reference);
  /// Removes the blob from the repository (the bytes go at the next garbage collection).
  Status deleteBlob(std::string_view repository, const Digest& digest);
  /// Links a blob of repository `from` into `repository`; false when `from` does not have it.
  Result<bool> mountBlob(std::string_view repository, std::string_view from, const Digest& digest);
  /// Records a freshly published blob and links it to the repository.
  Status addUploadedBlob(std::string_view repository, const Digest& digest, std::uint64_t size);

  // ---- garbage collection support (see garbage_collector.h) ----
  struct GcPlan {
    std::vector<std::pair<std::string, Digest>> manifests;  // (repository, digest)
    std::vector<Digest> blobs;
    std::uint64_t blobBytes = 0;
  };
  /// Computes what nothing references any more and was not touched within `grace` seconds.
  /// Reads the references from the catalog first, so it fails when the catalog cannot be read.
  Result<GcPlan> planGarbage(std::int64_t graceSeconds) const;
  /// Applies a plan, re-checking each item under the writer lock so that a concurrent push that
  /// started using an item keeps it. Garbage collection reads every repository's content, so an
  /// index opened from a snapshot is fully decoded afterwards.
  Result<GcPlan> applyGarbagePlan(const GcPlan& plan, std::int64_t graceSeconds);

  RegistryService(std::string name, RegistryDeps deps, RegistryLimits limits);

 private:
  struct BlobMeta {
    std::uint64_t size = 0;
    mutable std::atomic<std::int64_t> touchedUnixSeconds{0};
  };
  struct Repo {
    std::map<std::string, Digest, std::less<>> tags;
    std::unordered_map<Digest, ManifestPtr> manifests;
    std::unordered_set<Digest> blobs;
    std::unordered_map<Digest, std::set<Digest>> referrers;  // subject -> referrers
  };
  /// A repository of the index. Opened from a snapshot, its content stays encoded in the mapped
  /// file until first used: decoding then fills `repo` exactly once, also under the shared lock
  /// (readers of other repositories do not wait for it).
  /// The repositories of the snapshot the index was opened from. They stay in the mapped file
  /// (found by binary search in its directory) until a request first needs one; then its section
  /// is decoded, once, into a Repo of its own. A start from a snapshot thus allocates nothing per
  /// repository: on this VM each fresh 4 KiB page costs ~17 us to fault in, and one small node
  /// per repository was most of such a start.
  struct SnapshotRepos {
    std::shared_ptr<const IndexSnapshotFile> file;
    snapshot::Directory directory;
    std::unique_ptr<std::atomic<Repo*>[]> decoded;  // per directory entry; null until decoded
    std::mutex decodeMutex;                         // serializes decoding; guards `owned`
    std::vector<std::unique_ptr<Repo>> owned;
  };
  /// One repository during an ordered walk: `overlay` is set for one of repos_, otherwise it is
  /// entry `baseIndex` of the snapshot's directory (decoded or not).
  struct RepoRef {
    std::string_view name;
    const Repo* overlay = nullptr;
    std::size_t baseIndex = 0;
  };

  const Repo* findRepo(std::string_view repository) const;
  Repo& repoFor(std::string_view repository);
  /// Entry i of the snapshot's directory, decoded on first use.
  Repo& snapshotRepo(std::size_t i) const;
  const Repo& contentOf(const RepoRef& ref) const {
    return ref.overlay != nullptr ? *ref.overlay : snapshotRepo(ref.baseIndex);
  }
  /// Visits repositories in name order, starting after `after` (from the first when empty),
  /// until `visit` returns false; both the snapshot's and those in repos_. Caller holds mu_.
  void forEachRepository(std::string_view after,
                         const std::function<bool(const RepoRef&)>& visit) const;
  /// Callbacks that put what ManifestCatalog::load() (or a snapshot section) visits into the
  /// index; `repoOf` names the Repo for a row's repository, or null to skip the row.
  static metadata::CatalogVisitor indexFiller(const std::function<Repo*(std::string_view)>& repoOf);
  Result<bool> mapSnapshot();
  Result<GcPlan> applyGarbagePlanLocked(const GcPlan& plan, std::int64_t graceSeconds);
  static void insertManifestLocked(Repo& repo, ManifestPtr entry);
  void eraseManifestLocked(Repo& repo, const Digest& digest);

  std::string name_;
  RegistryDeps deps_;
  RegistryLimits limits_;
  std::mutex writer_;             // serializes durable writes and their index updates
  mutable std::shared_mutex mu_;  // guards the index below
  // Repositories read from the catalog or created since the start; never one that base_ has.
  std::map<std::string, Repo, std::less<>> repos_;
  std::unordered_map<Digest, BlobMeta> blobs_;
  std::filesystem::path snapshotFile_;
  // The snapshot this index was opened from, kept mapped while sections may still be decoded,
  // and its token; null and empty when opened from the catalog.
  std::unique_ptr<SnapshotRepos> base_;
  std::string snapshotToken_;
  // Set when a garbage collection failed half-way: the index may then hold less than the
  // catalog, and must not be written as a snapshot.
  std::atomic<bool> snapshotUnsafe_{false};
};

}  // namespace berth::registry
