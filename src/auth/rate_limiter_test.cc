#include "auth/rate_limiter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace berth::auth {
namespace {

class MovableClock final : public Clock {
 public:
  std::int64_t nowUnixSeconds() const override { return now_.load(); }
  void advance(std::int64_t seconds) { now_ += seconds; }

 private:
  std::atomic<std::int64_t> now_{1'700'000'000};
};

RateLimiterOptions options(int maxFailures, std::int64_t window, std::int64_t cooldown,
                           std::size_t maxEntries = 100) {
  RateLimiterOptions o;
  o.maxFailures = maxFailures;
  o.windowSeconds = window;
  o.cooldownSeconds = cooldown;
  o.maxEntries = maxEntries;
  return o;
}

TEST(RateLimiterTest, BlocksAfterNFailuresWithinTheWindow) {
  MovableClock clock;
  RateLimiter limiter(clock, options(3, 60, 300));
  EXPECT_EQ(limiter.retryAfter("10.0.0.1"), 0);
  EXPECT_EQ(limiter.recordFailure("10.0.0.1"), 0);
  clock.advance(10);
  EXPECT_EQ(limiter.recordFailure("10.0.0.1"), 0);
  EXPECT_EQ(limiter.retryAfter("10.0.0.1"), 0);
  EXPECT_EQ(limiter.recordFailure("10.0.0.1"), 300);
  EXPECT_EQ(limiter.retryAfter("10.0.0.1"), 300);
  EXPECT_EQ(limiter.retryAfter("10.0.0.2"), 0);  // other clients unaffected

  clock.advance(100);
  EXPECT_EQ(limiter.retryAfter("10.0.0.1"), 200);
  EXPECT_EQ(limiter.recordFailure("10.0.0.1"), 200);  // no extension while blocked
  clock.advance(199);
  EXPECT_EQ(limiter.retryAfter("10.0.0.1"), 1);
  clock.advance(1);
  EXPECT_EQ(limiter.retryAfter("10.0.0.1"), 0);

  // After the cooldown the count starts afresh.
  EXPECT_EQ(limiter.recordFailure("10.0.0.1"), 0);
  EXPECT_EQ(limiter.recordFailure("10.0.0.1"), 0);
  EXPECT_EQ(limiter.recordFailure("10.0.0.1"), 300);
}

TEST(RateLimiterTest, FailuresSpreadBeyondTheWindowDoNotBlock) {
  MovableClock clock;
  RateLimiter limiter(clock, options(3, 60, 300));
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(limiter.recordFailure("client"), 0);
    clock.advance(i % 2 == 0 ? 1 : 59);  // two failures per 60 s window
  }
  EXPECT_EQ(limiter.retryAfter("client"), 0);
}

TEST(RateLimiterTest, MemoryIsBoundedByEvictingTheLeastRecentlyFailed) {
  MovableClock clock;
  RateLimiter limiter(clock, options(2, 60, 300, 3));
  EXPECT_EQ(limiter.recordFailure("a"), 0);
  EXPECT_EQ(limiter.recordFailure("b"), 0);
  EXPECT_EQ(limiter.recordFailure("c"), 0);
  EXPECT_EQ(limiter.recordFailure("a"), 300);  // a blocked, and now the most recent
  EXPECT_EQ(limiter.recordFailure("d"), 0);    // evicts b
  EXPECT_EQ(limiter.size(), 3u);
  EXPECT_EQ(limiter.recordFailure("b"), 0);  // b starts over: its first failure was forgotten
  EXPECT_EQ(limiter.size(), 3u);
  EXPECT_GT(limiter.retryAfter("a"), 0);
  for (int i = 0; i < 1000; ++i) {
    (void)limiter.recordFailure("k" + std::to_string(i));
  }
  EXPECT_EQ(limiter.size(), 3u);
}

TEST(RateLimiterTest, NonsenseOptionsAreClamped) {
  MovableClock clock;
  RateLimiter limiter(clock, options(0, 0, 0, 0));
  EXPECT_EQ(limiter.recordFailure("x"), 1);
  EXPECT_EQ(limiter.retryAfter("x"), 1);
  EXPECT_EQ(limiter.size(), 1u);
}

TEST(RateLimiterTest, ThreadSafeUnderConcurrentFailures) {
  MovableClock clock;
  RateLimiter limiter(clock, options(1000, 60, 300, 50));
  std::vector<std::thread> threads;
  std::atomic<int> blocked{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        if (limiter.recordFailure(i % 2 == 0 ? "shared" : "t" + std::to_string(t * 100 + i % 80)) >
            0) {
          ++blocked;
        }
        (void)limiter.retryAfter("shared");
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  EXPECT_LE(limiter.size(), 50u);
  EXPECT_GT(blocked.load(), 0);  // 4000 failures of "shared" crossed the threshold
}

}  // namespace
}  // namespace berth::auth
