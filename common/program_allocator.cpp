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
// An operator's MIMALLOC_DECOMMIT_DELAY in the environment wins.

#include <cstdlib>

#include <mimalloc.h>

namespace {

constexpr long k_decommit_delay_ms = 1000;

struct ProgramAllocatorTuning {
  ProgramAllocatorTuning() {
    if (std::getenv("MIMALLOC_DECOMMIT_DELAY") == nullptr) {
      mi_option_set(mi_option_decommit_delay, k_decommit_delay_ms);
    }
  }
};

const ProgramAllocatorTuning g_program_allocator_tuning;

}  // namespace
