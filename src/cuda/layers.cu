// layers.cu: the layers of nn/layers.h on the device. The GEMMs are cuBLAS's;
// everything else is a plain kernel of one thread per output element
// (grid-stride), which reads its inputs in a fixed order and writes its one
// output, so nothing depends on scheduling.
//
// cuBLAS is column-major and our buffers are row-major: a row-major (r, c)
// matrix is, read column-major, its transpose (c, r) with leading dimension c.
// So row-major Y = A B is computed as column-major Y^T = B^T A^T, which is why
// the operands below come in swapped order.
#include <climits>
#include <cmath>
#include <limits>
#include <vector>

#include "core/check.h"
#include "cuda/check.cuh"
#include "cuda/layers.h"

namespace hs::cuda {
namespace {

constexpr int kThreads = 256;

cudaStream_t stream_of(Context& ctx) { return static_cast<cudaStream_t>(ctx.stream()); }

// Blocks for n elements at kThreads each, capped: the kernels loop over the
// rest (grid-stride).
unsigned blocks_for(int64_t n) {
  const int64_t b = (n + kThreads - 1) / kThreads;
  return static_cast<unsigned>(b < 1 ? 1 : (b > 65535 ? 65535 : b));
}

#define HS_GRID_STRIDE(i, n)                                                             \
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < (n); \
       i += static_cast<int64_t>(blockDim.x) * gridDim.x)

// Row-major Y (m_rows, n_cols) = op(A) op(B) + beta Y, for the shapes below;
// sizes checked to fit cuBLAS's int.
void gemm(Context& ctx, cublasOperation_t ta, cublasOperation_t tb, int64_t m, int64_t n, int64_t k,
          const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
          int64_t ldc) {
  HS_CHECK(m <= INT_MAX && n <= INT_MAX && k <= INT_MAX && lda <= INT_MAX && ldb <= INT_MAX &&
           ldc <= INT_MAX);
  if (m == 0 || n == 0) return;
  const float one = 1.0f;
  HS_CUBLAS(cublasSgemm(static_cast<cublasHandle_t>(ctx.cublas()), ta, tb, static_cast<int>(m),
                        static_cast<int>(n), static_cast<int>(k), &one, A, static_cast<int>(lda), B,
                        static_cast<int>(ldb), &beta, C, static_cast<int>(ldc)));
}

// out (rows, cols) += b (cols) on every row.
__global__ void add_bias_kernel(float* out, const float* b, int64_t rows, int64_t cols) {
  HS_GRID_STRIDE(i, rows * cols) out[i] += b[i % cols];
}

// db (cols) = column sums of d (rows, cols), summed in row order (+ db's old
// value first when accumulating).
__global__ void column_sums_kernel(float* db, const float* d, int64_t rows, int64_t cols,
                                   bool accumulate) {
  HS_GRID_STRIDE(j, cols) {
    float s = 0.0f;
    for (int64_t r = 0; r < rows; ++r) s += d[r * cols + j];
    db[j] = accumulate ? db[j] + s : s;
  }
}

// in (rows, C) W (OC, C)^T + b -> out (rows, OC): the dense layer and the
// conv's patch GEMM.
void linear_forward(Context& ctx, float* out, const float* in, const float* W, const float* b,
                    int64_t rows, int64_t C, int64_t OC) {
  // out^T (OC, rows) = W (OC, C) in^T (C, rows): W's buffer read column-major
  // is W^T, hence T.
  gemm(ctx, CUBLAS_OP_T, CUBLAS_OP_N, OC, rows, C, W, C, in, C, 0.0f, out, OC);
  add_bias_kernel<<<blocks_for(rows * OC), kThreads, 0, stream_of(ctx)>>>(out, b, rows, OC);
  HS_CUDA_LAUNCHED();
}

// dW (OC, C) (+)= dout^T in, db (OC) (+)= column sums of dout.
void linear_weight_grads(Context& ctx, float* dW, float* db, const float* dout, const float* in,
                         int64_t rows, int64_t C, int64_t OC, bool accumulate) {
  // dW^T (C, OC) = in^T (C, rows) dout (rows, OC).
  gemm(ctx, CUBLAS_OP_N, CUBLAS_OP_T, C, OC, rows, in, C, dout, OC, accumulate ? 1.0f : 0.0f, dW,
       C);
  column_sums_kernel<<<blocks_for(OC), kThreads, 0, stream_of(ctx)>>>(db, dout, rows, OC,
                                                                      accumulate);
  HS_CUDA_LAUNCHED();
}

// din (rows, C) = dout (rows, OC) W (OC, C).
void linear_input_grad(Context& ctx, float* din, const float* dout, const float* W, int64_t rows,
                       int64_t C, int64_t OC) {
  // din^T (C, rows) = W^T (C, OC) dout^T (OC, rows).
  gemm(ctx, CUBLAS_OP_N, CUBLAS_OP_N, C, rows, OC, W, C, dout, OC, 0.0f, din, C);
}

__global__ void im2col_kernel(float* cols, const float* in, ConvShape s) {
  const int OH = s.OH(), OW = s.OW();
  const int64_t patch = s.patch(), total = s.rows() * patch;
  HS_GRID_STRIDE(i, total) {
    const int64_t r = i / patch, p = i % patch;
    const int c = static_cast<int>(p % s.C), kx = static_cast<int>((p / s.C) % s.K);
    const int ky = static_cast<int>(p / (static_cast<int64_t>(s.C) * s.K));
    const int ox = static_cast<int>(r % OW), oy = static_cast<int>((r / OW) % OH);
    const int64_t b = r / (static_cast<int64_t>(OW) * OH);
    const int iy = oy * s.stride - s.pad + ky, ix = ox * s.stride - s.pad + kx;
    const bool inside = iy >= 0 && iy < s.H && ix >= 0 && ix < s.W;
    cols[i] = inside ? in[((b * s.H + iy) * s.W + ix) * s.C + c] : 0.0f;
  }
}

// Each input element sums the patch entries that copied it, ky then kx
// ascending.
__global__ void col2im_kernel(float* din, const float* cols, ConvShape s) {
  const int OH = s.OH(), OW = s.OW();
  const int64_t patch = s.patch(), total = s.B * s.H * static_cast<int64_t>(s.W) * s.C;
  HS_GRID_STRIDE(i, total) {
    const int c = static_cast<int>(i % s.C), ix = static_cast<int>((i / s.C) % s.W);
    const int iy = static_cast<int>((i / (static_cast<int64_t>(s.C) * s.W)) % s.H);
    const int64_t b = i / (static_cast<int64_t>(s.C) * s.W * s.H);
    float sum = 0.0f;
    for (int ky = 0; ky < s.K; ++ky) {
      const int ty = iy + s.pad - ky;
      if (ty < 0 || ty % s.stride != 0 || ty / s.stride >= OH) continue;
      for (int kx = 0; kx < s.K; ++kx) {
        const int tx = ix + s.pad - kx;
        if (tx < 0 || tx % s.stride != 0 || tx / s.stride >= OW) continue;
        const int64_t r = (b * OH + ty / s.stride) * OW + tx / s.stride;
        sum += cols[r * patch + (static_cast<int64_t>(ky) * s.K + kx) * s.C + c];
      }
    }
    din[i] = sum;
  }
}

__global__ void maxpool_forward_kernel(float* out, int32_t* argmax, const float* in, int64_t B,
                                       int H, int W, int C, int P) {
  const int OH = H / P, OW = W / P;
  const int64_t in_size = static_cast<int64_t>(H) * W * C,
                out_size = static_cast<int64_t>(OH) * OW * C;
  HS_GRID_STRIDE(i, B * out_size) {
    const int64_t b = i / out_size, o = i % out_size;
    const int c = static_cast<int>(o % C), ox = static_cast<int>((o / C) % OW);
    const int oy = static_cast<int>(o / (static_cast<int64_t>(C) * OW));
    const float* img = in + b * in_size;
    // The window's first pixel seeds the max; later ones win only when strictly
    // larger.
    int32_t best = (oy * P * W + ox * P) * C + c;
    float v = img[best];
    for (int dy = 0; dy < P; ++dy)
      for (int dx = 0; dx < P; ++dx) {
        const int32_t at = ((oy * P + dy) * W + ox * P + dx) * C + c;
        if (img[at] > v) v = img[at], best = at;
      }
    out[i] = v;
    argmax[i] = best;
  }
}

// The windows do not overlap: each input element gets at most one output's
// gradient.
__global__ void maxpool_backward_kernel(float* din, const float* dout, const int32_t* argmax,
                                        int64_t B, int64_t in_size, int64_t out_size) {
  HS_GRID_STRIDE(i, B * out_size)
  din[(i / out_size) * in_size + argmax[i]] += dout[i];
}

constexpr float kInvSqrt2 = 0.70710678118654752440f;
constexpr float kInvSqrt2Pi = 0.39894228040143267794f;

__global__ void activation_forward_kernel(Activation a, float* out, const float* in, int64_t n) {
  HS_GRID_STRIDE(i, n) {
    const float x = in[i];
    switch (a) {
      case Activation::kRelu:
        out[i] = x > 0.0f ? x : 0.0f;
        break;
      case Activation::kTanh:
        out[i] = tanhf(x);
        break;
      case Activation::kGelu:
        out[i] = x * 0.5f * (1.0f + erff(x * kInvSqrt2));
        break;
    }
  }
}

__global__ void activation_backward_kernel(Activation a, float* din, const float* dout,
                                           const float* in, const float* out, int64_t n) {
  HS_GRID_STRIDE(i, n) {
    switch (a) {
      case Activation::kRelu:
        din[i] = out[i] > 0.0f ? dout[i] : 0.0f;
        break;
      case Activation::kTanh:
        din[i] = dout[i] * (1.0f - out[i] * out[i]);
        break;
      case Activation::kGelu: {
        const float x = in[i];
        const float cdf = 0.5f * (1.0f + erff(x * kInvSqrt2));
        const float pdf = kInvSqrt2Pi * expf(-0.5f * x * x);
        din[i] = dout[i] * (cdf + x * pdf);
        break;
      }
    }
  }
}

__global__ void dropout_forward_kernel(float* out, float* mask, const float* in, int64_t n,
                                       double p, float keep, uint64_t seed) {
  HS_GRID_STRIDE(i, n) {
    mask[i] = counter_uniform(seed, static_cast<uint64_t>(i)) >= p ? keep : 0.0f;
    out[i] = in[i] * mask[i];
  }
}

__global__ void multiply_kernel(float* out, const float* a, const float* b, int64_t n) {
  HS_GRID_STRIDE(i, n) out[i] = a[i] * b[i];
}

// One thread per row, as the CPU's serial loop: C is the class count, small
// next to the GEMMs.
__global__ void softmax_xent_forward_kernel(float* probs, const float* logits,
                                            const int32_t* labels, int64_t B, int64_t C,
                                            double* row_loss, int32_t* row_hit) {
  HS_GRID_STRIDE(b, B) {
    const float* z = logits + b * C;
    float* p = probs + b * C;
    float zmax = z[0];
    int64_t arg = 0;
    for (int64_t c = 1; c < C; ++c)
      if (z[c] > zmax) zmax = z[c], arg = c;
    double sum = 0.0;
    for (int64_t c = 0; c < C; ++c) {
      p[c] = expf(z[c] - zmax);
      sum += p[c];
    }
    const float inv = static_cast<float>(1.0 / sum);
    for (int64_t c = 0; c < C; ++c) p[c] *= inv;
    row_loss[b] = log(sum) + static_cast<double>(zmax) - static_cast<double>(z[labels[b]]);
    row_hit[b] = arg == labels[b];
  }
}

__global__ void softmax_xent_backward_kernel(float* dlogits, const float* probs,
                                             const int32_t* labels, int64_t B, int64_t C,
                                             float scale) {
  HS_GRID_STRIDE(i, B * C) {
    const int64_t b = i / C, c = i % C;
    const float g = probs[i] * scale;
    dlogits[i] = c == labels[b] ? g - scale : g;
  }
}

__global__ void gather_rows_kernel(float* x, int32_t* y, const float* data, const int32_t* labels,
                                   const int32_t* index, int64_t B, int64_t D) {
  HS_GRID_STRIDE(i, B * D) {
    const int64_t b = i / D, k = i % D;
    const int64_t row = index[b];
    x[i] = data[row * D + k];
    if (k == 0) y[b] = labels[row];
  }
}

// One thread block per kRatioBlock elements: each thread sums a fixed stride of
// them, then a fixed tree adds the threads' sums. out[2 blk] = sum before^2,
// out[2 blk + 1] = sum diff^2.
__global__ void ratio_sums_kernel(const float* before, const float* after, int64_t n, double* out) {
  __shared__ double ww[kThreads], dd[kThreads];
  const int64_t first = static_cast<int64_t>(blockIdx.x) * kRatioBlock;
  const int64_t last = first + kRatioBlock < n ? first + kRatioBlock : n;
  double w2 = 0.0, d2 = 0.0;
  for (int64_t i = first + threadIdx.x; i < last; i += blockDim.x) {
    const double w = before[i], d = static_cast<double>(after[i]) - w;
    w2 += w * w;
    d2 += d * d;
  }
  ww[threadIdx.x] = w2;
  dd[threadIdx.x] = d2;
  __syncthreads();
  for (int half = blockDim.x / 2; half > 0; half /= 2) {
    if (threadIdx.x < half) {
      ww[threadIdx.x] += ww[threadIdx.x + half];
      dd[threadIdx.x] += dd[threadIdx.x + half];
    }
    __syncthreads();
  }
  if (threadIdx.x == 0) {
    out[2 * blockIdx.x] = ww[0];
    out[2 * blockIdx.x + 1] = dd[0];
  }
}

}  // namespace

