#include "daemon/startup_pages.h"

#include <link.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>

namespace berth::daemon {
namespace {

struct Range {
  std::uintptr_t begin = 0;
  std::uintptr_t end = 0;
};

struct Segments {
  std::uintptr_t pageSize = 4096;
  Range readOnly[8];
  std::size_t count = 0;
  Range relro;
};

int collectMainProgram(dl_phdr_info* info, std::size_t /*size*/, void* out) {
  auto& segments = *static_cast<Segments*>(out);
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    const std::uintptr_t begin = info->dlpi_addr + ph.p_vaddr;
    const std::uintptr_t end = begin + ph.p_memsz;
    if (ph.p_type == PT_GNU_RELRO) {
      segments.relro = {begin, end};
    } else if (ph.p_type == PT_LOAD && (ph.p_flags & PF_W) == 0 &&
               segments.count < std::size(segments.readOnly)) {
      segments.readOnly[segments.count++] = {begin, end};
    }
  }
  return 1;  // the main program comes first; shared libraries are not ours to drop
}

// A debugger's breakpoints are private copies of code pages; dropping the pages would drop them.
bool beingTraced() noexcept {
  std::FILE* status = std::fopen("/proc/self/status", "re");
  if (status == nullptr) return false;
  char line[256];
  bool traced = false;
  while (std::fgets(line, sizeof line, status) != nullptr) {
    if (std::strncmp(line, "TracerPid:", 10) == 0) {
      traced = std::strtol(line + 10, nullptr, 10) != 0;
      break;
    }
  }
  std::fclose(status);
  return traced;
}

}  // namespace

std::size_t releaseStartupPages() noexcept {
  if (beingTraced()) return 0;
  Segments segments;
  segments.pageSize = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  dl_iterate_phdr(collectMainProgram, &segments);
  const std::uintptr_t page = segments.pageSize;
  std::size_t released = 0;
  for (std::size_t i = 0; i < segments.count; ++i) {
    // Whole pages inside the segment only, and none that shares a page with RELRO: a partial
    // page may belong to a neighbouring mapping whose contents differ from the file.
    std::uintptr_t begin = (segments.readOnly[i].begin + page - 1) / page * page;
    std::uintptr_t end = segments.readOnly[i].end / page * page;
    const Range relro = segments.relro;
    if (relro.begin < relro.end) {
      const std::uintptr_t relroBegin = relro.begin / page * page;
      const std::uintptr_t relroEnd = (relro.end + page - 1) / page * page;
      if (begin < relroEnd && relroBegin < end) {
        // RELRO sits at an end of the segment in every layout linkers produce.
        if (relroBegin <= begin) begin = std::min(end, relroEnd);
        else end = relroBegin;
      }
    }
    if (begin >= end) continue;
    if (::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED) == 0) {
      released += end - begin;
    }
  }
  return released;
}

}  // namespace berth::daemon
