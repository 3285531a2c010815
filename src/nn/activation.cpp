#include <cmath>

#include "nn/layers.h"
#include "nn/parallel.h"

namespace hs {

namespace {
constexpr double kInvSqrt2 = 0.70710678118654752440;
constexpr double kInvSqrt2Pi = 0.39894228040143267794;
}  // namespace

template <class T>
void activation_forward(Activation a, T* __restrict out, const T* __restrict in, int64_t n) {
  switch (a) {
    case Activation::kRelu:
      detail::parallel_region(n >= detail::kParallelMinWork, [&] {
#pragma omp for simd schedule(static)
        for (int64_t i = 0; i < n; ++i) {
          const T x = in[i];
          out[i] = x > T(0) ? x : T(0);
        }
      });
      break;
    case Activation::kTanh:
      detail::parallel_region(n >= detail::kParallelMinWork / 8, [&] {
#pragma omp for schedule(static)
        for (int64_t i = 0; i < n; ++i) out[i] = std::tanh(in[i]);
      });
      break;
    case Activation::kGelu:
      detail::parallel_region(n >= detail::kParallelMinWork / 8, [&] {
#pragma omp for schedule(static)
        for (int64_t i = 0; i < n; ++i)
          out[i] = in[i] * T(0.5) * (T(1) + std::erf(in[i] * T(kInvSqrt2)));
      });
      break;
  }
}

template <class T>
void activation_backward(Activation a, T* __restrict din, const T* __restrict dout,
                         const T* __restrict in, const T* __restrict out, int64_t n) {
  switch (a) {
    case Activation::kRelu:
      detail::parallel_region(n >= detail::kParallelMinWork, [&] {
#pragma omp for simd schedule(static)
        // Both loads unconditional, so the select compiles to a vector blend (a branch on the
        // sign of each activation mispredicts half the time).
        for (int64_t i = 0; i < n; ++i) {
          const T g = dout[i], y = out[i];
          din[i] = y > T(0) ? g : T(0);
        }
      });
      break;
    case Activation::kTanh:
      detail::parallel_region(n >= detail::kParallelMinWork, [&] {
#pragma omp for simd schedule(static)
        for (int64_t i = 0; i < n; ++i) din[i] = dout[i] * (T(1) - out[i] * out[i]);
      });
      break;
    case Activation::kGelu:
      // d/dx x Phi(x) = Phi(x) + x phi(x)
      detail::parallel_region(n >= detail::kParallelMinWork / 8, [&] {
#pragma omp for schedule(static)
        for (int64_t i = 0; i < n; ++i) {
          const T x = in[i];
          const T cdf = T(0.5) * (T(1) + std::erf(x * T(kInvSqrt2)));
          const T pdf = T(kInvSqrt2Pi) * std::exp(T(-0.5) * x * x);
          din[i] = dout[i] * (cdf + x * pdf);
        }
      });
      break;
  }
}

template void activation_forward<float>(Activation, float*, const float*, int64_t);
template void activation_forward<double>(Activation, double*, const double*, int64_t);
template void activation_backward<float>(Activation, float*, const float*, const float*,
                                         const float*, int64_t);
template void activation_backward<double>(Activation, double*, const double*, const double*,
                                          const double*, int64_t);

}  // namespace hs
