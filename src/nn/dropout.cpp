#include "core/rng.h"
#include "nn/layers.h"

namespace hs {

// The mask is drawn on one thread from one stream, so it depends on the seed alone, never on the
// number of threads.
template <class T>
void dropout_forward(T* out, T* mask, const T* in, int64_t n, double p, uint64_t seed) {
  Rng rng(seed);
  const T keep = static_cast<T>(1.0 / (1.0 - p));
  for (int64_t i = 0; i < n; ++i) {
    mask[i] = rng.uniform() >= p ? keep : T(0);
    out[i] = in[i] * mask[i];
  }
}

template <class T>
void dropout_backward(T* din, const T* dout, const T* mask, int64_t n) {
  for (int64_t i = 0; i < n; ++i) din[i] = dout[i] * mask[i];
}

template void dropout_forward<float>(float*, float*, const float*, int64_t, double, uint64_t);
template void dropout_forward<double>(double*, double*, const double*, int64_t, double, uint64_t);
template void dropout_backward<float>(float*, const float*, const float*, int64_t);
template void dropout_backward<double>(double*, const double*, const double*, int64_t);

}  // namespace hs
