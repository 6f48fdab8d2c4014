// Tuning of the programs' allocator (mimalloc), compiled into each program
// and benchmark that links it (cmake/LogpostDependencies.cmake,
// logpost_program_allocator); libraries and tests never see this file.
//
// Why: mimalloc returns freed memory to the kernel 25 ms after it is freed
// (its `decommit_delay`). The ingester frees a whole batch of events,
// documents and SQLite pages every few milliseconds and allocates the same
// amount again, so with the default every batch faults its memory back in:
// 72,700 page faults and a third more system time for 200,000 access
// events (docs/BENCHMARKS.md, 2026-12-06). A delay of one second keeps the
// working set while the program is busy and still gives it back when it
// idles; peak RSS does not change (it is set by the batch size).
//
// Large OS pages: mimalloc asks the kernel for 2 MiB pages for its segments
// (transparent huge pages through madvise when none are reserved; nothing
// changes where THP is disabled). The ingester's heap (a batch of events
// as small blocks reached by pointer, the decompressed part, SQLite's page
// cache) is ~170 MB: with 2 MiB pages it takes far fewer page faults
// (system time halves) and TLB misses. The ingester with the default
// pipelines went from 1.39 + 0.79 s to 1.24 + 0.42 s (user + system) for
// 200,000 access events, peak RSS 175 -> 178 MB (docs/BENCHMARKS.md,
// 2026-12-06).
//
// An operator's MIMALLOC_DECOMMIT_DELAY or MIMALLOC_LARGE_OS_PAGES in the
// environment wins.

#include <cstdlib>

#include <mimalloc.h>

namespace {

constexpr long k_decommit_delay_ms = 1000;

struct ProgramAllocatorTuning {
  ProgramAllocatorTuning() {
    if (std::getenv("MIMALLOC_DECOMMIT_DELAY") == nullptr) {
      mi_option_set(mi_option_decommit_delay, k_decommit_delay_ms);
    }
    if (std::getenv("MIMALLOC_LARGE_OS_PAGES") == nullptr) {
      mi_option_set(mi_option_large_os_pages, 1);
    }
  }
};

const ProgramAllocatorTuning g_program_allocator_tuning;

}  // namespace
