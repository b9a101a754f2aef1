#include "registry/upload_service.h"

#include <openssl/rand.h>

#include <array>
#include <unordered_set>
#include <vector>

#include "common/reference.h"

namespace berth::registry {

struct UploadLease::Active {
  std::string id;
  std::string repository;
  bool durable = true;  // has a session record
  bool busy = false;
  std::int64_t lastUsedUnixSeconds = 0;
  std::unique_ptr<storage::UploadWriter> writer;
  Hasher sha256{DigestAlgorithm::kSha256};
};

std::string newUploadId() {
  std::array<unsigned char, 16> raw{};
  RAND_bytes(raw.data(), static_cast<int>(raw.size()));
  raw[6] = static_cast<unsigned char>((raw[6] & 0x0f) | 0x40);  // version 4
  raw[8] = static_cast<unsigned char>((raw[8] & 0x3f) | 0x80);  // variant 1
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) id.push_back('-');
    id.push_back(kHex[raw[i] >> 4]);
    id.push_back(kHex[raw[i] & 0xf]);
  }
  return id;
}

namespace {

Error uploadUnknown(std::string_view id) {
  return makeError(Errc::kBlobUploadUnknown,
                   "upload session '" + std::string(id) +
                       "' does not exist in this repository (finished, cancelled or expired); "
                       "start a new upload",
                   std::string(id));
}

/// Re-reads bytes already on disk into a fresh hasher (after a restart the in-memory state is
/// gone, and hash state cannot be persisted portably).
Status rehash(storage::UploadWriter& writer, Hasher& hasher) {
  auto reader = writer.openForRead();
  if (!reader.ok()) return reader.error();
  std::vector<std::byte> buf(1 << 20);
  std::uint64_t offset = 0;
  const std::uint64_t total = writer.size();
  while (offset < total) {
    auto n = (*reader)->readAt(offset, buf);
    if (!n.ok()) return n.error();
    if (*n == 0) break;
    hasher.update(buf.data(), *n);
    offset += *n;
  }
  return okStatus();
}

}  // namespace

// ---------------------------------------------------------------- lease

UploadLease::UploadLease(UploadService& service, std::shared_ptr<Active> active)
    : service_(&service), active_(std::move(active)) {}

UploadLease::UploadLease(UploadLease&& other) noexcept
    : service_(other.service_), active_(std::move(other.active_)) {}

UploadLease::~UploadLease() {
  if (active_) {
    service_->release(active_, false);
  }
}

const std::string& UploadLease::id() const noexcept { return active_->id; }

std::uint64_t UploadLease::size() const noexcept { return active_->writer->size(); }

Status UploadLease::append(std::span<const std::byte> bytes) {
  if (bytes.empty()) return okStatus();
  const std::uint64_t before = active_->writer->size();
  Status written = active_->writer->append(bytes);
  if (!written.ok()) {
    // Keep the file equal to what the hasher has seen.
    (void)active_->writer->truncate(before);
    return written;
  }
  active_->sha256.update(bytes.data(), bytes.size());
  return okStatus();
}

void UploadLease::hashAhead(std::span<const std::byte> bytes) {
  active_->sha256.update(bytes.data(), bytes.size());
}

Hasher UploadLease::hashCheckpoint() const { return active_->sha256.clone(); }

void UploadLease::rewindHash(Hasher checkpoint) { active_->sha256 = std::move(checkpoint); }

UploadLease::Storer UploadLease::storer() const { return Storer(active_); }

Status UploadLease::Storer::operator()(std::span<const std::byte> bytes) const {
  return active_->writer->appendUncached(bytes);
}

Result<std::uint64_t> UploadLease::complete(const Digest& expected) {
  Active& a = *active_;
  RegistryService& registry = service_->registry_;
  const std::uint64_t size = a.writer->size();
  Digest actual;
  if (expected.algorithm() == DigestAlgorithm::kSha256) {
    actual = a.sha256.finish();
  } else {
    // Rarely used: hash again with the requested algorithm rather than hashing every upload twice.
    Hasher other(expected.algorithm());
    BERTH_TRY(rehash(*a.writer, other));
    actual = other.finish();
  }
  if (actual != expected) {
    (void)service_->end(a);
    service_->release(active_, true);
    active_.reset();
    return fail(Errc::kDigestInvalid,
                "uploaded content does not match digest " + expected.str() + " (computed " +
                    actual.str() + "); the upload was discarded, push the blob again",
                expected.str());
  }
  a.writer.reset();  // close before publishing
  Status published = registry.deps().blobs.publishUpload(registry.name(), a.id, expected);
  if (!published.ok()) {
    (void)service_->end(a);
    service_->release(active_, true);
    active_.reset();
    return published.error();
  }
  Status linked = registry.addUploadedBlob(a.repository, expected, size);
  if (a.durable) {
    (void)registry.deps().sessions.removeSession(a.id);
  }
  service_->release(active_, true);
  active_.reset();
  if (!linked.ok()) return linked.error();
  return size;
}

Status UploadLease::cancel() {
  Status s = service_->end(*active_);
  service_->release(active_, true);
  active_.reset();
  return s;
}

// ---------------------------------------------------------------- service

UploadService::UploadService(RegistryService& registry) : registry_(registry) {}
UploadService::~UploadService() = default;

Status UploadService::end(UploadLease::Active& active) {
  active.writer.reset();
  Status bytes = registry_.deps().blobs.deleteUpload(registry_.name(), active.id);
  if (active.durable) {
    BERTH_TRY(registry_.deps().sessions.removeSession(active.id));
  }
  return bytes;
}

