#pragma once
// FsBlobStore: the BlobStore on a local POSIX filesystem (ext4, xfs, btrfs, tmpfs).

#include <filesystem>
#include <memory>

#include "storage/blob_store.h"

namespace berth::storage {

/// Keeps everything as plain files under one root directory:
///
///   registries/<registry>/blobs/<alg>/<first 2 hex>/<hex>   published blobs, never modified
///   registries/<registry>/uploads/<uploadId>                 upload bytes, appended in place
///   trash/                                                   registries whose deletion is running
///
/// Publishing fsyncs the upload file and renames it into place, so a blob path that exists always
/// holds complete bytes, also after a crash. Readers hold an open descriptor, so deleting a blob
/// never cuts a pull short. Appends are not fsynced: an upload lost in a crash is just an unknown
/// upload, and one fsync at publish costs far less than one per chunk.
///
/// Names: a registry must match [a-z0-9]{1,50} (else kNameInvalid) and an upload id
/// [A-Za-z0-9-]{1,128} (else kBlobUploadUnknown), so no argument can name a path outside the root.
/// createUpload of an id that already exists is kConflict rather than a truncation, because ids are
/// unique by construction and a collision must not destroy another session's bytes.
///
/// Thread-safe without locks: each operation is a few atomic filesystem calls on distinct paths,
/// and directories are never removed while the store runs, except by deleteRegistry.
/// One process per root: open() finishes deletions in trash/ that a crash interrupted.
/// I/O failures are kInternal with a message naming the path and the system's reason.
class FsBlobStore final : public BlobStore {
 public:
  /// Creates `root` and the layout's top directories as needed, finishes interrupted registry
  /// deletions and checks that the root is writable. A relative root is resolved against the
  /// current directory now. kInternal, naming the path and reason, when the root is unusable
  /// (empty, not a directory, not writable).
  static Result<std::unique_ptr<FsBlobStore>> open(std::filesystem::path root);

  /// The absolute root directory the store was opened on.
  const std::filesystem::path& root() const noexcept { return root_; }

  Result<std::uint64_t> stat(std::string_view registry, const Digest& digest) override;
  Result<std::unique_ptr<BlobReader>> open(std::string_view registry,
                                           const Digest& digest) override;
  Result<std::unique_ptr<UploadWriter>> createUpload(std::string_view registry,
                                                     std::string_view uploadId) override;
  Result<std::unique_ptr<UploadWriter>> openUpload(std::string_view registry,
                                                   std::string_view uploadId) override;
  Status publishUpload(std::string_view registry, std::string_view uploadId,
                       const Digest& digest) override;
  Status deleteUpload(std::string_view registry, std::string_view uploadId) override;
  Status deleteBlob(std::string_view registry, const Digest& digest) override;
  Status listBlobs(std::string_view registry,
                   const std::function<void(const BlobEntry&)>& visit) override;
  Status listUploads(std::string_view registry,
                     const std::function<void(const UploadEntry&)>& visit) override;
  Status deleteRegistry(std::string_view registry) override;

 private:
  explicit FsBlobStore(std::filesystem::path root) : root_(std::move(root)) {}

  std::filesystem::path registryDir(std::string_view registry) const;
  std::filesystem::path blobPath(std::string_view registry, const Digest& digest) const;
  std::filesystem::path uploadsDir(std::string_view registry) const;
  std::filesystem::path uploadPath(std::string_view registry, std::string_view uploadId) const;
  std::filesystem::path trashDir() const;

  /// mkdir -p below the root, fsyncing the parent of every directory it creates.
  Status ensureDir(const std::filesystem::path& dir) const;
  /// Renames the upload to the blob path unless a blob is already there; then drops the upload.
  Status moveIntoPlace(const std::filesystem::path& upload, const std::filesystem::path& blob,
                       std::string_view uploadId) const;
  Status sweepTrash() const;
  Status checkWritable() const;

  std::filesystem::path root_;
};

}  // namespace berth::storage
