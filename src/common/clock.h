#pragma once
// Injected time source so tests can move time (garbage-collection grace periods, expiries).

#include <chrono>
#include <cstdint>

namespace berth {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::int64_t nowUnixSeconds() const = 0;
};

class SystemClock final : public Clock {
 public:
  std::int64_t nowUnixSeconds() const override {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

}  // namespace berth