void copy(Context& ctx, float* dst, const float* src, int64_t n) {
  if (n > 0)
    HS_CUDA(cudaMemcpyAsync(dst, src, sizeof(float) * n, cudaMemcpyDeviceToDevice, stream_of(ctx)));
}

void gather_rows(Context& ctx, float* x, int32_t* y, const float* data, const int32_t* labels,
                 const int32_t* index, int64_t B, int64_t D) {
  gather_rows_kernel<<<blocks_for(B * D), kThreads, 0, stream_of(ctx)>>>(x, y, data, labels, index,
                                                                         B, D);
  HS_CUDA_LAUNCHED();
}

double update_ratio(Context& ctx, const float* before, const float* after, int64_t n,
                    double* scratch) {
  const int64_t blocks = (n + kRatioBlock - 1) / kRatioBlock;
  if (blocks == 0) return std::numeric_limits<double>::infinity();
  HS_CHECK(blocks <= INT_MAX);
  ratio_sums_kernel<<<static_cast<unsigned>(blocks), kThreads, 0, stream_of(ctx)>>>(before, after,
                                                                                    n, scratch);
  HS_CUDA_LAUNCHED();
  std::vector<double> part(static_cast<size_t>(2 * blocks));
  HS_CUDA(cudaMemcpyAsync(part.data(), scratch, sizeof(double) * part.size(),
                          cudaMemcpyDeviceToHost, stream_of(ctx)));
  HS_CUDA(cudaStreamSynchronize(stream_of(ctx)));
  double ww = 0, dd = 0;
  for (int64_t k = 0; k < blocks; ++k) ww += part[2 * k], dd += part[2 * k + 1];
  return ww > 0 ? std::sqrt(dd / ww) : std::numeric_limits<double>::infinity();
}

