#include "daemon/index_heap.h"

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <vector>

#include <gtest/gtest.h>

namespace berth::daemon {
namespace {

std::uintptr_t heapTop() { return reinterpret_cast<std::uintptr_t>(sbrk(0)); }

TEST(IndexHeap, SmallDataLeavesTheHeapAlone) {
  const auto before = heapTop();
  { IndexHeapScope scope(1024 * 1024); }
  EXPECT_EQ(heapTop(), before);
}

TEST(IndexHeap, LargeDataGrowsTheHeapOnceByTheExpectedIndexSize) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer replaces glibc's malloc; the main heap is not used";
#endif
  const std::uint64_t metadataBytes = 16 * 1024 * 1024;
  const auto before = heapTop();
  std::vector<char*> blocks;
  {
    IndexHeapScope scope(metadataBytes);
    const auto grown = heapTop();
    // The whole reserve arrives in one step, before the index allocates anything.
    EXPECT_GE(grown - before, 2 * metadataBytes);
    // Filling it does not move the top again: the index lands in the advised range.
    for (int i = 0; i < 256; ++i) {
      blocks.push_back(static_cast<char*>(std::malloc(64 * 1024)));
      ASSERT_NE(blocks.back(), nullptr);
      std::memset(blocks.back(), 1, 64 * 1024);
    }
    EXPECT_EQ(heapTop(), grown);
  }
  for (char* b : blocks) std::free(b);
}

}  // namespace
}  // namespace berth::daemon
