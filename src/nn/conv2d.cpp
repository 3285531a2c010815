#include <cstring>

#include "nn/layers.h"
#include "nn/parallel.h"

namespace hs {

template <class T>
void im2col(T* cols, const T* in, const ConvShape& s) {
  const int OH = s.OH(), OW = s.OW();
  const int64_t patch = s.patch();
  const int64_t row_len = static_cast<int64_t>(s.K) * s.C;  // one kernel row: kx, c
#pragma omp parallel for schedule(static) if (s.B > 1)
  for (int64_t b = 0; b < s.B; ++b) {
    const T* img = in + b * static_cast<int64_t>(s.H) * s.W * s.C;
    T* out = cols + b * static_cast<int64_t>(OH) * OW * patch;
    for (int oy = 0; oy < OH; ++oy) {
      for (int ox = 0; ox < OW; ++ox) {
        T* dst = out + (static_cast<int64_t>(oy) * OW + ox) * patch;
        const int x0 = ox * s.stride - s.pad;
        for (int ky = 0; ky < s.K; ++ky) {
          const int y = oy * s.stride - s.pad + ky;
          T* d = dst + ky * row_len;
          if (y < 0 || y >= s.H) {
            std::memset(d, 0, sizeof(T) * row_len);
            continue;
          }
          const T* src = img + static_cast<int64_t>(y) * s.W * s.C;
          if (x0 >= 0 && x0 + s.K <= s.W) {  // the whole kernel row is inside: one copy
            std::memcpy(d, src + static_cast<int64_t>(x0) * s.C, sizeof(T) * row_len);
          } else {
            for (int kx = 0; kx < s.K; ++kx) {
              const int x = x0 + kx;
              if (x < 0 || x >= s.W) std::memset(d + kx * s.C, 0, sizeof(T) * s.C);
              else std::memcpy(d + kx * s.C, src + static_cast<int64_t>(x) * s.C, sizeof(T) * s.C);
            }
          }
        }
      }
    }
  }
}

template <class T>
void col2im(T* din, const T* cols, const ConvShape& s) {
  const int OH = s.OH(), OW = s.OW();
  const int64_t patch = s.patch();
  const int64_t img_size = static_cast<int64_t>(s.H) * s.W * s.C;
#pragma omp parallel for schedule(static) if (s.B > 1)
  for (int64_t b = 0; b < s.B; ++b) {
    T* img = din + b * img_size;
    std::memset(img, 0, sizeof(T) * img_size);
    const T* src = cols + b * static_cast<int64_t>(OH) * OW * patch;
    for (int oy = 0; oy < OH; ++oy) {
      for (int ox = 0; ox < OW; ++ox) {
        const T* p = src + (static_cast<int64_t>(oy) * OW + ox) * patch;
        for (int ky = 0; ky < s.K; ++ky) {
          const int y = oy * s.stride - s.pad + ky;
          if (y < 0 || y >= s.H) continue;
          for (int kx = 0; kx < s.K; ++kx) {
            const int x = ox * s.stride - s.pad + kx;
            if (x < 0 || x >= s.W) continue;
            T* d = img + (static_cast<int64_t>(y) * s.W + x) * s.C;
            const T* q = p + (static_cast<int64_t>(ky) * s.K + kx) * s.C;
            for (int c = 0; c < s.C; ++c) d[c] += q[c];
          }
        }
      }
    }
  }
}

// A convolution is a dense layer over the im2col patches: out (rows, OC) = cols W^T + b.
template <class T>
void conv2d_forward(T* out, T* cols, const T* in, const T* W, const T* b, const ConvShape& s) {
  im2col(cols, in, s);
  dense_forward(out, cols, W, b, s.rows(), s.patch(), s.OC);
}

template <class T>
void conv2d_backward(T* din, T* dW, T* db, T* dcols, const T* dout, const T* cols, const T* W,
                     const ConvShape& s) {
  dense_backward(din ? dcols : nullptr, dW, db, dout, cols, W, s.rows(), s.patch(), s.OC);
  if (din != nullptr) col2im(din, dcols, s);
}

#define HS_INSTANTIATE(T)                                                                       \
  template void im2col<T>(T*, const T*, const ConvShape&);                                     \
  template void col2im<T>(T*, const T*, const ConvShape&);                                     \
  template void conv2d_forward<T>(T*, T*, const T*, const T*, const T*, const ConvShape&);     \
  template void conv2d_backward<T>(T*, T*, T*, T*, const T*, const T*, const T*,               \
                                   const ConvShape&);
HS_INSTANTIATE(float)
HS_INSTANTIATE(double)
#undef HS_INSTANTIATE

}  // namespace hs
