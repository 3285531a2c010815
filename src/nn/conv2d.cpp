#include <omp.h>

#include <Eigen/Core>
#include <algorithm>
#include <cstring>

#include "nn/layers.h"
#include "nn/matrix.h"
#include "nn/parallel.h"

namespace hs {

namespace {

using detail::MatR;
using detail::VecR;

// The patches of images [b0, b1) into cols (rows of those images, patch). kRowLen, when not 0,
// is K*C known at compile time: kernel rows are short (5 floats for a 5x5 kernel over one
// channel) and a fixed-size copy inlines where a memcpy call per row costs more than the copy.
template <int kRowLen, class T>
void im2col_rows(T* __restrict cols, const T* __restrict in, const ConvShape& s, int64_t b0,
                 int64_t b1) {
  const int OH = s.OH(), OW = s.OW();
  const int64_t patch = s.patch();
  const int64_t row_len = kRowLen > 0 ? kRowLen : static_cast<int64_t>(s.K) * s.C;
  for (int64_t b = b0; b < b1; ++b) {
    const T* img = in + b * static_cast<int64_t>(s.H) * s.W * s.C;
    T* out = cols + (b - b0) * static_cast<int64_t>(OH) * OW * patch;
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
          } else {  // the row crosses the border: kernel column by column
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
void im2col_images(T* cols, const T* in, const ConvShape& s, int64_t b0, int64_t b1) {
  switch (static_cast<int64_t>(s.K) * s.C) {
    case 3: return im2col_rows<3>(cols, in, s, b0, b1);
    case 5: return im2col_rows<5>(cols, in, s, b0, b1);
    case 7: return im2col_rows<7>(cols, in, s, b0, b1);
    case 9: return im2col_rows<9>(cols, in, s, b0, b1);
    case 15: return im2col_rows<15>(cols, in, s, b0, b1);
    default: return im2col_rows<0>(cols, in, s, b0, b1);
  }
}

// The adjoint: cols of images [b0, b1) summed into din (those images), which is overwritten.
template <class T>
void col2im_images(T* __restrict din, const T* __restrict cols, const ConvShape& s, int64_t b0,
                   int64_t b1) {
  const int OH = s.OH(), OW = s.OW();
  const int64_t patch = s.patch();
  const int64_t img_size = static_cast<int64_t>(s.H) * s.W * s.C;
  for (int64_t b = b0; b < b1; ++b) {
    T* img = din + b * img_size;
    std::memset(img, 0, sizeof(T) * img_size);
    const T* src = cols + (b - b0) * static_cast<int64_t>(OH) * OW * patch;
    for (int oy = 0; oy < OH; ++oy) {
      for (int ox = 0; ox < OW; ++ox) {
        const T* p = src + (static_cast<int64_t>(oy) * OW + ox) * patch;
        for (int ky = 0; ky < s.K; ++ky) {
          const int y = oy * s.stride - s.pad + ky;
          if (y < 0 || y >= s.H) continue;
          for (int kx = 0; kx < s.K; ++kx) {
            const int x = ox * s.stride - s.pad + kx;
            if (x < 0 || x >= s.W) continue;
            T* __restrict d = img + (static_cast<int64_t>(y) * s.W + x) * s.C;
            const T* __restrict q = p + (static_cast<int64_t>(ky) * s.K + kx) * s.C;
            for (int c = 0; c < s.C; ++c) d[c] += q[c];
          }
        }
      }
    }
  }
}

// sums (OC) = column sums of x (rows, OC), row-major, row by row so the reads are contiguous.
template <class T>
void column_sums(T* __restrict sums, const T* __restrict x, int64_t rows, int OC) {
  std::fill(sums, sums + OC, T(0));
  for (int64_t r = 0; r < rows; ++r)
    for (int o = 0; o < OC; ++o) sums[o] += x[r * OC + o];
}

struct ChunkPlan {
  int64_t img_rows = 1;     // im2col rows of one image: OH * OW
  int64_t images = 1;       // images per chunk
  int64_t chunks = 1;       // ceil(B / images)
  int64_t rows = 1;         // im2col rows of one full chunk
  int64_t cols_size = 1;    // elements of one chunk's (rows, patch) buffer
  int64_t partial_size = 1; // one chunk's dW and db: OC * patch + OC
};

template <class T>
ChunkPlan plan(const ConvShape& s) {
  ChunkPlan p;
  const int64_t img_rows = static_cast<int64_t>(s.OH()) * s.OW();
  const int64_t img_bytes = img_rows * s.patch() * static_cast<int64_t>(sizeof(T));
  p.img_rows = img_rows;
  p.images = std::clamp<int64_t>(kConvChunkBytes / std::max<int64_t>(1, img_bytes), 1,
                                 std::max<int64_t>(1, s.B));
  p.chunks = (s.B + p.images - 1) / p.images;
  p.rows = p.images * img_rows;
  p.cols_size = p.rows * s.patch();
  p.partial_size = static_cast<int64_t>(s.OC) * s.patch() + s.OC;
  return p;
}

// Chunk c: images [b0, b1), their im2col rows, and this thread's patch buffer in scratch (which
// holds 2 * cols_size per thread: the patches and, in backward, their gradient).
struct Chunk {
  int64_t b0, b1, rows;
};
Chunk chunk(const ChunkPlan& p, const ConvShape& s, int64_t c) {
  const int64_t b0 = c * p.images, b1 = std::min(s.B, b0 + p.images);
  return {b0, b1, (b1 - b0) * p.img_rows};
}
template <class T>
T* thread_cols(T* scratch, const ChunkPlan& p) {
  return scratch + omp_get_thread_num() * 2 * p.cols_size;
}

}  // namespace

template <class T>
int64_t conv2d_scratch_size(const ConvShape& s, int threads) {
  const ChunkPlan p = plan<T>(s);
  return std::max(1, threads) * 2 * p.cols_size + p.chunks * p.partial_size;
}

template <class T>
void im2col(T* cols, const T* in, const ConvShape& s) {
  const int64_t per = static_cast<int64_t>(s.OH()) * s.OW() * s.patch();
  detail::parallel_region(s.B > 1, [&] {
#pragma omp for schedule(static)
    for (int64_t b = 0; b < s.B; ++b) im2col_images(cols + b * per, in, s, b, b + 1);
  });
}

template <class T>
void col2im(T* din, const T* cols, const ConvShape& s) {
  const int64_t per = static_cast<int64_t>(s.OH()) * s.OW() * s.patch();
  detail::parallel_region(s.B > 1, [&] {
#pragma omp for schedule(static)
    for (int64_t b = 0; b < s.B; ++b) col2im_images(din, cols + b * per, s, b, b + 1);
  });
}

// Each chunk is a dense layer over its im2col patches: out (rows, OC) = cols W^T + b.
template <class T>
void conv2d_forward(T* out, const T* in, const T* W, const T* b, const ConvShape& s, T* scratch) {
  const ChunkPlan p = plan<T>(s);
  const int64_t patch = s.patch();
  Eigen::Map<const MatR<T>> Wm(W, s.OC, patch);
  Eigen::Map<const VecR<T>> bias(b, s.OC);
  detail::parallel_region(p.chunks > 1, [&] {
    T* cols = thread_cols(scratch, p);
#pragma omp for schedule(static)
    for (int64_t c = 0; c < p.chunks; ++c) {
      const Chunk ch = chunk(p, s, c);
      im2col_images(cols, in, s, ch.b0, ch.b1);
      Eigen::Map<const MatR<T>> X(cols, ch.rows, patch);
      Eigen::Map<MatR<T>> Y(out + ch.b0 * p.img_rows * s.OC, ch.rows, s.OC);
      Y.rowwise() = bias;  // seed with the bias; `+=` then skips the product's zeroing pass
      Y.noalias() += X * Wm.transpose();
    }
  });
}

// Per chunk: rebuild the patches, dW_c = dY_c^T cols_c and db_c into the chunk's own slot, and
// din for the chunk's images from dcols_c = dY_c W. The slots are then summed in chunk order, so
// dW and db are the same bits whatever the number of threads.
template <class T>
void conv2d_backward(T* din, T* dW, T* db, const T* dout, const T* in, const T* W,
                     const ConvShape& s, T* scratch, bool accumulate) {
  const ChunkPlan p = plan<T>(s);
  const int64_t patch = s.patch(), wsize = static_cast<int64_t>(s.OC) * patch;
  Eigen::Map<const MatR<T>> Wm(W, s.OC, patch);
  const int threads = omp_get_max_threads();
  T* partials = scratch + static_cast<int64_t>(threads) * 2 * p.cols_size;
  detail::parallel_region(p.chunks > 1, [&] {
    T* cols = thread_cols(scratch, p);
    T* dcols = cols + p.cols_size;
#pragma omp for schedule(static)
    for (int64_t c = 0; c < p.chunks; ++c) {
      const Chunk ch = chunk(p, s, c);
      im2col_images(cols, in, s, ch.b0, ch.b1);
      const T* dout_c = dout + ch.b0 * p.img_rows * s.OC;
      Eigen::Map<const MatR<T>> X(cols, ch.rows, patch), dY(dout_c, ch.rows, s.OC);
      T* slot = partials + c * p.partial_size;
      Eigen::Map<MatR<T>> dWc(slot, s.OC, patch);
      dWc.noalias() = dY.transpose() * X;
      column_sums(slot + wsize, dout_c, ch.rows, s.OC);
      if (din != nullptr) {
        Eigen::Map<MatR<T>> dX(dcols, ch.rows, patch);
        dX.noalias() = dY * Wm;
        col2im_images(din, dcols, s, ch.b0, ch.b1);
      }
    }
    // Sum the slots into slot 0 in chunk order, each thread a range of the entries.
    int64_t j0, j1;
    detail::thread_range(p.partial_size, 64, &j0, &j1);
    T* __restrict sum = partials;
    for (int64_t c = 1; c < p.chunks; ++c) {
      const T* __restrict add = partials + c * p.partial_size;
      for (int64_t j = j0; j < j1; ++j) sum[j] += add[j];
    }
  });
  if (accumulate) {
    for (int64_t j = 0; j < wsize; ++j) dW[j] += partials[j];
    for (int64_t j = 0; j < s.OC; ++j) db[j] += partials[wsize + j];
  } else {
    std::copy(partials, partials + wsize, dW);
    std::copy(partials + wsize, partials + p.partial_size, db);
  }
}

#define HS_INSTANTIATE(T)                                                                       \
  template int64_t conv2d_scratch_size<T>(const ConvShape&, int);                              \
  template void im2col<T>(T*, const T*, const ConvShape&);                                     \
  template void col2im<T>(T*, const T*, const ConvShape&);                                     \
  template void conv2d_forward<T>(T*, const T*, const T*, const T*, const ConvShape&, T*);     \
  template void conv2d_backward<T>(T*, T*, T*, const T*, const T*, const T*, const ConvShape&, \
                                   T*, bool);
HS_INSTANTIATE(float)
HS_INSTANTIATE(double)
#undef HS_INSTANTIATE

}  // namespace hs