void dense_forward(Context& ctx, float* out, const float* in, const float* W, const float* b,
                   int64_t B, int64_t C, int64_t OC) {
  linear_forward(ctx, out, in, W, b, B, C, OC);
}

void dense_backward(Context& ctx, float* din, float* dW, float* db, const float* dout,
                    const float* in, const float* W, int64_t B, int64_t C, int64_t OC,
                    bool accumulate) {
  linear_weight_grads(ctx, dW, db, dout, in, B, C, OC, accumulate);
  if (din) linear_input_grad(ctx, din, dout, W, B, C, OC);
}

void im2col(Context& ctx, float* cols, const float* in, const ConvShape& s) {
  im2col_kernel<<<blocks_for(s.rows() * s.patch()), kThreads, 0, stream_of(ctx)>>>(cols, in, s);
  HS_CUDA_LAUNCHED();
}

void col2im(Context& ctx, float* din, const float* cols, const ConvShape& s) {
  const int64_t n = s.B * s.H * static_cast<int64_t>(s.W) * s.C;
  col2im_kernel<<<blocks_for(n), kThreads, 0, stream_of(ctx)>>>(din, cols, s);
  HS_CUDA_LAUNCHED();
}

int64_t conv2d_scratch_size(const ConvShape& s) { return s.rows() * s.patch(); }

