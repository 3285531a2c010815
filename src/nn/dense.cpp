#include <Eigen/Core>

#include "nn/layers.h"
#include "nn/parallel.h"

namespace hs {

namespace {
template <class T>
using MatR = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T>
using VecR = Eigen::Matrix<T, 1, Eigen::Dynamic>;
}  // namespace

// Each thread computes a block of output columns (units) with Eigen's single-threaded GEMM: every
// output element is written by exactly one thread, so there are no reductions across threads,
// and each thread packs only its own rows of W (W is the large operand; X is one minibatch).
template <class T>
void dense_forward(T* out, const T* in, const T* W, const T* b, int64_t B, int64_t C, int64_t OC) {
  Eigen::Map<const MatR<T>> X(in, B, C), Wm(W, OC, C);
  Eigen::Map<MatR<T>> Y(out, B, OC);
  Eigen::Map<const VecR<T>> bias(b, OC);
#pragma omp parallel if (B * C * OC >= detail::kParallelMinWork)
  {
    int64_t o0, o1;
    detail::thread_range(OC, 16, &o0, &o1);
    if (o1 > o0) {
      const int64_t n = o1 - o0;
      // Seeding Y with the bias and accumulating the product saves a pass: Eigen's `=` product
      // zeroes its destination before it accumulates anyway.
      auto Yb = Y.middleCols(o0, n);
      Yb.rowwise() = bias.segment(o0, n);
      Yb.noalias() += X * Wm.middleRows(o0, n).transpose();
    }
  }
}

template <class T>
void dense_backward(T* din, T* dW, T* db, const T* dout, const T* in, const T* W, int64_t B,
                    int64_t C, int64_t OC) {
  Eigen::Map<const MatR<T>> X(in, B, C), Wm(W, OC, C), dY(dout, B, OC);
  Eigen::Map<MatR<T>> dWm(dW, OC, C);
  Eigen::Map<VecR<T>> dbv(db, OC);
#pragma omp parallel if (B * C * OC >= detail::kParallelMinWork)
  {
    // dW and db: split the output rows (OC) between threads.
    int64_t o0, o1;
    detail::thread_range(OC, 16, &o0, &o1);
    if (o1 > o0) {
      const int64_t n = o1 - o0;
      dWm.middleRows(o0, n).noalias() = dY.middleCols(o0, n).transpose() * X;
      // Row by row: a column sum of a row-major matrix strides through memory otherwise.
      auto dbs = dbv.segment(o0, n);
      dbs.setZero();
      for (int64_t r = 0; r < B; ++r) dbs += dY.row(r).segment(o0, n);
    }
    // din: split the input columns, so each thread packs only its columns of W.
    if (din != nullptr) {
      int64_t c0, c1;
      detail::thread_range(C, 16, &c0, &c1);
      if (c1 > c0) {
        Eigen::Map<MatR<T>> dX(din, B, C);
        dX.middleCols(c0, c1 - c0).noalias() = dY * Wm.middleCols(c0, c1 - c0);
      }
    }
  }
}

template void dense_forward<float>(float*, const float*, const float*, const float*, int64_t,
                                   int64_t, int64_t);
template void dense_forward<double>(double*, const double*, const double*, const double*, int64_t,
                                    int64_t, int64_t);
template void dense_backward<float>(float*, float*, float*, const float*, const float*,
                                    const float*, int64_t, int64_t, int64_t);
template void dense_backward<double>(double*, double*, double*, const double*, const double*,
                                     const double*, int64_t, int64_t, int64_t);

}  // namespace hs
