#include "daemon/index_heap.h"

#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <vector>

namespace berth::daemon {

namespace {

constexpr std::uint64_t kHugePage = 2 * 1024 * 1024;
/// Below this the index is a few MiB at most: 4 KiB pages are cheap enough and smaller at idle.
constexpr std::uint64_t kMinMetadataBytes = 8 * 1024 * 1024;
/// Measured: ~27 MiB of index for a 19 MiB metadata database; some slack on top.
constexpr std::uint64_t kIndexBytesPerMetadataByte = 2;
/// mallopt takes an int.
constexpr std::uint64_t kMaxReserve = 1ULL << 30;
/// glibc's default M_TOP_PAD.
constexpr int kDefaultTopPad = 128 * 1024;
/// Where glibc's adaptive mmap threshold would stand after it had seen 1 MiB blocks freed.
constexpr int kMmapThreshold = 1024 * 1024;

}  // namespace

IndexHeapScope::IndexHeapScope(std::uint64_t metadataBytes) {
  if (metadataBytes < kMinMetadataBytes) return;
  const std::uint64_t reserve =
      std::min(kMaxReserve, metadataBytes * kIndexBytesPerMetadataByte + kHugePage);
  // The next growth of the main heap (brk) adds `reserve` beyond what was asked for; a small
  // allocation that does not fit the current top forces that growth now, while nothing else runs.
  // Kept while the index loads: with the default pad, freeing a temporary next to the top of
  // the heap would trim the reserved range away again.
  if (mallopt(M_TOP_PAD, static_cast<int>(reserve)) != 1) return;
  active_ = true;
  // Allocations under the mmap threshold come from the main heap; take them until the heap has
  // grown (the current top holds at most a few hundred KiB), then give them back.
  constexpr std::size_t kProbeBytes = 64 * 1024;
  std::vector<void*> probes;
  auto* const before = static_cast<char*>(sbrk(0));
  char* top = before;
  while (top == before && probes.size() < 64) {
    void* p = std::malloc(kProbeBytes);
    if (p == nullptr) break;
    probes.push_back(p);
    top = static_cast<char*>(sbrk(0));
  }
  if (top != before && top != reinterpret_cast<char*>(-1) && !probes.empty()) {
    const auto from =
        (reinterpret_cast<std::uintptr_t>(probes.back()) + kHugePage - 1) & ~(kHugePage - 1);
    const auto to = reinterpret_cast<std::uintptr_t>(top) & ~(kHugePage - 1);
    if (to > from) {
      // Advisory: without THP support the heap simply keeps 4 KiB pages.
      (void)madvise(reinterpret_cast<void*>(from), to - from, MADV_HUGEPAGE);
    }
  }
  for (void* p : probes) std::free(p);
}

IndexHeapScope::~IndexHeapScope() {
  if (!active_) return;
  (void)mallopt(M_TOP_PAD, kDefaultTopPad);
  // Setting M_TOP_PAD also stopped glibc from raising its mmap threshold as large blocks are
  // freed: it would stay at 128 KiB, and every larger response body would be mapped, faulted in
  // and unmapped again per request (a 10,000-name catalog page: 3.1 ms of server CPU instead of
  // 1.1). Set what the adaptive scheme would have reached, with its trim threshold of twice that.
  (void)mallopt(M_MMAP_THRESHOLD, kMmapThreshold);
  (void)mallopt(M_TRIM_THRESHOLD, 2 * kMmapThreshold);
}

}  // namespace berth::daemon
