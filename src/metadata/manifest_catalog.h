#pragma once
// ManifestCatalog: repositories, manifests (raw bytes exactly as pushed), tags and the references
// between manifests and blobs / child manifests / subjects. The data plane serves reads from an
// in-memory index (registry/registry_index) built with load(); this store is its durable copy, so
// every write here must be durable when it returns OK. Thread-safe.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/digest.h"
#include "common/result.h"

namespace berth::metadata {

struct ManifestRow {
  Digest digest;
  std::string mediaType;
  std::string artifactType;       // empty when none
  std::optional<Digest> subject;  // the manifest this one refers to (referrers API)
  std::string bytes;              // exactly as pushed
  // References, stored with the manifest; load() leaves them empty (see loadReferences()).
  std::vector<Digest> blobRefs;   // config + layers
  std::vector<Digest> manifestRefs;  // children of an index
  std::int64_t createdUnixSeconds = 0;
};

/// What loadReferences() hands over for each manifest, in stored order (a manifest may list the
/// same layer twice).
struct ManifestReferences {
  Digest manifest;
  std::vector<Digest> blobRefs;
  std::vector<Digest> manifestRefs;
};

/// Callbacks for load(); any may be empty. Order: all repositories, then manifests, then tags,
/// then blob links; within each, rows come sorted by repository. Rows and digests are handed over
/// as rvalues so that the index can keep them without copying.
struct CatalogVisitor {
  std::function<void(std::string_view repository)> repository;
  std::function<void(std::string_view repository, ManifestRow&& row)> manifest;
  std::function<void(std::string_view repository, std::string_view tag, Digest&& digest)> tag;
  std::function<void(std::string_view repository, Digest&& digest)> blobLink;
};

class ManifestCatalog {
 public:
  virtual ~ManifestCatalog() = default;

  /// Stores the manifest in the repository (created if absent) and, when `tag` is non-null,
  /// points the tag at it, in one transaction. Putting an existing digest again is OK and only
  /// moves the tag.
  virtual Status putManifest(std::string_view registry, std::string_view repository,
                             const ManifestRow& row, const std::string* tag) = 0;
  /// Deletes a manifest and every tag pointing at it; kManifestUnknown if absent.
  virtual Status deleteManifest(std::string_view registry, std::string_view repository,
                                const Digest& digest) = 0;
  /// Deletes one tag (the manifest stays); kManifestUnknown if absent.
  virtual Status deleteTag(std::string_view registry, std::string_view repository,
                           std::string_view tag) = 0;
  /// Records that the blob is part of the repository (after an upload or mount); idempotent.
  /// Creates the repository if absent.
  virtual Status linkBlob(std::string_view registry, std::string_view repository,
                          const Digest& digest) = 0;
  /// Removes a blob link; idempotent.
  virtual Status unlinkBlob(std::string_view registry, std::string_view repository,
                            const Digest& digest) = 0;
  /// Deletes a repository with its manifests, tags and links; idempotent.
  virtual Status deleteRepository(std::string_view registry, std::string_view repository) = 0;
  /// Deletes everything recorded for a registry; idempotent.
  virtual Status deleteRegistry(std::string_view registry) = 0;

  /// Visits the registry's whole catalog (see CatalogVisitor for the order), without the
  /// references between manifests and blobs: the in-memory index that load() fills serves
  /// requests, and no request needs them.
  virtual Status load(std::string_view registry, const CatalogVisitor& visitor) = 0;
  /// Visits every manifest's references, sorted by repository (then manifest digest). Garbage
  /// collection, their only reader, calls it with writes stopped when it must be exact.
  virtual Status loadReferences(
      std::string_view registry,
      const std::function<void(std::string_view repository, ManifestReferences&& refs)>& visit) = 0;

  // ---- the index snapshot's record (registry/index_snapshot.h)
  // A snapshot of the in-memory index may stand in for load() only while the catalog is exactly
  // as it was when the snapshot was written. The catalog keeps the proof: a token recorded
  // after the snapshot's file is durable, and forgotten by the store itself in the same
  // transaction as any later write for that registry (manifests, tags, blob links, repositories,
  // and the start of an upload session, whose blob lands in the blob store before its link).

  /// The recorded token, or "" when none is recorded or the registry changed since.
  virtual Result<std::string> indexSnapshotToken(std::string_view registry) = 0;
  /// Records `token` (non-empty) as describing the registry's catalog as it is now.
  virtual Status recordIndexSnapshot(std::string_view registry, std::string_view token) = 0;
  /// Forgets the token: for changes the catalog cannot see (blobs deleted from the blob store).
  virtual Status forgetIndexSnapshot(std::string_view registry) = 0;
};

}  // namespace berth::metadata
