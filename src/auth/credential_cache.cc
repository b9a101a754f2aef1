#include "auth/credential_cache.h"

#include "auth/secret_hash.h"

namespace berth::auth {

std::string CredentialCache::keyFor(std::string_view loginServer, std::string_view authorization) {
  std::string material;
  material.reserve(loginServer.size() + 1 + authorization.size());
  material.append(loginServer);
  material.push_back('\n');
  material.append(authorization);
  return tokenDigest(material);
}

std::shared_ptr<const CachedCredential> CredentialCache::find(const std::string& key,
                                                      std::uint64_t generation,
                                                      std::int64_t now) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second->generation != generation ||
      it->second->validUntil <= now) {
    return nullptr;
  }
  return it->second;
}

void CredentialCache::rememberPrincipal(std::string key, Principal principal,
                                        std::uint64_t generation, std::int64_t now) {
  CachedCredential entry;
  entry.principal = std::move(principal);
  entry.generation = generation;
  entry.validUntil = now + basicTtl_;
  if (entry.principal->expiresUnixSeconds != 0) {
    entry.validUntil = std::min(entry.validUntil, entry.principal->expiresUnixSeconds);
  }
  put(std::move(key), std::move(entry));
}

void CredentialCache::rememberAccess(std::string key, VerifiedAccess access,
                                     std::uint64_t generation) {
  CachedCredential entry;
  entry.validUntil = access.expiresAt;
  entry.access = std::move(access);
  entry.generation = generation;
  put(std::move(key), std::move(entry));
}

void CredentialCache::put(std::string key, CachedCredential entry) {
  std::lock_guard lock(mutex_);
  if (entries_.size() >= maxEntries_) entries_.clear();
  entries_.insert_or_assign(std::move(key),
                            std::make_shared<const CachedCredential>(std::move(entry)));
}

std::size_t CredentialCache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace berth::auth
