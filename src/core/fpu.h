// fpu.h: floating-point environment for training threads, and the float32 range the trainer's
// values must fit (float32_problem).
//
// Training flushes denormal floats to zero (FTZ) and reads them as zero (DAZ). Momentum and Adam
// buffers of weights whose gradient is always zero (Fashion-MNIST's blank border pixels, dead
// ReLUs) decay geometrically into the denormal range, where every x86 arithmetic instruction
// takes ~100 cycles: without this, SGD momentum at batch 32 spends 37% of its time in the
// optimiser (measured, bench/README.md). Values below 1e-38 carry no information for training.
//
// MXCSR is per thread: call enable_flush_denormals() on every thread that trains, e.g. inside an
// `omp parallel` region to reach the OpenMP pool. Thread safety: touches the calling thread only
// (float32_problem: a pure function).
#pragma once

#include <cmath>
#include <limits>
#include <string>

#include "core/text.h"

#if defined(__SSE__)
#include <xmmintrin.h>
#endif

namespace hs {

// What is wrong with `d` as a value the trainer computes with in float32 (an lr, a weight decay,
// the optimiser's constants), `shown` as the user wrote it; "" when nothing is. A magnitude past
// a float's range trains at inf, and a nonzero one below its smallest normal at 0 (denormals are
// flushed, below), so both are refused where they are given rather than met as a divergence "at
// lr inf".
inline std::string float32_problem(double d, const std::string& shown) {
  const float f = static_cast<float>(d);  // rounds to nearest: 3.4028235e38 is still finite
  if (std::isfinite(f) && (d == 0 || std::fabs(f) >= std::numeric_limits<float>::min())) return "";
  return "the trainer computes in float32, which holds magnitudes from " +
         shortest_float32(std::numeric_limits<float>::min()) + " to " +
         shortest_float32(std::numeric_limits<float>::max()) + ", got " + shown;
}

inline void enable_flush_denormals() {
#if defined(__SSE__)
  _mm_setcsr(_mm_getcsr() | 0x8040);  // FTZ (bit 15) | DAZ (bit 6)
#endif
}

}  // namespace hs
