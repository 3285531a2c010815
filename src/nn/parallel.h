// parallel.h: how the layer functions split work across OpenMP threads. Internal to src/nn.
#pragma once

#include <omp.h>

#include <algorithm>
#include <cstdint>

namespace hs::detail {

// The calling thread's share [lo, hi) of n items, in blocks of `align` (so GEMM panels stay whole).
inline void thread_range(int64_t n, int64_t align, int64_t* lo, int64_t* hi) {
  const int64_t nt = omp_get_num_threads(), t = omp_get_thread_num();
  const int64_t blocks = (n + align - 1) / align;
  const int64_t per = blocks / nt, extra = blocks % nt;
  const int64_t b0 = t * per + std::min(t, extra);
  const int64_t b1 = b0 + per + (t < extra ? 1 : 0);
  *lo = std::min(n, b0 * align);
  *hi = std::min(n, b1 * align);
}

// Work below this many multiply-adds runs on one thread: a parallel region costs microseconds.
constexpr int64_t kParallelMinWork = 1 << 15;

// Runs `region` on a team of OpenMP threads when `parallel` holds and more than one thread is
// available, else on the calling thread alone, without a parallel region. The loops in `region`
// are orphaned `#pragma omp for` constructs: they share their iterations within the team when
// there is one, and the calling thread runs all of them otherwise, in the same blocks, so the
// results are the same bits either way. The region is skipped rather than given a false `if`
// clause: libgomp still builds a team of one for that and wakes it, a microsecond or more each
// time, and a small network's training step passes through some 16 of them.
template <class F>
void parallel_region(bool parallel, F&& region) {
  if (parallel && omp_get_max_threads() > 1) {
#pragma omp parallel
    region();
  } else {
    region();
  }
}

}  // namespace hs::detail
