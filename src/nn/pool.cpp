#include <cstring>

#include "nn/layers.h"
#include "nn/parallel.h"

namespace hs {

namespace {

// One image: out and argmax (OH, OW, C) from in (H, W, C). A function of its own so that its
// pointers keep __restrict, which the vectorised channel loops depend on.
template <class T>
void maxpool_image(T* __restrict o, int32_t* __restrict am, const T* __restrict img, int H, int W,
                   int C, int P) {
  const int OH = H / P, OW = W / P;
  for (int oy = 0; oy < OH; ++oy) {
    for (int ox = 0; ox < OW; ++ox) {
      T* ov = o + (static_cast<int64_t>(oy) * OW + ox) * C;
      int32_t* ai = am + (static_cast<int64_t>(oy) * OW + ox) * C;
      // The window's first pixel seeds the max; later pixels win only when strictly larger,
      // so ties go to the first (as PyTorch).
      const int32_t first = (oy * P * W + ox * P) * C;
      for (int c = 0; c < C; ++c) {
        ov[c] = img[first + c];
        ai[c] = first + c;
      }
      for (int dy = 0; dy < P; ++dy) {
        for (int dx = 0; dx < P; ++dx) {
          const int32_t base = ((oy * P + dy) * W + ox * P + dx) * C;
          for (int c = 0; c < C; ++c) {
            const T v = img[base + c];
            const bool more = v > ov[c];
            ov[c] = more ? v : ov[c];
            ai[c] = more ? base + c : ai[c];
          }
        }
      }
    }
  }
}

}  // namespace

template <class T>
void maxpool_forward(T* out, int32_t* argmax, const T* in, int64_t B, int H, int W, int C, int P) {
  const int64_t in_size = static_cast<int64_t>(H) * W * C;
  const int64_t out_size = static_cast<int64_t>(H / P) * (W / P) * C;
  detail::parallel_region(B > 1, [&] {
#pragma omp for schedule(static)
    for (int64_t b = 0; b < B; ++b)
      maxpool_image(out + b * out_size, argmax + b * out_size, in + b * in_size, H, W, C, P);
  });
}

template <class T>
void maxpool_backward(T* din, const T* dout, const int32_t* argmax, int64_t B, int H, int W, int C,
                      int P) {
  const int OH = H / P, OW = W / P;
  const int64_t in_size = static_cast<int64_t>(H) * W * C;
  const int64_t out_size = static_cast<int64_t>(OH) * OW * C;
  detail::parallel_region(B > 1, [&] {
#pragma omp for schedule(static)
    for (int64_t b = 0; b < B; ++b) {
      T* d = din + b * in_size;
      std::memset(d, 0, sizeof(T) * in_size);
      const T* g = dout + b * out_size;
      const int32_t* am = argmax + b * out_size;
      for (int64_t i = 0; i < out_size; ++i) d[am[i]] += g[i];
    }
  });
}

template void maxpool_forward<float>(float*, int32_t*, const float*, int64_t, int, int, int, int);
template void maxpool_forward<double>(double*, int32_t*, const double*, int64_t, int, int, int,
                                      int);
template void maxpool_backward<float>(float*, const float*, const int32_t*, int64_t, int, int, int,
                                      int);
template void maxpool_backward<double>(double*, const double*, const int32_t*, int64_t, int, int,
                                       int, int);

}  // namespace hs
