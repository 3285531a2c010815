#include <Eigen/Core>
#include <algorithm>

#include "nn/layers.h"
#include "nn/matrix.h"
#include "nn/parallel.h"

namespace hs {

using detail::MatR;
using detail::VecR;

// The work is cut into fixed blocks of kBlock units (forward, dW) or input columns (din), and
// threads share out whole blocks. Each block is one single-threaded Eigen GEMM whose blocking,
// and so rounding, depends only on the block's shape: the results are the same bits whatever
// the number of threads. Every output element is written by exactly one block, so there are no
// reductions across threads, and each block packs only its own slice of W, the large operand.
constexpr int64_t kBlock = 128;

inline int64_t blocks(int64_t n) { return (n + kBlock - 1) / kBlock; }

template <class T>
void dense_forward(T* out, const T* in, const T* W, const T* b, int64_t B, int64_t C, int64_t OC) {
  Eigen::Map<const MatR<T>> X(in, B, C), Wm(W, OC, C);
  Eigen::Map<MatR<T>> Y(out, B, OC);
  Eigen::Map<const VecR<T>> bias(b, OC);
  detail::parallel_region(B * C * OC >= detail::kParallelMinWork, [&] {
#pragma omp for schedule(static)
    for (int64_t k = 0; k < blocks(OC); ++k) {
      const int64_t o0 = k * kBlock, n = std::min(kBlock, OC - o0);
      // Seeding Y with the bias and accumulating the product saves a pass: Eigen's `=` product
      // zeroes its destination before it accumulates anyway.
      auto Yb = Y.middleCols(o0, n);
      Yb.rowwise() = bias.segment(o0, n);
      Yb.noalias() += X * Wm.middleRows(o0, n).transpose();
    }
  });
}

template <class T>
void dense_backward(T* din, T* dW, T* db, const T* dout, const T* in, const T* W, int64_t B,
                    int64_t C, int64_t OC, bool accumulate) {
  Eigen::Map<const MatR<T>> X(in, B, C), Wm(W, OC, C), dY(dout, B, OC);
  Eigen::Map<MatR<T>> dWm(dW, OC, C);
  Eigen::Map<VecR<T>> dbv(db, OC);
  detail::parallel_region(B * C * OC >= detail::kParallelMinWork, [&] {
  // dW and db: blocks of output units (rows of dW).
#pragma omp for schedule(static) nowait
    for (int64_t k = 0; k < blocks(OC); ++k) {
      const int64_t o0 = k * kBlock, n = std::min(kBlock, OC - o0);
      if (accumulate)
        dWm.middleRows(o0, n).noalias() += dY.middleCols(o0, n).transpose() * X;
      else
        dWm.middleRows(o0, n).noalias() = dY.middleCols(o0, n).transpose() * X;
      // Row by row: a column sum of a row-major matrix strides through memory otherwise.
      auto dbs = dbv.segment(o0, n);
      if (!accumulate) dbs.setZero();
      for (int64_t r = 0; r < B; ++r) dbs += dY.row(r).segment(o0, n);
    }
    // din: blocks of input columns, each packing only its columns of W.
    if (din != nullptr) {
      Eigen::Map<MatR<T>> dX(din, B, C);
#pragma omp for schedule(static)
      for (int64_t k = 0; k < blocks(C); ++k) {
        const int64_t c0 = k * kBlock, n = std::min(kBlock, C - c0);
        dX.middleCols(c0, n).noalias() = dY * Wm.middleCols(c0, n);
      }
    }
  });
}

template void dense_forward<float>(float*, const float*, const float*, const float*, int64_t,
                                   int64_t, int64_t);
template void dense_forward<double>(double*, const double*, const double*, const double*, int64_t,
                                    int64_t, int64_t);
template void dense_backward<float>(float*, float*, float*, const float*, const float*,
                                    const float*, int64_t, int64_t, int64_t, bool);
template void dense_backward<double>(double*, double*, double*, const double*, const double*,
                                     const double*, int64_t, int64_t, int64_t, bool);

}  // namespace hs
