#pragma once
// Huge pages for the heap that the in-memory index is about to fill.
//
// Loading a large index is dominated by page faults on fresh heap memory, not by SQLite: with
// 10,000 repositories (~27 MiB of index) the load took 172 ms with 4 KiB pages and 78 ms when
// glibc's heap used transparent huge pages (GLIBC_TUNABLES=glibc.malloc.hugetlb=1; docs/
// performance.md). That tunable can only be set in the environment before the process starts,
// so the daemon does the equivalent for the one burst that matters: before the index loads, it
// makes glibc's main heap grow once by about the expected index size and asks the kernel for
// huge pages on that range (madvise MADV_HUGEPAGE; honoured when THP is "madvise" or "always").
// Small data directories skip it: an empty daemon must stay small, and a huge page would make a
// few touched kilobytes cost 2 MiB of RSS.

#include <cstdint>

namespace berth::daemon {

/// Lives on the main thread while the index loads; `metadataBytes` is the size of the metadata
/// database, whose contents the index mirrors. Best effort: it never fails, and does nothing
/// when the data is small or the kernel declines. The destructor restores the top pad, so the heap
/// is trimmed normally afterwards, and sets the mmap and trim thresholds explicitly, since glibc
/// stops adapting them once the pad has been set (blocks up to 1 MiB then come from the heap).
class IndexHeapScope {
 public:
  explicit IndexHeapScope(std::uint64_t metadataBytes);
  ~IndexHeapScope();
  IndexHeapScope(const IndexHeapScope&) = delete;
  IndexHeapScope& operator=(const IndexHeapScope&) = delete;

 private:
  bool active_ = false;
};

}  // namespace berth::daemon
