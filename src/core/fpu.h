// fpu.h: floating-point environment for training threads.
//
// Training flushes denormal floats to zero (FTZ) and reads them as zero (DAZ). Momentum and Adam
// buffers of weights whose gradient is always zero (Fashion-MNIST's blank border pixels, dead
// ReLUs) decay geometrically into the denormal range, where every x86 arithmetic instruction
// takes ~100 cycles: without this, SGD momentum at batch 32 spends 37% of its time in the
// optimiser (measured, bench/README.md). Values below 1e-38 carry no information for training.
//
// MXCSR is per thread: call enable_flush_denormals() on every thread that trains, e.g. inside an
// `omp parallel` region to reach the OpenMP pool. Thread safety: touches the calling thread only.
#pragma once

#if defined(__SSE__)
#include <xmmintrin.h>
#endif

namespace hs {

inline void enable_flush_denormals() {
#if defined(__SSE__)
  _mm_setcsr(_mm_getcsr() | 0x8040);  // FTZ (bit 15) | DAZ (bit 6)
#endif
}

}  // namespace hs
