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
  auto directory = snapshot::Directory::open(bytes, header);
  if (!directory.ok()) return unusable(snapshotFile_.string() + ": " + directory.error().message);
  (*file)->releaseTables();
  base_ = std::make_unique<SnapshotRepos>();
  base_->decoded = std::make_unique<std::atomic<Repo*>[]>(directory->size());
  base_->directory = *directory;
  base_->file = std::move(*file);
  snapshotToken_ = std::move(*token);
  return true;
}

RegistryService::Repo& RegistryService::snapshotRepo(std::size_t i) const {
  SnapshotRepos& base = *base_;
  if (Repo* repo = base.decoded[i].load(std::memory_order_acquire)) return *repo;
  std::lock_guard lock(base.decodeMutex);
  if (Repo* repo = base.decoded[i].load(std::memory_order_relaxed)) return *repo;
  const std::string_view repository = base.directory.name(i);
  auto repo = std::make_unique<Repo>();
  Repo* into = repo.get();
  Status decoded = snapshot::decodeRepository(base.directory.section(i), repository,
                                              indexFiller([into](std::string_view) { return into; }));
  if (!decoded.ok()) {
    // The catalog still has this repository as the snapshot had it (nothing wrote to it since,
    // or it would have been decoded first), so read it from there, once, and say so.
    deps_.log.warn("registry '" + name_ + "': index snapshot " + base.file->path().string() +
                   ": repository '" + std::string(repository) + "': " + decoded.error().message +
                   "; reading it from the catalog (delete the file if this repeats)");
    *into = Repo{};
    Status loaded = deps_.catalog.load(name_, indexFiller([&](std::string_view name) {
                                         return name == repository ? into : nullptr;
                                       }));
    if (!loaded.ok()) {
      deps_.log.error("registry '" + name_ + "': repository '" + std::string(repository) +
                      "' cannot be read from the catalog either: " + loaded.error().message);
    }
  }
  base.owned.push_back(std::move(repo));
  base.decoded[i].store(into, std::memory_order_release);
  return *into;
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
    Status written = okStatus();
    forEachRepository("", [&](const RepoRef& ref) {
      const Repo* repo = ref.overlay != nullptr
                             ? ref.overlay
                             : base_->decoded[ref.baseIndex].load(std::memory_order_acquire);
      if (repo == nullptr) {
        // Never decoded, so never changed: its section is still exact.
        written = out->addRepository(ref.name, base_->directory.section(ref.baseIndex));
        return written.ok();
      }
      for (const auto& [digest, entry] : repo->manifests) {
        encoder.addManifest(digest, entry->mediaType, entry->artifactType, entry->subject,
                            entry->createdUnixSeconds, *entry->bytes);
      }
      for (const auto& [tag, digest] : repo->tags) encoder.addTag(tag, digest);
      for (const Digest& digest : repo->blobs) encoder.addBlobLink(digest);
      written = out->addRepository(ref.name, encoder.finish());
      return written.ok();
    });
    BERTH_TRY(written);
    for (const auto& [digest, meta] : blobs_) out->addBlob(digest, meta.size);
  }
  BERTH_TRY(out->commit());
  // Only now: a crash before this line leaves no token, and the next start reads the catalog.
  BERTH_TRY(deps_.catalog.recordIndexSnapshot(name_, *token));
  return true;
}

}  // namespace berth::registry
