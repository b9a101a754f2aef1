#include "auth/rate_limiter.h"

#include <algorithm>

namespace berth::auth {

RateLimiter::RateLimiter(const Clock& clock, RateLimiterOptions options)
    : clock_(clock), options_(options) {
  // A zero cap or threshold would make the limiter either forget everything or block everyone.
  options_.maxEntries = std::max<std::size_t>(options_.maxEntries, 1);
  options_.maxFailures = std::max(options_.maxFailures, 1);
  options_.windowSeconds = std::max<std::int64_t>(options_.windowSeconds, 1);
  options_.cooldownSeconds = std::max<std::int64_t>(options_.cooldownSeconds, 1);
}

std::int64_t RateLimiter::retryAfter(std::string_view key) const {
  const std::int64_t now = clock_.nowUnixSeconds();
  std::lock_guard lock(mutex_);
  const auto it = entries_.find(key);
  if (it == entries_.end() || it->second.blockedUntil <= now) {
    return 0;
  }
  return it->second.blockedUntil - now;
}

std::int64_t RateLimiter::recordFailure(std::string_view key) {
  const std::int64_t now = clock_.nowUnixSeconds();
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    if (entries_.size() >= options_.maxEntries) {
      entries_.erase(lru_.front());
      lru_.pop_front();
    }
    lru_.emplace_back(key);
    it = entries_.emplace(std::string(key), Entry{}).first;
    it->second.windowStart = now;
    it->second.lruPosition = std::prev(lru_.end());
  } else {
    lru_.splice(lru_.end(), lru_, it->second.lruPosition);
  }
  Entry& entry = it->second;
  if (entry.blockedUntil > now) {
    return entry.blockedUntil - now;  // failures while blocked do not extend the block
  }
  if (now - entry.windowStart >= options_.windowSeconds || entry.blockedUntil != 0) {
    // A new window, also after a served block, so one more failure does not re-block at once.
    entry.windowStart = now;
    entry.failures = 0;
    entry.blockedUntil = 0;
  }
  if (++entry.failures >= options_.maxFailures) {
    entry.blockedUntil = now + options_.cooldownSeconds;
    return options_.cooldownSeconds;
  }
  return 0;
}

std::size_t RateLimiter::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace berth::auth