void conv2d_forward(Context& ctx, float* out, const float* in, const float* W, const float* b,
                    const ConvShape& s, float* scratch) {
  im2col(ctx, scratch, in, s);
  linear_forward(ctx, out, scratch, W, b, s.rows(), s.patch(), s.OC);
}

void conv2d_backward(Context& ctx, float* din, float* dW, float* db, const float* dout,
                     const float* in, const float* W, const ConvShape& s, float* scratch,
                     bool accumulate) {
  im2col(ctx, scratch, in, s);
  linear_weight_grads(ctx, dW, db, dout, scratch, s.rows(), s.patch(), s.OC, accumulate);
  if (!din) return;
  // The stream runs in order: the weight GEMM has read the patches before they
  // are overwritten by their gradient.
  linear_input_grad(ctx, scratch, dout, W, s.rows(), s.patch(), s.OC);
  col2im(ctx, din, scratch, s);
}

void maxpool_forward(Context& ctx, float* out, int32_t* argmax, const float* in, int64_t B, int H,
                     int W, int C, int P) {
  const int64_t n = B * (H / P) * static_cast<int64_t>(W / P) * C;
  maxpool_forward_kernel<<<blocks_for(n), kThreads, 0, stream_of(ctx)>>>(out, argmax, in, B, H, W,
                                                                         C, P);
  HS_CUDA_LAUNCHED();
}

