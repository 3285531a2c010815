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

}  // namespace hs::detail
