#pragma once
// Lets go of the code and constant pages that only starting up needed.
//
// Starting the daemon runs code that never runs again: option and config parsing, the SQLite
// schema check and migrations, the control plane's first load, TLS set-up, writing the operator's
// credentials. Each page of the binary it touches stays mapped, and the kernel maps up to 64 KiB
// around every page it faults in from the page cache ("fault-around"), so an idle daemon kept
// about 3.8 MiB of its own binary resident although serving requests touches far less (the
// symbol order packs that code together; docs/performance.md).
//
// Once start-up is done, the daemon tells the kernel it no longer needs its read-only segments
// (MADV_DONTNEED). Those pages are clean copies of the file and stay in the page cache, so
// whatever is used again comes back with a minor fault, from memory, not from disk. Writable
// segments, and the relocated read-only data (RELRO), are left alone: their contents differ from
// the file. So are breakpoints: under a debugger (TracerPid set) nothing is released, since a
// breakpoint is a private copy of a code page. Uprobes placed during start-up (perf probe,
// bpftrace on a starting daemon) are such copies too and would be lost; attach them afterwards.

#include <cstddef>

namespace berth::daemon {

/// Drops the main program's mappings of its read-only PT_LOAD segments. Best effort: returns
/// the bytes of address range released (0 when traced, when the kernel declined, or when
/// nothing qualified).
std::size_t releaseStartupPages() noexcept;

}  // namespace berth::daemon
