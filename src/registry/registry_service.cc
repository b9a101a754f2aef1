#include "registry/registry_service.h"

#include <algorithm>

#include "common/reference.h"
#include "registry/manifest_parser.h"

namespace berth::registry {

namespace {

Error nameUnknown(std::string_view repository) {
  return makeError(Errc::kNameUnknown,
                   "repository '" + std::string(repository) + "' is not known to this registry",
                   std::string(repository));
}

Error manifestUnknown(std::string_view reference) {
  return makeError(Errc::kManifestUnknown,
                   "manifest '" + std::string(reference) + "' is not in this repository",
                   std::string(reference));
}

Error blobUnknown(const Digest& digest) {
  return makeError(Errc::kBlobUnknown, "blob " + digest.str() + " is not in this repository",
                   digest.str());
}

template <typename Items>
bool visitPage(const Items& sorted, std::optional<std::size_t> n, std::string_view last,
               const NameVisitor& visit) {
  auto it = last.empty() ? sorted.begin() : sorted.upper_bound(last);
  std::size_t left = n.value_or(static_cast<std::size_t>(-1));
  for (; it != sorted.end() && left > 0; ++it, --left) {
    visit(it->first);
  }
  return it != sorted.end() && n.has_value();
}

// Finds or creates the entry of a repository-keyed map for rows that come sorted by repository
// (each pass of ManifestCatalog::load): the row's repository is almost always the entry of the row
// before or the next one, so this costs a comparison where a lookup from the root (about a
// seventh of a seeded start-up) used to be.
template <typename RepoMap>
class SortedCursor {
 public:
  explicit SortedCursor(RepoMap& map) : map_(map), at_(map.end()) {}

  typename RepoMap::mapped_type& operator()(std::string_view repository) {
    if (at_ != map_.end()) {
      if (at_->first == repository) return at_->second;
      auto next = std::next(at_);
      if (next != map_.end() && next->first == repository) {
        at_ = next;
        return at_->second;
      }
    }
    const bool last = map_.empty() || map_.rbegin()->first < repository;
    auto it = last ? map_.end() : map_.lower_bound(repository);
    if (it == map_.end() || it->first != repository) {
      it = map_.emplace_hint(it, std::piecewise_construct, std::forward_as_tuple(repository),
                             std::forward_as_tuple());
    }
    at_ = it;
    return at_->second;
  }

