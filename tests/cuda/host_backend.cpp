// host_backend.cpp: a stand-in for the device, for machines without a GPU. It defines the API of
// cuda/device.h and cuda/layers.h in host memory, each function running its CPU twin (or, for
// what only the GPU has, the same rule: dropout's counter-based masks, the per-row loss scratch,
// the batch gather), and it says one device is there. Linked instead of src/cuda's .cu files, it
// lets the GPU engine's host code (cuda/network.cpp, train/cuda_trainer.cpp) run its tests
// (network_test.cpp, train_test.cpp) on every machine: a layer offset, an update, a seed or an
// evaluation pass that the GPU path gets wrong shows against the CPU engine here, before a GPU
// is at hand. It says nothing of the kernels themselves (layers_test.cpp, optim_test.cpp, on a
// GPU).
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "cuda/device.h"
#include "cuda/layers.h"
#include "nn/layers.h"
#include "optim/optimizer.h"

namespace hs::cuda {

int device_count(std::string* why) { return 1; }
std::string device_name(int) { return "host stand-in"; }
Context::Context(int device) : device_(device) {}
Context::~Context() = default;
void Context::synchronize() const {}

template <class T>
Buffer<T>::Buffer(Context& ctx, size_t n) : ctx_(&ctx), ptr_(new T[n > 0 ? n : 1]()), n_(n) {}
template <class T>
Buffer<T>::~Buffer() {
  delete[] ptr_;
}
template <class T>
Buffer<T>::Buffer(Buffer&& o) noexcept : ctx_(o.ctx_), ptr_(o.ptr_), n_(o.n_) {
  o.ptr_ = nullptr, o.n_ = 0;
}
template <class T>
Buffer<T>& Buffer<T>::operator=(Buffer&& o) noexcept {
  std::swap(ctx_, o.ctx_), std::swap(ptr_, o.ptr_), std::swap(n_, o.n_);
  return *this;
}
template <class T>
void Buffer<T>::upload(const T* host, size_t n) {
  if (n > 0) std::memcpy(ptr_, host, n * sizeof(T));
}
template <class T>
void Buffer<T>::download(T* host, size_t n) const {
  if (n > 0) std::memcpy(host, ptr_, n * sizeof(T));
}
template <class T>
void Buffer<T>::zero() {
  if (n_ > 0) std::memset(ptr_, 0, n_ * sizeof(T));
}
template class Buffer<float>;
template class Buffer<double>;
template class Buffer<int32_t>;

void copy(Context&, float* dst, const float* src, int64_t n) {
  if (n > 0) std::memcpy(dst, src, n * sizeof(float));
}

void dense_forward(Context&, float* out, const float* in, const float* W, const float* b,
                   int64_t B, int64_t C, int64_t OC) {
  hs::dense_forward(out, in, W, b, B, C, OC);
}
void dense_backward(Context&, float* din, float* dW, float* db, const float* dout, const float* in,
                    const float* W, int64_t B, int64_t C, int64_t OC, bool accumulate) {
  hs::dense_backward(din, dW, db, dout, in, W, B, C, OC, accumulate);
}

void im2col(Context&, float* cols, const float* in, const ConvShape& s) {
  hs::im2col(cols, in, s);
}
void col2im(Context&, float* din, const float* cols, const ConvShape& s) {
  hs::col2im(din, cols, s);
}
int64_t conv2d_scratch_size(const ConvShape& s) { return s.rows() * s.patch(); }
// As the device does it: the whole batch's patches, then one GEMM.
void conv2d_forward(Context&, float* out, const float* in, const float* W, const float* b,
                    const ConvShape& s, float* scratch) {
  hs::im2col(scratch, in, s);
  hs::dense_forward(out, scratch, W, b, s.rows(), s.patch(), s.OC);
}
void conv2d_backward(Context&, float* din, float* dW, float* db, const float* dout,
                     const float* in, const float* W, const ConvShape& s, float* scratch,
                     bool accumulate) {
  hs::im2col(scratch, in, s);
  std::vector<float> dcols(din ? static_cast<size_t>(s.rows() * s.patch()) : 0);
  hs::dense_backward(din ? dcols.data() : nullptr, dW, db, dout, scratch, W, s.rows(), s.patch(),
                     s.OC, accumulate);
  if (din) hs::col2im(din, dcols.data(), s);
}

void maxpool_forward(Context&, float* out, int32_t* argmax, const float* in, int64_t B, int H,
                     int W, int C, int P) {
  hs::maxpool_forward(out, argmax, in, B, H, W, C, P);
}
void maxpool_backward(Context&, float* din, const float* dout, const int32_t* argmax, int64_t B,
                      int H, int W, int C, int P) {
  hs::maxpool_backward(din, dout, argmax, B, H, W, C, P);
}

void activation_forward(Context&, Activation a, float* out, const float* in, int64_t n) {
  hs::activation_forward(a, out, in, n);
}
void activation_backward(Context&, Activation a, float* din, const float* dout, const float* in,
                         const float* out, int64_t n) {
  hs::activation_backward(a, din, dout, in, out, n);
}

// The device's rule, not the CPU's stream (layers.h).
void dropout_forward(Context&, float* out, float* mask, const float* in, int64_t n, double p,
                     uint64_t seed) {
  const float keep = static_cast<float>(1.0 / (1.0 - p));
  for (int64_t i = 0; i < n; ++i) {
    mask[i] = counter_uniform(seed, static_cast<uint64_t>(i)) >= p ? keep : 0.0f;
    out[i] = in[i] * mask[i];
  }
}
void dropout_backward(Context&, float* din, const float* dout, const float* mask, int64_t n) {
  hs::dropout_backward(din, dout, mask, n);
}

LossStats softmax_xent_forward(Context&, float* probs, const float* logits, const int32_t* labels,
                               int64_t B, int64_t C, double* row_loss, int32_t* row_hit) {
  LossStats st;
  for (int64_t b = 0; b < B; ++b) {
    const LossStats row = hs::softmax_xent_forward(probs + b * C, logits + b * C, labels + b, 1, C);
    row_loss[b] = row.loss_sum;
    row_hit[b] = static_cast<int32_t>(row.correct);
    st.loss_sum += row.loss_sum;
    st.correct += row.correct;
  }
  return st;
}
void softmax_xent_backward(Context&, float* dlogits, const float* probs, const int32_t* labels,
                           int64_t B, int64_t C, float scale) {
  hs::softmax_xent_backward(dlogits, probs, labels, B, C, scale);
}

void gather_rows(Context&, float* x, int32_t* y, const float* data, const int32_t* labels,
                 const int32_t* index, int64_t B, int64_t D) {
  for (int64_t b = 0; b < B; ++b) {
    std::memcpy(x + b * D, data + static_cast<int64_t>(index[b]) * D, D * sizeof(float));
    y[b] = labels[index[b]];
  }
}

double update_ratio(Context&, const float* before, const float* after, int64_t n, double*) {
  double ww = 0, dd = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double w = before[i], d = static_cast<double>(after[i]) - w;
    ww += w * w, dd += d * d;
  }
  return ww > 0 ? std::sqrt(dd / ww) : std::numeric_limits<double>::infinity();
}

void optimizer_step(Context&, const OptimizerOptions& opt, float lr, float weight_decay,
                    int64_t step, float* w, float* g, float* state, int64_t n,
                    int64_t state_stride) {
  hs::optimizer_step(opt, lr, weight_decay, step, w, g, state, n, state_stride);
}
void momentum_step_folded(Context&, float lr, float mu, float weight_decay, float* w, float* v,
                          int64_t n) {
  hs::momentum_step_folded(lr, mu, weight_decay, w, v, n);
}

}  // namespace hs::cuda
