// Garbage collection for one registry: mark what tags (and young content) keep alive, sweep the
// rest. Planning runs under the shared lock so pulls continue; applying re-checks every item
// under the writer lock, and a blob is dropped from the index under the exclusive lock only if
// nobody touched it within the grace period, so a push in flight never loses a blob it relies on.

#include <deque>
#include <unordered_set>

#include "registry/registry_service.h"

namespace berth::registry {

RegistryService::GcPlan RegistryService::planGarbage(std::int64_t graceSeconds) const {
  const std::int64_t cutoff = deps_.clock.nowUnixSeconds() - graceSeconds;
  GcPlan plan;
  std::shared_lock lock(mu_);
  std::unordered_set<Digest> liveBlobs;
  for (const auto& [repoName, repo] : repos_) {
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
      const ManifestPtr& entry = repo.manifests.at(d);
      for (const Digest& child : entry->manifestRefs) mark(child);
      // Referrers (signatures, SBOMs) live as long as their subject.
      auto refs = repo.referrers.find(d);
      if (refs != repo.referrers.end()) {
        for (const Digest& r : refs->second) mark(r);
      }
    }
    for (const auto& [digest, entry] : repo.manifests) {
      if (live.contains(digest)) {
        liveBlobs.insert(entry->blobRefs.begin(), entry->blobRefs.end());
      } else {
        plan.manifests.emplace_back(repoName, digest);
      }
    }
  }
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
  // No write can run now; recompute so only items still garbage are removed.
  GcPlan fresh = planGarbage(graceSeconds);
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
      for (auto& [repoName, repo] : repos_) {
        if (repo.blobs.erase(digest) > 0) linkedIn.push_back(repoName);
      }
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
