#pragma once
// Remembers credentials that verified, so a client that sends the same Basic pair or bearer token
// on every request costs one hash-map lookup instead of an scrypt hash or an ECDSA verification.
//
// Keys are SHA-256 digests of (login server, Authorization header): no secret is kept in memory.
// Entries expire: bearer tokens with the token, Basic pairs after `basicTtlSeconds`, and every
// entry the moment the access policy changes (a new policy generation), so a disabled token or a
// regenerated password stops working at once. Bounded: when full, the map is cleared (cheap, and
// the next requests simply verify again). Thread-safe.

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "auth/authenticator.h"
#include "auth/permissions.h"

namespace berth::auth {

struct CachedCredential {
  /// Set for Basic credentials: who they name (the grant depends on each request's scope).
  std::optional<Principal> principal;
  /// Set for bearer tokens: what the token grants.
  std::optional<VerifiedAccess> access;
  std::uint64_t generation = 0;
  std::int64_t validUntil = 0;  // Unix seconds, exclusive
};

class CredentialCache {
 public:
  static constexpr std::int64_t kDefaultBasicTtlSeconds = 60;
  static constexpr std::size_t kDefaultMaxEntries = 4096;

  explicit CredentialCache(std::int64_t basicTtlSeconds = kDefaultBasicTtlSeconds,
                           std::size_t maxEntries = kDefaultMaxEntries)
      : basicTtl_(basicTtlSeconds), maxEntries_(maxEntries) {}

  static std::string keyFor(std::string_view loginServer, std::string_view authorization);

  /// The entry, when present, of this generation and not expired at `now`; shared, so a hit
  /// copies no scopes.
  std::shared_ptr<const CachedCredential> find(const std::string& key, std::uint64_t generation,
                                       std::int64_t now) const;
  void rememberPrincipal(std::string key, Principal principal, std::uint64_t generation,
                         std::int64_t now);
  void rememberAccess(std::string key, VerifiedAccess access, std::uint64_t generation);
  std::size_t size() const;

 private:
  void put(std::string key, CachedCredential entry);

  std::int64_t basicTtl_;
  std::size_t maxEntries_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<const CachedCredential>> entries_;
};

}  // namespace berth::auth
