#include <cmath>

#include "nn/layers.h"

namespace hs {

// Serial over the batch: B x C is tiny next to the GEMMs, and a fixed summation order keeps the
// loss independent of the thread count.
template <class T>
LossStats softmax_xent_forward(T* probs, const T* logits, const int32_t* labels, int64_t B,
                               int64_t C) {
  LossStats st;
  for (int64_t b = 0; b < B; ++b) {
    const T* z = logits + b * C;
    T* p = probs + b * C;
    T zmax = z[0];
    int64_t arg = 0;
    for (int64_t c = 1; c < C; ++c)
      if (z[c] > zmax) {
        zmax = z[c];
        arg = c;
      }
    double sum = 0;
    for (int64_t c = 0; c < C; ++c) {
      p[c] = std::exp(z[c] - zmax);
      sum += p[c];
    }
    const T inv = static_cast<T>(1.0 / sum);
    for (int64_t c = 0; c < C; ++c) p[c] *= inv;
    // -log softmax computed from the logits (log-sum-exp), not from p, to stay accurate.
    st.loss_sum += std::log(sum) + static_cast<double>(zmax) - static_cast<double>(z[labels[b]]);
    st.correct += (arg == labels[b]);
  }
  return st;
}

template <class T>
void softmax_xent_backward(T* dlogits, const T* probs, const int32_t* labels, int64_t B, int64_t C,
                           T scale) {
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t c = 0; c < C; ++c) dlogits[b * C + c] = probs[b * C + c] * scale;
    dlogits[b * C + labels[b]] -= scale;
  }
}

template LossStats softmax_xent_forward<float>(float*, const float*, const int32_t*, int64_t,
                                               int64_t);
template LossStats softmax_xent_forward<double>(double*, const double*, const int32_t*, int64_t,
                                                int64_t);
template void softmax_xent_backward<float>(float*, const float*, const int32_t*, int64_t, int64_t,
                                           float);
template void softmax_xent_backward<double>(double*, const double*, const int32_t*, int64_t,
                                            int64_t, double);

}  // namespace hs
