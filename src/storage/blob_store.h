#pragma once
// BlobStore: where blob bytes and in-progress uploads live. Drivers (fs/, later s3/) only move
// bytes and publish atomically; hashing, verification and registry semantics live once in
// registry/upload_service. All methods are thread-safe. Blobs are content-addressed per registry
// and shared by all of that registry's repositories.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "common/digest.h"
#include "common/result.h"

namespace berth::storage {

/// An opened blob. Its bytes stay readable for the reader's lifetime even if the blob is deleted
/// meanwhile (a pull in flight is never cut short by garbage collection).
class BlobReader {
 public:
  virtual ~BlobReader() = default;
  virtual std::uint64_t size() const = 0;
  /// A descriptor whose bytes [0, size()) are the blob, for zero-copy sendfile(); -1 when the
  /// driver keeps no local file. Owned by the reader: do not close it.
  virtual int fileDescriptor() const = 0;
  /// Reads up to out.size() bytes starting at offset; returns 0 at the end of the blob.
  virtual Result<std::size_t> readAt(std::uint64_t offset, std::span<std::byte> out) = 0;
};

/// Memory and file-offset alignment at which appendUncached() can bypass the page cache: 4 KiB
/// suits every common device's O_DIRECT rules.
inline constexpr std::size_t kUploadDirectAlignment = 4096;

/// The bytes of one upload session, appended in order. Not thread-safe: the upload service
/// serialises access to a session.
class UploadWriter {
 public:
  virtual ~UploadWriter() = default;
  /// Bytes appended so far, including those of earlier processes (sessions survive restarts).
  virtual std::uint64_t size() const = 0;
  /// Appends bytes; on failure nothing past the previous size() is considered written.
  virtual Status append(std::span<const std::byte> bytes) = 0;
  /// Appends like append(), but a driver may hand the bytes straight to the device, past the
  /// page cache, which saves a copy per byte on large uploads. Blocks until the device has them:
  /// call it off the network threads. The bypass applies to the part that starts at a multiple
  /// of kUploadDirectAlignment both in the file and in memory; place `bytes` accordingly.
  virtual Status appendUncached(std::span<const std::byte> bytes) { return append(bytes); }
  /// Cuts the upload back to `size` bytes (used to drop the tail of a chunk that failed midway).
  virtual Status truncate(std::uint64_t size) = 0;
  /// Reads the bytes written so far, e.g. to re-hash after a restart.
  virtual Result<std::unique_ptr<BlobReader>> openForRead() = 0;
};

struct BlobEntry {
  Digest digest;
  std::uint64_t size = 0;
  std::int64_t modifiedUnixSeconds = 0;
};

struct UploadEntry {
  std::string id;
  std::uint64_t size = 0;
  std::int64_t modifiedUnixSeconds = 0;
};

class BlobStore {
 public:
  virtual ~BlobStore() = default;

  /// Size of a published blob, or kBlobUnknown.
  virtual Result<std::uint64_t> stat(std::string_view registry, const Digest& digest) = 0;
  /// Opens a published blob, or kBlobUnknown.
  virtual Result<std::unique_ptr<BlobReader>> open(std::string_view registry,
                                                   const Digest& digest) = 0;

  /// Starts an empty upload named `uploadId` (caller-chosen, [A-Za-z0-9-] only).
  virtual Result<std::unique_ptr<UploadWriter>> createUpload(std::string_view registry,
                                                             std::string_view uploadId) = 0;
  /// Re-opens an existing upload to append to it, or kBlobUploadUnknown.
  virtual Result<std::unique_ptr<UploadWriter>> openUpload(std::string_view registry,
                                                           std::string_view uploadId) = 0;
  /// Makes the upload's bytes the blob `digest`, atomically and durably: once this returns OK,
  /// open(digest) yields exactly those bytes, also after a crash, and the upload is gone. The
  /// caller has verified the digest. If the blob already exists the upload is simply discarded.
  virtual Status publishUpload(std::string_view registry, std::string_view uploadId,
                               const Digest& digest) = 0;
  /// Removes an upload's bytes. Idempotent: an unknown id is OK.
  virtual Status deleteUpload(std::string_view registry, std::string_view uploadId) = 0;

  /// Removes a published blob. Idempotent: an unknown digest is OK.
  virtual Status deleteBlob(std::string_view registry, const Digest& digest) = 0;

  /// Visits every published blob of the registry (order unspecified). For GC and recovery.
  virtual Status listBlobs(std::string_view registry,
                           const std::function<void(const BlobEntry&)>& visit) = 0;
  /// Visits every upload in progress of the registry (order unspecified).
  virtual Status listUploads(std::string_view registry,
                             const std::function<void(const UploadEntry&)>& visit) = 0;
  /// Removes all blobs and uploads of a registry. Idempotent.
  virtual Status deleteRegistry(std::string_view registry) = 0;
};

}  // namespace berth::storage