void UploadService::release(const std::shared_ptr<UploadLease::Active>& active, bool ended) {
  std::lock_guard lock(mu_);
  if (ended || !active->durable) {
    if (!ended) {
      // An ephemeral upload whose request failed: its bytes are worthless.
      active->writer.reset();
      (void)registry_.deps().blobs.deleteUpload(registry_.name(), active->id);
    }
    active_.erase(active->id);
    return;
  }
  active->busy = false;
  active->lastUsedUnixSeconds = registry_.deps().clock.nowUnixSeconds();
}

Result<UploadLease> UploadService::start(std::string_view repository) {
  BERTH_TRY(validateRepositoryName(repository));
  auto active = std::make_shared<UploadLease::Active>();
  active->id = newUploadId();
  active->repository = std::string(repository);
  active->busy = true;
  active->lastUsedUnixSeconds = registry_.deps().clock.nowUnixSeconds();
  auto writer = registry_.deps().blobs.createUpload(registry_.name(), active->id);
  if (!writer.ok()) return writer.error();
  active->writer = std::move(*writer);
  metadata::UploadSession session{active->id, registry_.name(), active->repository,
                                  active->lastUsedUnixSeconds};
  Status recorded = registry_.deps().sessions.createSession(session);
  if (!recorded.ok()) {
    active->writer.reset();
    (void)registry_.deps().blobs.deleteUpload(registry_.name(), active->id);
    return recorded.error();
  }
  {
    std::lock_guard lock(mu_);
    active_.emplace(active->id, active);
  }
  return UploadLease(*this, std::move(active));
}

Result<UploadLease> UploadService::startEphemeral(std::string_view repository) {
  BERTH_TRY(validateRepositoryName(repository));
  auto active = std::make_shared<UploadLease::Active>();
  active->id = newUploadId();
  active->repository = std::string(repository);
  active->durable = false;
  active->busy = true;
  auto writer = registry_.deps().blobs.createUpload(registry_.name(), active->id);
  if (!writer.ok()) return writer.error();
  active->writer = std::move(*writer);
  {
    std::lock_guard lock(mu_);
    active_.emplace(active->id, active);
  }
  return UploadLease(*this, std::move(active));
}

Result<UploadLease> UploadService::acquire(std::string_view repository, std::string_view id) {
  {
    std::lock_guard lock(mu_);
    auto it = active_.find(std::string(id));
    if (it != active_.end()) {
      auto& active = it->second;
      if (active->repository != repository || !active->durable) {
        return uploadUnknown(id);
      }
      if (active->busy) {
        return fail(Errc::kBlobUploadInvalid,
                    "another request is writing to upload '" + std::string(id) +
                        "'; send chunks one at a time",
                    std::string(id));
      }
      active->busy = true;
      return UploadLease(*this, active);
    }
  }
  // Not in memory: a session from before a restart, or none at all.
  auto session = registry_.deps().sessions.getSession(id);
  if (!session.ok()) {
    if (session.error().code == Errc::kBlobUploadUnknown) return uploadUnknown(id);
    return session.error();
  }
  if (session->registry != registry_.name() || session->repository != repository) {
    return uploadUnknown(id);
  }
  auto active = std::make_shared<UploadLease::Active>();
  active->id = session->id;
  active->repository = session->repository;
  active->busy = true;
  auto writer = registry_.deps().blobs.openUpload(registry_.name(), id);
  if (!writer.ok()) {
    if (writer.error().code == Errc::kBlobUploadUnknown) {
      (void)registry_.deps().sessions.removeSession(id);
      return uploadUnknown(id);
    }
    return writer.error();
  }
  active->writer = std::move(*writer);
  BERTH_TRY(rehash(*active->writer, active->sha256));
  std::lock_guard lock(mu_);
  auto [it, inserted] = active_.emplace(active->id, active);
  if (!inserted) {
    // Another request resumed the same session meanwhile.
    return fail(Errc::kBlobUploadInvalid,
                "another request is writing to upload '" + std::string(id) + "'",
                std::string(id));
  }
  return UploadLease(*this, std::move(active));
}

Result<std::size_t> UploadService::purgeIdle(std::int64_t maxIdleSeconds) {
  const std::int64_t cutoff = registry_.deps().clock.nowUnixSeconds() - maxIdleSeconds;
  std::vector<std::string> sessionIds;
  BERTH_TRY(registry_.deps().sessions.listSessions(
      registry_.name(), [&](const metadata::UploadSession& s) { sessionIds.push_back(s.id); }));
  std::vector<std::string> stale;
  std::unordered_set<std::string> withBytes;
  BERTH_TRY(registry_.deps().blobs.listUploads(registry_.name(), [&](const storage::UploadEntry& e) {
    withBytes.insert(e.id);
    if (e.modifiedUnixSeconds < cutoff) stale.push_back(e.id);
  }));
  std::size_t purged = 0;
  for (const std::string& id : stale) {
    {
      std::lock_guard lock(mu_);
      auto it = active_.find(id);
      if (it != active_.end()) {
        if (it->second->busy || it->second->lastUsedUnixSeconds >= cutoff) continue;
        active_.erase(it);
      }
    }
    (void)registry_.deps().blobs.deleteUpload(registry_.name(), id);
    (void)registry_.deps().sessions.removeSession(id);
    ++purged;
  }
  // Session records whose bytes vanished are dead too.
  for (const std::string& id : sessionIds) {
    if (withBytes.contains(id)) continue;
    std::lock_guard lock(mu_);
    if (!active_.contains(id)) {
      (void)registry_.deps().sessions.removeSession(id);
    }
  }
  return purged;
}

}  // namespace berth::registry
