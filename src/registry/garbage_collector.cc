// Garbage collection for one registry: mark what tags (and young content) keep alive, sweep the
// rest. Planning runs under the shared lock so pulls continue; applying re-checks every item
// under the writer lock, and a blob is dropped from the index under the exclusive lock only if
// nobody touched it within the grace period, so a push in flight never loses a blob it relies on.

#include <deque>
#include <map>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "registry/registry_service.h"

namespace berth::registry {

namespace {

struct References {
  std::vector<Digest> blobs;
  std::vector<Digest> manifests;
};
/// Repository -> manifest -> what it references, as the catalog has it.
using ReferenceMap =
    std::map<std::string, std::unordered_map<Digest, References>, std::less<>>;

}  // namespace

Result<RegistryService::GcPlan> RegistryService::planGarbage(std::int64_t graceSeconds) const {
  // Read before taking the index lock, so pulls and pushes go on meanwhile. A manifest pushed in
  // between is in the index but not here; its blobs then look unreferenced in this plan, which
  // only proposes: applyGarbagePlan() plans again with writes stopped, where both agree.
  ReferenceMap references;
  ReferenceMap::iterator at = references.end();
  BERTH_TRY(deps_.catalog.loadReferences(
      name_, [&](std::string_view repository, metadata::ManifestReferences&& refs) {
        if (at == references.end() || at->first != repository) {
          at = references.emplace_hint(references.end(), std::string(repository),
                                       std::unordered_map<Digest, References>{});
        }
        at->second.insert_or_assign(std::move(refs.manifest),
                                    References{std::move(refs.blobRefs), std::move(refs.manifestRefs)});
      }));
  static const std::unordered_map<Digest, References> kNone;

  const std::int64_t cutoff = deps_.clock.nowUnixSeconds() - graceSeconds;
  GcPlan plan;
  std::shared_lock lock(mu_);
  std::unordered_set<Digest> liveBlobs;
  forEachRepository("", [&](const RepoRef& ref) {
    const std::string_view repoName = ref.name;
    const Repo& repo = contentOf(ref);
    auto found = references.find(repoName);
    const auto& referencesOf = found == references.end() ? kNone : found->second;
    std::unordered_set<Digest> live;
    std::deque<Digest> work;
    auto mark = [&](const Digest& d) {
      if (repo.manifests.contains(d) && live.insert(d).second) work.push_back(d);
    };
    for (const auto& [tag, digest] : repo.tags) mark(digest);
    for (const auto& [digest, entry] : repo.manifests) {
      if (entry->createdUnixSeconds > cutoff) mark(digest);
    }
    while (!work.empty()) {
      Digest d = work.front();
      work.pop_front();
      if (auto refs = referencesOf.find(d); refs != referencesOf.end()) {
        for (const Digest& child : refs->second.manifests) mark(child);
      }
      // Referrers (signatures, SBOMs) live as long as their subject.
      auto referrers = repo.referrers.find(d);
      if (referrers != repo.referrers.end()) {
        for (const Digest& r : referrers->second) mark(r);
      }
    }
    for (const auto& [digest, entry] : repo.manifests) {
      if (live.contains(digest)) {
        if (auto refs = referencesOf.find(digest); refs != referencesOf.end()) {
          liveBlobs.insert(refs->second.blobs.begin(), refs->second.blobs.end());
        }
      } else {
        plan.manifests.emplace_back(repoName, digest);
      }
    }
    return true;
  });
  for (const auto& [digest, meta] : blobs_) {
    if (!liveBlobs.contains(digest) && meta.touchedUnixSeconds.load() <= cutoff) {
      plan.blobs.push_back(digest);
      plan.blobBytes += meta.size;
    }
  }
  return plan;
}

Result<RegistryService::GcPlan> RegistryService::applyGarbagePlan(const GcPlan& proposed,
                                                                  std::int64_t graceSeconds) {
  std::lock_guard writer(writer_);
  auto done = applyGarbagePlanLocked(proposed, graceSeconds);
  // Half-way, the index may have dropped a blob whose catalog link or bytes are still there.
  if (!done.ok()) snapshotUnsafe_.store(true);
  return done;
}

Result<RegistryService::GcPlan> RegistryService::applyGarbagePlanLocked(const GcPlan& proposed,
                                                                        std::int64_t graceSeconds) {
  // No write can run now; recompute so only items still garbage are removed.
  auto freshPlan = planGarbage(graceSeconds);
  if (!freshPlan.ok()) return freshPlan.error();
  const GcPlan& fresh = *freshPlan;
  if (!fresh.blobs.empty()) {
    // Deleting bytes from the blob store is a change the catalog cannot see: void the index
    // snapshot first, so that a crash below can never leave one that names a deleted blob.
    BERTH_TRY(deps_.catalog.forgetIndexSnapshot(name_));
  }
  std::set<std::pair<std::string, Digest>> freshManifests(fresh.manifests.begin(),
                                                          fresh.manifests.end());
  std::unordered_set<Digest> freshBlobs(fresh.blobs.begin(), fresh.blobs.end());
  const std::int64_t cutoff = deps_.clock.nowUnixSeconds() - graceSeconds;

  GcPlan done;
  for (const auto& item : proposed.manifests) {
    if (!freshManifests.contains(item)) continue;
    BERTH_TRY(deps_.catalog.deleteManifest(name_, item.first, item.second));
    std::unique_lock lock(mu_);
    eraseManifestLocked(repoFor(item.first), item.second);
    done.manifests.push_back(item);
  }
  for (const Digest& digest : proposed.blobs) {
    if (!freshBlobs.contains(digest)) continue;
    std::vector<std::string> linkedIn;
    std::uint64_t size = 0;
    {
      std::unique_lock lock(mu_);
      auto it = blobs_.find(digest);
      // A HEAD or mount since planning means a push is about to rely on this blob.
      if (it == blobs_.end() || it->second.touchedUnixSeconds.load() > cutoff) continue;
      size = it->second.size;
      blobs_.erase(it);
      forEachRepository("", [&](const RepoRef& ref) {
        // Exclusive lock held: the content may change here.
        if (const_cast<Repo&>(contentOf(ref)).blobs.erase(digest) > 0) {
          linkedIn.emplace_back(ref.name);
        }
        return true;
      });
    }
    for (const std::string& repoName : linkedIn) {
      BERTH_TRY(deps_.catalog.unlinkBlob(name_, repoName, digest));
    }
    BERTH_TRY(deps_.blobs.deleteBlob(name_, digest));
    done.blobs.push_back(digest);
    done.blobBytes += size;
  }
  return done;
}

}  // namespace berth::registry
