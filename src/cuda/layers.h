// layers.h: the CPU engine's layers (nn/layers.h) and optimiser steps
// (optim/optimizer.h) on a CUDA device, one function for each, with the same
// names, shapes and conventions, over device pointers (Buffer::data()). The CPU
// functions are the oracle: tests/cuda compares each one with its CPU twin on
// the same inputs.
//
// Every function queues its work on ctx's stream and returns; results are read
// with Buffer::download, which waits. float only (training's type). Backward
// functions overwrite their gradient outputs; `accumulate` (dense, conv) adds
// to dW and db instead, never to din; a null din skips the input gradient.
//
// Where the GPU's numbers differ from the CPU's, and why:
//   - dense and conv GEMMs run in cuBLAS, which sums in its own order (and may
//   use FMA): about
//     1e-6 relative, more where terms cancel. The same GPU model gives the same
//     bits run to run (one stream; cuBLAS picks its algorithm from the shapes
//     and the device).
//   - tanh, gelu's erf and softmax's exp are CUDA's own functions (within 2 ulp
//   of the correctly
//     rounded value), not glibc's.
//   - the elementwise kernels are compiled without FMA contraction
//   (--fmad=false) and do the
//     CPU loop's float operations in its order. relu, dropout, max pooling,
//     im2col and the softmax gradient give the CPU's bits; the optimiser steps
//     may differ in the last bit, since the CPU build (-march=native) lets GCC
//     fuse a * b + c into one rounding.
//   - dropout: the CPU draws its masks from one sequential xoshiro256** stream,
//   which a GPU
//     cannot split; the GPU draws mask i from a counter-based hash of (seed, i)
//     (counter_uniform below). A trial with dropout trains with other masks on
//     the GPU than on the CPU; each is the same from run to run.
//
// May depend on: src/core, nn (shapes and enums), optim (OptimizerOptions),
// CUDA, cuBLAS.
#pragma once

#include <cstdint>

#include "cuda/device.h"
#include "nn/layers.h"
#include "optim/optimizer.h"

#if defined(__CUDACC__)
#define HS_HOST_DEVICE __host__ __device__
#else
#define HS_HOST_DEVICE
#endif

namespace hs::cuda {

// Dropout's uniform draw for element i of the mask seeded `seed`: in [0, 1), 53
// bits, from splitmix64's finaliser of seed + (i + 1) * golden. The same on
// host and device.
HS_HOST_DEVICE inline double counter_uniform(uint64_t seed, uint64_t i) {
  uint64_t z = seed + (i + 1) * 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) * 0x1.0p-53;
}

// dst (n) = src (n), both on the device.
void copy(Context& ctx, float* dst, const float* src, int64_t n);

// ---- dense
// ---------------------------------------------------------------------------------
// in (B,C), W (OC,C), b (OC) -> out (B,OC) = in W^T + b
void dense_forward(Context& ctx, float* out, const float* in, const float* W, const float* b,
                   int64_t B, int64_t C, int64_t OC);
// dout (B,OC) -> dW (OC,C) = dout^T in, db (OC) = column sums of dout, din
// (B,C) = dout W.
void dense_backward(Context& ctx, float* din, float* dW, float* db, const float* dout,
                    const float* in, const float* W, int64_t B, int64_t C, int64_t OC,
                    bool accumulate = false);

// ---- conv2d (im2col + cuBLAS GEMM)
// --------------------------------------------------------- in (B,H,W,C) ->
// cols (B*OH*OW, K*K*C), patch order (ky, kx, c); zero outside the image
void im2col(Context& ctx, float* cols, const float* in, const ConvShape& s);
// cols -> din (B,H,W,C): the adjoint of im2col. Each input element gathers the
// patches that cover it, in a fixed order (no atomics), so the sum is the same
// on every run.
void col2im(Context& ctx, float* din, const float* cols, const ConvShape& s);
// Elements of scratch conv2d_forward/backward need: the whole batch's patches.
int64_t conv2d_scratch_size(const ConvShape& s);
// in (B,H,W,C), W (OC,K,K,C), b (OC) -> out (B,OH,OW,OC). REQUIRES: scratch as
// above.
void conv2d_forward(Context& ctx, float* out, const float* in, const float* W, const float* b,
                    const ConvShape& s, float* scratch);