 private:
  RepoMap& map_;
  typename RepoMap::iterator at_;
};

}  // namespace

RegistryService::RegistryService(std::string name, RegistryDeps deps, RegistryLimits limits)
    : name_(std::move(name)), deps_(deps), limits_(limits) {}

metadata::CatalogVisitor RegistryService::indexFiller(
    const std::function<Repo*(std::string_view)>& repoOf) {
  metadata::CatalogVisitor visitor;
  visitor.repository = [repoOf](std::string_view repo) { repoOf(repo); };
  visitor.manifest = [repoOf](std::string_view repo, metadata::ManifestRow&& row) {
    Repo* into = repoOf(repo);
    if (into == nullptr) return;
    auto entry = std::make_shared<ManifestEntry>();
    entry->digest = std::move(row.digest);
    entry->mediaType = std::move(row.mediaType);
    entry->artifactType = std::move(row.artifactType);
    entry->subject = std::move(row.subject);
    entry->bytes = std::make_shared<const std::string>(std::move(row.bytes));
    entry->createdUnixSeconds = row.createdUnixSeconds;
    insertManifestLocked(*into, std::move(entry));
  };
  visitor.tag = [repoOf](std::string_view repo, std::string_view tag, Digest&& digest) {
    Repo* into = repoOf(repo);
    if (into == nullptr) return;
    // Tags arrive in order: with the end as hint each insert is a constant-time append.
    into->tags.insert_or_assign(into->tags.end(), std::string(tag), std::move(digest));
  };
  visitor.blobLink = [repoOf](std::string_view repo, Digest&& digest) {
    Repo* into = repoOf(repo);
    if (into != nullptr) into->blobs.insert(std::move(digest));
  };
  return visitor;
}

Result<std::shared_ptr<RegistryService>> RegistryService::open(std::string name, RegistryDeps deps,
                                                               RegistryLimits limits,
                                                               std::filesystem::path snapshotFile) {
  auto service = std::make_shared<RegistryService>(std::move(name), deps, limits);
  service->snapshotFile_ = std::move(snapshotFile);
  const std::int64_t now = deps.clock.nowUnixSeconds();
  Status blobs = deps.blobs.listBlobs(service->name_, [&](const storage::BlobEntry& e) {
    auto& meta = service->blobs_[e.digest];
    meta.size = e.size;
    // Unknown history: treat as just touched so a restart never makes GC hastier.
    meta.touchedUnixSeconds.store(std::max(e.modifiedUnixSeconds, now));
  });
  BERTH_TRY(blobs);
  SortedCursor repoOf(service->repos_);
  BERTH_TRY(deps.catalog.load(
      service->name_,
      service->indexFiller([&](std::string_view repo) { return &repoOf(repo); })));
  return service;
}

const RegistryService::Repo* RegistryService::findRepo(std::string_view repository) const {
  if (auto it = repos_.find(repository); it != repos_.end()) return &it->second;
  if (base_ == nullptr) return nullptr;
  const std::size_t i = base_->directory.find(repository);
  return i == base_->directory.size() ? nullptr : &snapshotRepo(i);
}

RegistryService::Repo& RegistryService::repoFor(std::string_view repository) {
  if (const Repo* found = findRepo(repository)) {
    return const_cast<Repo&>(*found);  // the caller holds mu_ exclusively
  }
  return repos_.emplace(std::piecewise_construct, std::forward_as_tuple(repository),
                        std::forward_as_tuple())
      .first->second;
}

void RegistryService::forEachRepository(std::string_view after,
                                        const std::function<bool(const RepoRef&)>& visit) const {
  auto overlay = after.empty() ? repos_.begin() : repos_.upper_bound(after);
  std::size_t base = 0, baseEnd = 0;
  if (base_ != nullptr) {
    baseEnd = base_->directory.size();
    base = after.empty() ? 0 : base_->directory.upperBound(after);
  }
  // A merge of two sorted sequences whose names never coincide (see repos_).
  while (overlay != repos_.end() || base < baseEnd) {
    const bool takeBase = base < baseEnd && (overlay == repos_.end() ||
                                              base_->directory.name(base) < overlay->first);
    RepoRef ref;
    if (takeBase) {
      ref.name = base_->directory.name(base);
      ref.baseIndex = base++;
    } else {
      ref.name = overlay->first;
      ref.overlay = &overlay->second;
      ++overlay;
    }
    if (!visit(ref)) return;
  }
}

void RegistryService::insertManifestLocked(Repo& repo, ManifestPtr entry) {
  if (entry->subject) {
    repo.referrers[*entry->subject].insert(entry->digest);
  }
  repo.manifests.insert_or_assign(entry->digest, std::move(entry));
}

void RegistryService::eraseManifestLocked(Repo& repo, const Digest& digest) {
  auto it = repo.manifests.find(digest);
  if (it == repo.manifests.end()) {
    return;
  }
  if (it->second->subject) {
    auto ref = repo.referrers.find(*it->second->subject);
    if (ref != repo.referrers.end()) {
      ref->second.erase(digest);
      if (ref->second.empty()) {
        repo.referrers.erase(ref);
      }
    }
  }
  repo.manifests.erase(it);
  std::erase_if(repo.tags, [&](const auto& kv) { return kv.second == digest; });
}

// ---------------------------------------------------------------- reads

Result<ManifestPtr> RegistryService::getManifest(std::string_view repository,
                                                 std::string_view reference) const {
  std::shared_lock lock(mu_);
  const Repo* repo = findRepo(repository);
  if (repo == nullptr) {
    return nameUnknown(repository);
  }
  if (looksLikeDigest(reference)) {
    auto digest = Digest::parse(reference);
    if (!digest.ok()) {
      return digest.error();
    }
    auto it = repo->manifests.find(*digest);
    if (it == repo->manifests.end()) {
      return manifestUnknown(reference);
    }
    return it->second;
  }
  auto tag = repo->tags.find(reference);
  if (tag == repo->tags.end()) {
    return manifestUnknown(reference);
  }
  auto it = repo->manifests.find(tag->second);
  if (it == repo->manifests.end()) {
    return manifestUnknown(reference);
  }
  return it->second;
}

Result<std::uint64_t> RegistryService::statBlob(std::string_view repository,
                                                const Digest& digest) const {
  std::shared_lock lock(mu_);
  const Repo* repo = findRepo(repository);
  if (repo == nullptr || !repo->blobs.contains(digest)) {
    return blobUnknown(digest);
  }
  auto it = blobs_.find(digest);
  if (it == blobs_.end()) {
    return blobUnknown(digest);
  }
  it->second.touchedUnixSeconds.store(deps_.clock.nowUnixSeconds(), std::memory_order_relaxed);
  return it->second.size;
}

Result<std::unique_ptr<storage::BlobReader>> RegistryService::openBlob(std::string_view repository,
                                                                       const Digest& digest) const {
  {
    std::shared_lock lock(mu_);
    const Repo* repo = findRepo(repository);
    if (repo == nullptr || !repo->blobs.contains(digest) || !blobs_.contains(digest)) {
      return blobUnknown(digest);
    }
  }
  auto reader = deps_.blobs.open(name_, digest);
  if (!reader.ok() && reader.error().code == Errc::kBlobUnknown) {
    return blobUnknown(digest);
  }
  return reader;
}

Result<bool> RegistryService::visitTags(std::string_view repository, std::optional<std::size_t> n,
                                        std::string_view last, const NameVisitor& visit) const {
  std::shared_lock lock(mu_);
  const Repo* repo = findRepo(repository);
  if (repo == nullptr) {
    return nameUnknown(repository);
  }
  return visitPage(repo->tags, n, last, visit);
}

bool RegistryService::visitRepositories(std::optional<std::size_t> n, std::string_view last,
                                        const NameVisitor& visit) const {
  std::shared_lock lock(mu_);
  std::size_t left = n.value_or(static_cast<std::size_t>(-1));
  bool more = false;
  forEachRepository(last, [&](const RepoRef& ref) {
    if (left == 0) {
      more = true;
      return false;
    }
    visit(ref.name);
    --left;
    return true;
  });
  return more && n.has_value();
}

bool RegistryService::repositoryExists(std::string_view repository) const {
  std::shared_lock lock(mu_);
  return findRepo(repository) != nullptr;
}

std::uint64_t RegistryService::storageBytes() const {
  std::shared_lock lock(mu_);
  std::uint64_t total = 0;
  for (const auto& [digest, meta] : blobs_) total += meta.size;
  return total;
}

Result<std::vector<ManifestPtr>> RegistryService::referrers(std::string_view repository,
                                                            const Digest& digest,
                                                            std::string_view artifactType) const {
  std::shared_lock lock(mu_);
  std::vector<ManifestPtr> out;
  const Repo* repo = findRepo(repository);
  if (repo == nullptr) {
    return nameUnknown(repository);
  }
  auto it = repo->referrers.find(digest);
  if (it == repo->referrers.end()) {
    return out;
  }
  for (const Digest& d : it->second) {
    auto m = repo->manifests.find(d);
    if (m != repo->manifests.end() &&
        (artifactType.empty() || m->second->artifactType == artifactType)) {
      out.push_back(m->second);
    }
  }
  return out;
}

// ---------------------------------------------------------------- writes

Result<PutManifestResult> RegistryService::putManifest(std::string_view repository,
                                                       std::string_view reference,
                                                       std::string_view contentType,
                                                       std::string bytes) {
  BERTH_TRY(validateRepositoryName(repository));
  if (bytes.size() > limits_.maxManifestBytes) {
    return fail(Errc::kManifestTooLarge,
                "manifest is larger than the registry accepts (limits.max_manifest_bytes = " +
                    std::to_string(limits_.maxManifestBytes) + ")");
  }
  const bool byDigest = looksLikeDigest(reference);
  Digest digest;
  if (byDigest) {
    auto expected = Digest::parse(reference);
    if (!expected.ok()) return expected.error();
    digest = digestOf(bytes, expected->algorithm());
    if (digest != *expected) {
      return fail(Errc::kDigestInvalid,
                  "manifest content does not match the digest in the URL (computed " +
                      digest.str() + ")",
                  expected->str());
    }
  } else {
    BERTH_TRY(validateTag(reference));
    digest = digestOf(bytes);
  }
  auto parsed = parseManifest(contentType, bytes);
  if (!parsed.ok()) return parsed.error();

  std::lock_guard writer(writer_);
  {
    std::shared_lock lock(mu_);
    const Repo* repo = findRepo(repository);
    for (const Digest& blob : parsed->blobRefs) {
      if (repo == nullptr || !repo->blobs.contains(blob) || !blobs_.contains(blob)) {
        return fail(Errc::kManifestBlobUnknown,
                    "manifest references blob " + blob.str() +
                        ", which is not in this repository; push the blob first",
                    blob.str());
      }
    }
    for (const Digest& child : parsed->manifestRefs) {
      if (repo == nullptr || !repo->manifests.contains(child)) {
        return fail(Errc::kManifestBlobUnknown,
                    "index references manifest " + child.str() +
                        ", which is not in this repository; push it first",
                    child.str());
      }
    }
  }

  metadata::ManifestRow row;
  row.digest = digest;
  row.mediaType = parsed->mediaType;
  row.artifactType = parsed->artifactType;
  row.subject = parsed->subject;
  row.blobRefs = std::move(parsed->blobRefs);
  row.manifestRefs = std::move(parsed->manifestRefs);
  row.createdUnixSeconds = deps_.clock.nowUnixSeconds();
  row.bytes = std::move(bytes);
  std::string tag = byDigest ? std::string() : std::string(reference);
  BERTH_TRY(deps_.catalog.putManifest(name_, repository, row, byDigest ? nullptr : &tag));

  auto entry = std::make_shared<ManifestEntry>();
  entry->digest = digest;
  entry->mediaType = std::move(row.mediaType);
  entry->artifactType = std::move(row.artifactType);
  entry->subject = row.subject;
  entry->bytes = std::make_shared<const std::string>(std::move(row.bytes));
  entry->createdUnixSeconds = row.createdUnixSeconds;
  {
    std::unique_lock lock(mu_);
    Repo& repo = repoFor(repository);
    auto existing = repo.manifests.find(digest);
    if (existing != repo.manifests.end()) {
      // Same digest, same bytes: keep the original creation time.
      entry->createdUnixSeconds = existing->second->createdUnixSeconds;
    }
    insertManifestLocked(repo, std::move(entry));
    if (!byDigest) {
      repo.tags.insert_or_assign(std::move(tag), digest);
    }
  }
  return PutManifestResult{digest, parsed->subject};
}

Status RegistryService::deleteManifest(std::string_view repository, std::string_view reference) {
  std::lock_guard writer(writer_);
  if (looksLikeDigest(reference)) {
    auto digest = Digest::parse(reference);
    if (!digest.ok()) return digest.error();
    {
      std::shared_lock lock(mu_);
      const Repo* repo = findRepo(repository);
      if (repo == nullptr) return nameUnknown(repository);
      if (!repo->manifests.contains(*digest)) return manifestUnknown(reference);
    }
    BERTH_TRY(deps_.catalog.deleteManifest(name_, repository, *digest));
    std::unique_lock lock(mu_);
    eraseManifestLocked(repoFor(repository), *digest);
    return okStatus();
  }
  BERTH_TRY(validateTag(reference));
  {
    std::shared_lock lock(mu_);
    const Repo* repo = findRepo(repository);
    if (repo == nullptr) return nameUnknown(repository);
    if (!repo->tags.contains(reference)) return manifestUnknown(reference);
  }
  BERTH_TRY(deps_.catalog.deleteTag(name_, repository, reference));
  std::unique_lock lock(mu_);
  Repo& repo = repoFor(repository);
  auto it = repo.tags.find(reference);
  if (it != repo.tags.end()) repo.tags.erase(it);
  return okStatus();
}

Status RegistryService::deleteBlob(std::string_view repository, const Digest& digest) {
  std::lock_guard writer(writer_);
  {
    std::shared_lock lock(mu_);
    const Repo* repo = findRepo(repository);
    if (repo == nullptr || !repo->blobs.contains(digest)) return blobUnknown(digest);
  }
  BERTH_TRY(deps_.catalog.unlinkBlob(name_, repository, digest));
  std::unique_lock lock(mu_);
  repoFor(repository).blobs.erase(digest);
  return okStatus();
}

Result<bool> RegistryService::mountBlob(std::string_view repository, std::string_view from,
                                        const Digest& digest) {
  BERTH_TRY(validateRepositoryName(repository));
  if (!validateRepositoryName(from).ok()) {
    return false;
  }
  std::lock_guard writer(writer_);
  {
    std::shared_lock lock(mu_);
    const Repo* source = findRepo(from);
    auto blob = blobs_.find(digest);
    if (source == nullptr || !source->blobs.contains(digest) || blob == blobs_.end()) {
      return false;
    }
    blob->second.touchedUnixSeconds.store(deps_.clock.nowUnixSeconds());
    const Repo* target = findRepo(repository);
    if (target != nullptr && target->blobs.contains(digest)) {
      return true;
    }
  }
  BERTH_TRY(deps_.catalog.linkBlob(name_, repository, digest));
  std::unique_lock lock(mu_);
  repoFor(repository).blobs.insert(digest);
  return true;
}

Status RegistryService::addUploadedBlob(std::string_view repository, const Digest& digest,
                                        std::uint64_t size) {
  std::lock_guard writer(writer_);
  {
    // Visible registry-wide first: the bytes are durable already.
    std::unique_lock lock(mu_);
    auto& meta = blobs_[digest];
    meta.size = size;
    meta.touchedUnixSeconds.store(deps_.clock.nowUnixSeconds());
  }
  BERTH_TRY(deps_.catalog.linkBlob(name_, repository, digest));
  std::unique_lock lock(mu_);
  repoFor(repository).blobs.insert(digest);
  return okStatus();
}

}  // namespace berth::registry
