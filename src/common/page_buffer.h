#pragma once
// PageBuffer: a page-aligned anonymous mapping of fixed size, unmapped by its owner. Used where
// the kernel wants aligned memory (O_DIRECT writes) and where a large, short-lived buffer should
// go back to the system at once instead of staying in malloc's heap after a big upload.

#include <sys/mman.h>

#include <cstddef>
#include <span>
#include <utility>

namespace berth {

class PageBuffer {
 public:
  PageBuffer() noexcept = default;
  /// Maps `size` bytes (rounded up by the kernel to whole pages); empty() when mapping failed.
  /// The pages are populated at once (one call instead of a fault per page): meant for buffers
  /// that are about to be filled.
  explicit PageBuffer(std::size_t size) noexcept {
    void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (p != MAP_FAILED) {
      data_ = static_cast<std::byte*>(p);
      size_ = size;
    }
  }
  ~PageBuffer() { reset(); }

  PageBuffer(PageBuffer&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}
  PageBuffer& operator=(PageBuffer&& other) noexcept {
    if (this != &other) {
      reset();
      data_ = std::exchange(other.data_, nullptr);
      size_ = std::exchange(other.size_, 0);
    }
    return *this;
  }
  PageBuffer(const PageBuffer&) = delete;
  PageBuffer& operator=(const PageBuffer&) = delete;

  bool empty() const noexcept { return data_ == nullptr; }
  std::byte* data() const noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }
  std::span<std::byte> bytes() const noexcept { return {data_, size_}; }

 private:
  void reset() noexcept {
    if (data_ != nullptr) ::munmap(data_, size_);
    data_ = nullptr;
    size_ = 0;
  }

  std::byte* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace berth
