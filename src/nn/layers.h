// layers.h: forward and backward of every layer type, as free functions over contiguous buffers
// (llm.c style). Shapes are in the comments; images are NHWC; B is the batch size.
//
// Backward functions OVERWRITE their gradient outputs (dW, db, din), so the caller need not zero
// them; dense and conv2d take `accumulate` to add to dW and db instead (din is overwritten). A null `din` skips the input gradient (the first layer's).
// Each function parallelises internally with OpenMP over the current team size; call them from
// serial code. Instantiated for float (training) and double (gradient checks in tests).
//
// May depend on: src/core, Eigen, OpenMP.
#pragma once

#include <cstdint>

#include "nn/model.h"

namespace hs {

// ---- dense ---------------------------------------------------------------------------------
// in (B,C), W (OC,C), b (OC) -> out (B,OC) = in W^T + b
template <class T>
void dense_forward(T* out, const T* in, const T* W, const T* b, int64_t B, int64_t C, int64_t OC);
// dout (B,OC) -> dW (OC,C) = dout^T in, db (OC) = column sums of dout, din (B,C) = dout W.
// accumulate: dW and db are added to (dW += ...) instead of overwritten; a GEMM that adds skips
// the zeroing pass an overwriting one makes, so a trainer that zeroes the gradient as it
// consumes it saves a pass over the weights.
template <class T>
void dense_backward(T* din, T* dW, T* db, const T* dout, const T* in, const T* W, int64_t B,
                    int64_t C, int64_t OC, bool accumulate = false);

// ---- conv2d (im2col + GEMM) ----------------------------------------------------------------
struct ConvShape {
  int64_t B = 1;
  int H = 1, W = 1, C = 1;        // input
  int OC = 1, K = 1, stride = 1, pad = 0;
  // constexpr: the CUDA kernels (src/cuda) call them on the device too.
  constexpr int OH() const { return (H + 2 * pad - K) / stride + 1; }
  constexpr int OW() const { return (W + 2 * pad - K) / stride + 1; }
  constexpr int64_t patch() const { return static_cast<int64_t>(K) * K * C; }
  constexpr int64_t rows() const { return B * OH() * OW(); }
};
// in (B,H,W,C) -> cols (B*OH*OW, K*K*C), patch order (ky, kx, c); zero outside the image
template <class T>
void im2col(T* cols, const T* in, const ConvShape& s);
// cols (B*OH*OW, K*K*C) -> din (B,H,W,C): the adjoint of im2col (sums overlapping patches)
template <class T>
void col2im(T* din, const T* cols, const ConvShape& s);

// The convolutions work through the batch in chunks of whole images whose im2col patches take
// about kConvChunkBytes, so each chunk's patches are built, multiplied and dropped while they
// are in L2; the backward pass rebuilds them rather than keeping (rows, patch) per layer.
inline constexpr int64_t kConvChunkBytes = 256 << 10;
// Elements of scratch that conv2d_forward/backward need with `threads` OpenMP threads.
template <class T>
int64_t conv2d_scratch_size(const ConvShape& s, int threads);
// in (B,H,W,C), W (OC,K,K,C), b (OC) -> out (B,OH,OW,OC)
// REQUIRES: scratch holds conv2d_scratch_size(s, omp_get_max_threads()) elements.
template <class T>
void conv2d_forward(T* out, const T* in, const T* W, const T* b, const ConvShape& s, T* scratch);
// dout (B,OH,OW,OC), the forward input `in` -> dW (OC,K,K,C), db (OC), din (B,H,W,C) (null:
// skipped). dW and db do not depend on the number of threads (their partial sums are added in a
// fixed order). accumulate: as for dense_backward. REQUIRES: scratch as for conv2d_forward.
template <class T>
void conv2d_backward(T* din, T* dW, T* db, const T* dout, const T* in, const T* W,
                     const ConvShape& s, T* scratch, bool accumulate = false);

// ---- max pool (window P, stride P, floor) ----------------------------------------------------
// in (B,H,W,C) -> out (B,H/P,W/P,C); argmax (B,H/P,W/P,C) holds each max's offset in its sample
template <class T>
void maxpool_forward(T* out, int32_t* argmax, const T* in, int64_t B, int H, int W, int C, int P);
// dout (B,H/P,W/P,C) -> din (B,H,W,C)
template <class T>
void maxpool_backward(T* din, const T* dout, const int32_t* argmax, int64_t B, int H, int W, int C,
                      int P);

// ---- activations (elementwise over n values) -------------------------------------------------
// relu max(0,x); tanh; gelu x Phi(x) (the exact, erf form, as PyTorch's default)
template <class T>
void activation_forward(Activation a, T* out, const T* in, int64_t n);
// din = dout * f'(in); `out` = f(in) (relu and tanh use it, gelu uses `in`)
template <class T>
void activation_backward(Activation a, T* din, const T* dout, const T* in, const T* out, int64_t n);

// ---- inverted dropout ------------------------------------------------------------------------
// mask[i] = (u_i >= p) / (1 - p) with u_i uniform from Rng(seed); out = in * mask
template <class T>
void dropout_forward(T* out, T* mask, const T* in, int64_t n, double p, uint64_t seed);
// din = dout * mask
template <class T>
void dropout_backward(T* din, const T* dout, const T* mask, int64_t n);

// ---- softmax cross-entropy -------------------------------------------------------------------
struct LossStats {
  double loss_sum = 0;   // sum over the batch of -log p(label); NaN/inf when logits are
  int64_t correct = 0;   // argmax == label
};
// logits (B,C), labels (B) -> probs (B,C) (softmax); returns the batch's stats
template <class T>
LossStats softmax_xent_forward(T* probs, const T* logits, const int32_t* labels, int64_t B,
                               int64_t C);
// dlogits (B,C) = (probs - onehot(labels)) * scale   (scale = 1/B for the mean loss)
template <class T>
void softmax_xent_backward(T* dlogits, const T* probs, const int32_t* labels, int64_t B, int64_t C,
                           T scale);

}  // namespace hs