// dout (B,OH,OW,OC) and the forward input -> dW (OC,K,K,C), db (OC), din
// (B,H,W,C) (null: skip).
void conv2d_backward(Context& ctx, float* din, float* dW, float* db, const float* dout,
                     const float* in, const float* W, const ConvShape& s, float* scratch,
                     bool accumulate = false);

// ---- max pool (window P, stride P, floor)
// ---------------------------------------------------- in (B,H,W,C) -> out
// (B,H/P,W/P,C); argmax: each max's offset in its sample; ties go to the first
// pixel of the window, as on the CPU.
void maxpool_forward(Context& ctx, float* out, int32_t* argmax, const float* in, int64_t B, int H,
                     int W, int C, int P);
void maxpool_backward(Context& ctx, float* din, const float* dout, const int32_t* argmax, int64_t B,
                      int H, int W, int C, int P);

// ---- activations, dropout
// --------------------------------------------------------------------
void activation_forward(Context& ctx, Activation a, float* out, const float* in, int64_t n);
// din = dout * f'(in); `out` = f(in) (relu and tanh use it, gelu uses `in`)
void activation_backward(Context& ctx, Activation a, float* din, const float* dout, const float* in,
                         const float* out, int64_t n);
// mask[i] = (counter_uniform(seed, i) >= p) / (1 - p); out = in * mask
void dropout_forward(Context& ctx, float* out, float* mask, const float* in, int64_t n, double p,
                     uint64_t seed);
void dropout_backward(Context& ctx, float* din, const float* dout, const float* mask, int64_t n);

// ---- softmax cross-entropy
// ------------------------------------------------------------------- logits
// (B,C), labels (B, on the device) -> probs (B,C); returns the batch's stats.
// Each row's loss and hit are summed on the host in row order (as the CPU
// does), so waits for the kernel. REQUIRES: row_loss holds B doubles and
// row_hit B ints (device scratch).
LossStats softmax_xent_forward(Context& ctx, float* probs, const float* logits,
                               const int32_t* labels, int64_t B, int64_t C, double* row_loss,
                               int32_t* row_hit);
// dlogits (B,C) = (probs - onehot(labels)) * scale
void softmax_xent_backward(Context& ctx, float* dlogits, const float* probs, const int32_t* labels,
                           int64_t B, int64_t C, float scale);

// ---- batches and measurements
// ---------------------------------------------------------------- x (B, D) and
// y (B) = the rows index[0, B) of data (n, D) and their labels (all on the
// device).
void gather_rows(Context& ctx, float* x, int32_t* y, const float* data, const int32_t* labels,
                 const int32_t* index, int64_t B, int64_t D);
// ||after - before|| / ||before|| in double (infinity when before is all zero),
// the trainer's update/weight ratio. Fixed blocks of kRatioBlock elements are
// each summed by one thread block in a fixed tree and the blocks' sums added on
// the host in order: the same bits every run. Waits for the result. REQUIRES:
// scratch holds 2 * ceil(n / kRatioBlock) doubles.
inline constexpr int64_t kRatioBlock = 4096;
double update_ratio(Context& ctx, const float* before, const float* after, int64_t n,
                    double* scratch);

// ---- optimiser steps
// -------------------------------------------------------------------------
// optimizer_step of optim/optimizer.h over device buffers: the same formulas,
// the same state layout ([s0 | s1], s1 state_stride floats after s0; 0: n), g
// left zero.
void optimizer_step(Context& ctx, const OptimizerOptions& opt, float lr, float weight_decay,
                    int64_t step, float* w, float* g, float* state, int64_t n,
                    int64_t state_stride = 0);
// momentum_step_folded of optim/optimizer.h.
void momentum_step_folded(Context& ctx, float lr, float mu, float weight_decay, float* w, float* v,
                          int64_t n);

}  // namespace hs::cuda