void maxpool_backward(Context& ctx, float* din, const float* dout, const int32_t* argmax, int64_t B,
                      int H, int W, int C, int P) {
  const int64_t in_size = static_cast<int64_t>(H) * W * C;
  const int64_t out_size = static_cast<int64_t>(H / P) * (W / P) * C;
  HS_CUDA(cudaMemsetAsync(din, 0, sizeof(float) * B * in_size, stream_of(ctx)));
  maxpool_backward_kernel<<<blocks_for(B * out_size), kThreads, 0, stream_of(ctx)>>>(
      din, dout, argmax, B, in_size, out_size);
  HS_CUDA_LAUNCHED();
}

void activation_forward(Context& ctx, Activation a, float* out, const float* in, int64_t n) {
  activation_forward_kernel<<<blocks_for(n), kThreads, 0, stream_of(ctx)>>>(a, out, in, n);
  HS_CUDA_LAUNCHED();
}

void activation_backward(Context& ctx, Activation a, float* din, const float* dout, const float* in,
                         const float* out, int64_t n) {
  activation_backward_kernel<<<blocks_for(n), kThreads, 0, stream_of(ctx)>>>(a, din, dout, in, out,
                                                                             n);
  HS_CUDA_LAUNCHED();
}

void dropout_forward(Context& ctx, float* out, float* mask, const float* in, int64_t n, double p,
                     uint64_t seed) {
  const float keep = static_cast<float>(1.0 / (1.0 - p));
  dropout_forward_kernel<<<blocks_for(n), kThreads, 0, stream_of(ctx)>>>(out, mask, in, n, p, keep,
                                                                         seed);
  HS_CUDA_LAUNCHED();
}

void dropout_backward(Context& ctx, float* din, const float* dout, const float* mask, int64_t n) {
  multiply_kernel<<<blocks_for(n), kThreads, 0, stream_of(ctx)>>>(din, dout, mask, n);
  HS_CUDA_LAUNCHED();
}

LossStats softmax_xent_forward(Context& ctx, float* probs, const float* logits,
                               const int32_t* labels, int64_t B, int64_t C, double* row_loss,
                               int32_t* row_hit) {
  softmax_xent_forward_kernel<<<blocks_for(B), kThreads, 0, stream_of(ctx)>>>(
      probs, logits, labels, B, C, row_loss, row_hit);
  HS_CUDA_LAUNCHED();
  std::vector<double> loss(static_cast<size_t>(B));
  std::vector<int32_t> hit(static_cast<size_t>(B));
  HS_CUDA(cudaMemcpyAsync(loss.data(), row_loss, sizeof(double) * B, cudaMemcpyDeviceToHost,
                          stream_of(ctx)));
  HS_CUDA(cudaMemcpyAsync(hit.data(), row_hit, sizeof(int32_t) * B, cudaMemcpyDeviceToHost,
                          stream_of(ctx)));
  HS_CUDA(cudaStreamSynchronize(stream_of(ctx)));
  LossStats st;
  for (int64_t b = 0; b < B; ++b) {
    st.loss_sum += loss[static_cast<size_t>(b)];
    st.correct += hit[static_cast<size_t>(b)];
  }
  return st;
}

void softmax_xent_backward(Context& ctx, float* dlogits, const float* probs, const int32_t* labels,
                           int64_t B, int64_t C, float scale) {
  softmax_xent_backward_kernel<<<blocks_for(B * C), kThreads, 0, stream_of(ctx)>>>(
      dlogits, probs, labels, B, C, scale);
  HS_CUDA_LAUNCHED();
}

}  // namespace hs::cuda
