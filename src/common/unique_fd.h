#pragma once
// UniqueFd: sole owner of a POSIX file descriptor, closed when the owner goes away. Move-only, so
// a descriptor has exactly one closer and cannot leak on an early error return.

#include <unistd.h>

#include <utility>

namespace berth {

class UniqueFd {
 public:
  UniqueFd() noexcept = default;
  /// Takes ownership of `fd`; a negative value means "no descriptor".
  explicit UniqueFd(int fd) noexcept : fd_(fd) {}
  ~UniqueFd() { reset(); }

  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
      reset(other.release());
    }
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  /// The descriptor, still owned by this object; -1 when empty.
  int get() const noexcept { return fd_; }
  bool valid() const noexcept { return fd_ >= 0; }
  explicit operator bool() const noexcept { return valid(); }

  /// Gives up ownership without closing; the caller now closes the returned descriptor.
  [[nodiscard]] int release() noexcept { return std::exchange(fd_, -1); }

  /// Closes the current descriptor (if any) and owns `fd` instead.
  void reset(int fd = -1) noexcept {
    int old = std::exchange(fd_, fd);
    if (old >= 0) {
      // Never retried on EINTR: Linux frees the descriptor even then, and a retry could close a
      // descriptor another thread has just been given. Durability is checked by fsync, not here.
      ::close(old);
    }
  }

 private:
  int fd_ = -1;
};

}  // namespace berth
