#pragma once
// Throttles credential guessing: after `maxFailures` failed authentications from one client key
// within `windowSeconds`, that key is blocked for `cooldownSeconds` (the server answers 429 with
// Retry-After and does not even check the credential, which also spares the scrypt work).
//
// The key is whatever the caller chooses; for IPv6 use the /64 prefix, since one host usually owns
// the whole /64 and could otherwise rotate addresses to dodge the limit.
//
// Successes do not clear the count: an attacker holding one valid low-privilege credential must
// not be able to interleave it to keep guessing another. A legitimate client's count expires with
// the window.
//
// Memory is bounded: at most `maxEntries` keys are tracked; beyond that the least recently failed
// key is forgotten. Thread-safe (one mutex; every operation is O(log n)).

#include <cstdint>
#include <list>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "common/clock.h"

namespace berth::auth {

struct RateLimiterOptions {
  int maxFailures = 10;
  std::int64_t windowSeconds = 60;
  std::int64_t cooldownSeconds = 300;
  std::size_t maxEntries = 10000;  // ~100 bytes each: about 1 MiB at the cap
};

class RateLimiter {
 public:
  /// `clock` must outlive the limiter.
  explicit RateLimiter(const Clock& clock, RateLimiterOptions options = {});

  /// 0 when `key` may try to authenticate now; otherwise the seconds (>= 1) until it may, for the
  /// Retry-After header. Check this before verifying a credential.
  std::int64_t retryAfter(std::string_view key) const;

  /// Records a failed authentication. Returns 0 while `key` is still allowed, or the Retry-After
  /// seconds when this failure blocked it (or it already was blocked).
  std::int64_t recordFailure(std::string_view key);

  /// Number of tracked keys (for metrics and tests).
  std::size_t size() const;

 private:
  struct Entry {
    std::int64_t windowStart = 0;
    int failures = 0;
    std::int64_t blockedUntil = 0;
    std::list<std::string>::iterator lruPosition;
  };

  const Clock& clock_;
  RateLimiterOptions options_;
  mutable std::mutex mutex_;
  std::map<std::string, Entry, std::less<>> entries_;
  std::list<std::string> lru_;  // least recently failed first
};

}  // namespace berth::auth
