// The index snapshot side of RegistryService: opening from a mapped snapshot, decoding a
// repository the first time it is needed, and writing the index back at a clean stop. The file
// format is registry/index_snapshot_format.h; when a snapshot may be used is the catalog's
// record (ManifestCatalog::indexSnapshotToken).

#include "registry/registry_service.h"

namespace berth::registry {

Result<std::shared_ptr<RegistryService>> RegistryService::openFromSnapshot(
    std::string name, RegistryDeps deps, RegistryLimits limits, std::filesystem::path snapshotFile) {
  auto service = std::make_shared<RegistryService>(std::move(name), deps, limits);
  service->snapshotFile_ = std::move(snapshotFile);
  auto mapped = service->mapSnapshot();
  if (!mapped.ok()) return mapped.error();
  if (!*mapped) return std::shared_ptr<RegistryService>();
  return service;
}

Result<bool> RegistryService::mapSnapshot() {
  auto token = deps_.catalog.indexSnapshotToken(name_);
  if (!token.ok()) {
    return token.error();
  }
  if (token->empty()) {
    return false;  // none recorded, or the catalog changed since
  }
  auto unusable = [&](std::string_view why) {
    deps_.log.warn("registry '" + name_ + "': not using the index snapshot: " + std::string(why) +
                   "; reading the catalog instead");
    blobs_.clear();
    repos_.clear();
    return false;
  };
  auto file = IndexSnapshotFile::open(snapshotFile_, *token);
  if (!file.ok()) return unusable(file.error().message);
  if (*file == nullptr) return unusable(snapshotFile_.string() + " is missing");
  const std::string_view bytes = (*file)->bytes();
  const snapshot::Header& header = (*file)->header();
  // Unknown history, as in open(): a restart never makes GC hastier.
  const std::int64_t now = deps_.clock.nowUnixSeconds();
  blobs_.reserve(header.blobCount);
  Status blobs = snapshot::decodeBlobs(bytes, header, [&](Digest&& digest, std::uint64_t size) {
    auto& meta = blobs_[std::move(digest)];
    meta.size = size;
    meta.touchedUnixSeconds.store(now, std::memory_order_relaxed);
  });
  if (!blobs.ok()) return unusable(snapshotFile_.string() + ": " + blobs.error().message);
  Status directory = snapshot::decodeDirectory(
      bytes, header, [&](std::string_view repository, std::string_view section) {
        repos_.emplace_hint(repos_.end(), std::piecewise_construct,
                            std::forward_as_tuple(repository), std::forward_as_tuple(section));
      });
  if (!directory.ok()) return unusable(snapshotFile_.string() + ": " + directory.error().message);
  (*file)->releaseTables();
  snapshot_ = std::move(*file);
  snapshotToken_ = std::move(*token);
  return true;
}

const RegistryService::Repo& RegistryService::contentOf(std::string_view repository,
                                                        const RepoSlot& slot) const {
  if (slot.encoded.data() != nullptr) {
    std::call_once(slot.decodeOnce, [&] { decodeSlot(repository, slot); });
  }
  return *slot.repo;
}

void RegistryService::decodeSlot(std::string_view repository, const RepoSlot& slot) const {
  slot.repo = std::make_unique<Repo>();
  Repo* into = slot.repo.get();
  Status decoded = snapshot::decodeRepository(
      slot.encoded, repository, indexFiller([into](std::string_view) { return into; }));
  if (!decoded.ok()) {
    // The catalog still has this repository as the snapshot had it (nothing wrote to it since,
    // or it would have been decoded first), so read it from there, once, and say so.
    deps_.log.warn("registry '" + name_ + "': index snapshot " + snapshot_->path().string() +
                   ": repository '" + std::string(repository) + "': " + decoded.error().message +
                   "; reading it from the catalog (delete the file if this repeats)");
    *slot.repo = Repo{};
    Status loaded = deps_.catalog.load(
        name_, indexFiller([&](std::string_view repo) {
          return repo == repository ? into : nullptr;
        }));
    if (!loaded.ok()) {
      deps_.log.error("registry '" + name_ + "': repository '" + std::string(repository) +
                      "' cannot be read from the catalog either: " + loaded.error().message);
    }
  }
  slot.decoded.store(true, std::memory_order_release);
}

Result<bool> RegistryService::saveSnapshot() {
  if (snapshotFile_.empty()) return false;
  std::lock_guard writer(writer_);
  if (snapshotUnsafe_.load()) {
    BERTH_TRY(deps_.catalog.forgetIndexSnapshot(name_));
    return makeError(Errc::kInternal,
                     "index snapshot not written: a garbage collection failed half-way, so the "
                     "index may differ from the catalog; the next start reads the catalog");
  }
  auto recorded = deps_.catalog.indexSnapshotToken(name_);
  if (!recorded.ok()) return recorded.error();
  if (!snapshotToken_.empty() && *recorded == snapshotToken_) {
    return false;  // nothing changed since the snapshot this index came from
  }
  auto token = newIndexSnapshotToken();
  if (!token.ok()) return token.error();
  auto out = IndexSnapshotWriter::create(snapshotFile_, *token);
  if (!out.ok()) return out.error();
  {
    std::shared_lock lock(mu_);
    snapshot::RepositoryEncoder encoder;
    for (const auto& [name, slot] : repos_) {
      if (slot.encoded.data() != nullptr && !slot.decoded.load(std::memory_order_acquire)) {
        // Never decoded, so never changed: its section is still exact.
        BERTH_TRY(out->addRepository(name, slot.encoded));
        continue;
      }
      const Repo& repo = *slot.repo;
      for (const auto& [digest, entry] : repo.manifests) {
        encoder.addManifest(digest, entry->mediaType, entry->artifactType, entry->subject,
                            entry->createdUnixSeconds, *entry->bytes);
      }
      for (const auto& [tag, digest] : repo.tags) encoder.addTag(tag, digest);
      for (const Digest& digest : repo.blobs) encoder.addBlobLink(digest);
      BERTH_TRY(out->addRepository(name, encoder.finish()));
    }
    for (const auto& [digest, meta] : blobs_) out->addBlob(digest, meta.size);
  }
  BERTH_TRY(out->commit());
  // Only now: a crash before this line leaves no token, and the next start reads the catalog.
  BERTH_TRY(deps_.catalog.recordIndexSnapshot(name_, *token));
  return true;
}

}  // namespace berth::registry
