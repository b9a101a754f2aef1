#pragma once
// UploadService: the one place where blob upload semantics live. Bytes are hashed while they are
// written, the digest is verified before anything is published, and only then does the blob
// become visible. Drivers below only move bytes (storage::BlobStore).
//
// Sessions are durable (metadata::UploadSessionStore + the driver's upload bytes): after a
// restart the first request on a session re-hashes what is on disk and carries on.

#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/digest.h"
#include "common/result.h"
#include "registry/registry_service.h"

namespace berth::registry {

class UploadService;

/// Exclusive use of one upload session for the duration of one request. Not thread-safe.
class UploadLease {
  struct Active;

 public:
  UploadLease(UploadLease&&) noexcept;
  UploadLease& operator=(UploadLease&&) = delete;
  ~UploadLease();

  const std::string& id() const noexcept;
  std::uint64_t size() const noexcept;
  /// Hashes and appends; on failure the session keeps exactly the bytes before this call.
  Status append(std::span<const std::byte> bytes);
  /// Pipelined appends for large bodies. For each buffer, in order: hashAhead() on the network
  /// thread, then the storer stores the same bytes on the blocking pool while the next buffer is
  /// received and hashed. If a store fails (it then keeps the session at the bytes before it),
  /// rewindHash() returns the digest to a hashCheckpoint() taken when those bytes were hashed.
  /// While a store runs, only hashAhead()/hashCheckpoint() may be called on the lease.
  void hashAhead(std::span<const std::byte> bytes);
  Hasher hashCheckpoint() const;
  void rewindHash(Hasher checkpoint);
  /// Stores hashed bytes, bypassing the page cache where the store can. Holds its own reference
  /// to the session's state; callers still wait for it before the lease ends.
  class Storer {
   public:
    Status operator()(std::span<const std::byte> bytes) const;

   private:
    friend class UploadLease;
    explicit Storer(std::shared_ptr<Active> active) : active_(std::move(active)) {}
    std::shared_ptr<Active> active_;
  };
  Storer storer() const;
  /// Verifies the bytes against `expected`, publishes them durably and links the blob into the
  /// repository; the session ends either way (a mismatch discards the bytes: DIGEST_INVALID).
  /// Blocks on fsync: call off the network threads.
  Result<std::uint64_t> complete(const Digest& expected);
  /// Drops the session and its bytes.
  Status cancel();

 private:
  friend class UploadService;
  UploadLease(UploadService& service, std::shared_ptr<Active> active);
  UploadService* service_;
  std::shared_ptr<Active> active_;
};

class UploadService {
 public:
  explicit UploadService(RegistryService& registry);
  ~UploadService();

  /// Opens a durable session for the repository; returns its lease (the caller answers with the
  /// id). Blocks on the metadata store.
  Result<UploadLease> start(std::string_view repository);
  /// A session that lives only for one request (monolithic POST ?digest=): nothing durable is
  /// written until complete(), so an aborted request leaves only temp bytes for the purge.
  Result<UploadLease> startEphemeral(std::string_view repository);
  /// Takes exclusive use of an existing session of this repository; kBlobUploadUnknown when there
  /// is none, kBlobUploadInvalid while another request holds it.
  Result<UploadLease> acquire(std::string_view repository, std::string_view id);
  /// Removes sessions (and stray upload bytes) idle for longer than maxIdleSeconds.
  Result<std::size_t> purgeIdle(std::int64_t maxIdleSeconds);

 private:
  friend class UploadLease;
  void release(const std::shared_ptr<UploadLease::Active>& active, bool ended);
  Status end(UploadLease::Active& active);

  RegistryService& registry_;
  std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<UploadLease::Active>> active_;
};

/// 128 random bits as a lowercase UUID-shaped string.
std::string newUploadId();

}  // namespace berth::registry
