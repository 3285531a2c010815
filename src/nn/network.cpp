#include "nn/network.h"

#include <omp.h>

#include <algorithm>
#include <cmath>

#include "core/check.h"
#include "core/rng.h"

namespace hs {

ConvShape conv_shape(const Layer& l, int64_t B) {
  ConvShape s;
  s.B = B, s.H = l.in_h, s.W = l.in_w, s.C = l.in_c;
  s.OC = l.out_c, s.K = l.kernel, s.stride = l.stride, s.pad = l.pad;
  return s;
}

namespace {

// Sized for the current thread count, which may grow between passes (omp_set_num_threads).
template <class T>
void fit_conv_scratch(const Network& net, Workspace<T>& ws) {
  const int threads = omp_get_max_threads();
  int64_t need = 0;
  for (const Layer& l : net.layers)
    if (l.kind == LayerKind::kConv2d)
      need = std::max(need, conv2d_scratch_size<T>(conv_shape(l, ws.max_batch), threads));
  if (static_cast<int64_t>(ws.conv_scratch.size()) < need) ws.conv_scratch.resize(need);
}
}  // namespace

template <class T>
Workspace<T> make_workspace(const Network& net, int64_t max_batch, int64_t max_train_batch) {
  if (max_train_batch < 0) max_train_batch = max_batch;
  HS_CHECK(max_train_batch <= max_batch);
  Workspace<T> ws;
  ws.max_batch = max_batch;
  ws.max_train_batch = max_train_batch;
  const size_t n = net.layers.size();
  ws.out.resize(n), ws.dout.resize(n);
  ws.argmax.resize(n), ws.mask.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const Layer& l = net.layers[i];
    ws.out[i].resize(max_batch * l.out_dim());
    ws.dout[i].resize(max_train_batch * l.out_dim());
    if (l.kind == LayerKind::kMaxPool) ws.argmax[i].resize(max_batch * l.out_dim());
    if (l.kind == LayerKind::kDropout) ws.mask[i].resize(max_train_batch * l.out_dim());
  }
  ws.probs.resize(max_batch * net.num_classes);
  fit_conv_scratch(net, ws);
  return ws;
}

template <class T>
void forward(const Network& net, const T* params, const T* x, int64_t B, bool train,
             uint64_t dropout_seed, Workspace<T>& ws) {
  HS_CHECK(B <= (train ? ws.max_train_batch : ws.max_batch));
  ws.input = x;
  fit_conv_scratch(net, ws);
  const T* in = x;
  for (size_t i = 0; i < net.layers.size(); ++i) {
    const Layer& l = net.layers[i];
    T* out = ws.out[i].data();
    switch (l.kind) {
      case LayerKind::kDense:
        dense_forward(out, in, params + l.w_offset, params + l.b_offset, B, l.in_dim(), l.out_c);
        break;
      case LayerKind::kConv2d:
        conv2d_forward(out, in, params + l.w_offset, params + l.b_offset, conv_shape(l, B),
                       ws.conv_scratch.data());
        break;
      case LayerKind::kMaxPool:
        maxpool_forward(out, ws.argmax[i].data(), in, B, l.in_h, l.in_w, l.in_c, l.kernel);
        break;
      case LayerKind::kActivation:
        activation_forward(l.act, out, in, B * l.out_dim());
        break;
      case LayerKind::kDropout:
        if (train) {
          dropout_forward(out, ws.mask[i].data(), in, B * l.out_dim(), l.drop,
                          derive_seed(dropout_seed, i, SeedPurpose::kDropout));
        } else {
          std::copy(in, in + B * l.out_dim(), out);
        }
        break;
    }
    in = out;
  }
}

template <class T>
void backward(const Network& net, const T* params, T* grads, const T* dlogits, int64_t B,
              Workspace<T>& ws, const GradHook* on_grads) {
  // forward() has sized ws.conv_scratch for this pass.
  HS_CHECK(B <= ws.max_train_batch);
  const T* dout = dlogits;
  for (size_t k = net.layers.size(); k-- > 0;) {
    const Layer& l = net.layers[k];
    const T* in = k == 0 ? ws.input : ws.out[k - 1].data();
    // The gradient w.r.t. this layer's input is the previous layer's output gradient; the first
    // layer's input is data and needs none.
    T* din = k == 0 ? nullptr : ws.dout[k - 1].data();
    const int64_t n = B * l.out_dim();
    switch (l.kind) {
      case LayerKind::kDense:
        dense_backward(din, grads + l.w_offset, grads + l.b_offset, dout, in,
                       params + l.w_offset, B, l.in_dim(), l.out_c, ws.accumulate_grads);
        break;
      case LayerKind::kConv2d:
        conv2d_backward(din, grads + l.w_offset, grads + l.b_offset, dout, in,
                        params + l.w_offset, conv_shape(l, B), ws.conv_scratch.data(),
                        ws.accumulate_grads);
        break;
      case LayerKind::kMaxPool:
        if (din) maxpool_backward(din, dout, ws.argmax[k].data(), B, l.in_h, l.in_w, l.in_c,
                                  l.kernel);
        break;
      case LayerKind::kActivation:
        if (din) activation_backward(l.act, din, dout, in, ws.out[k].data(), n);
        break;
      case LayerKind::kDropout:
        if (din) dropout_backward(din, dout, ws.mask[k].data(), n);
        break;
    }
    const bool weighted = l.kind == LayerKind::kDense || l.kind == LayerKind::kConv2d;
    if (weighted && on_grads != nullptr) (*on_grads)(static_cast<int>(k));
    if (din == nullptr) break;
    dout = din;
  }
}

template <class T>
LossStats loss_and_grad(const Network& net, const T* params, T* grads, const T* x,
                        const int32_t* labels, int64_t B, bool train, uint64_t dropout_seed,
                        Workspace<T>& ws, const GradHook* on_grads) {
  forward(net, params, x, B, train, dropout_seed, ws);
  const LossStats st = softmax_xent_forward(ws.probs.data(), ws.out.back().data(), labels, B,
                                            static_cast<int64_t>(net.num_classes));
  if (grads != nullptr && std::isfinite(st.loss_sum)) {
    T* dlogits = ws.dout.back().data();
    softmax_xent_backward(dlogits, ws.probs.data(), labels, B,
                          static_cast<int64_t>(net.num_classes), static_cast<T>(1.0 / B));
    backward(net, params, grads, dlogits, B, ws, on_grads);
  }
  return st;
}

#define HS_INSTANTIATE(T)                                                                     \
  template Workspace<T> make_workspace<T>(const Network&, int64_t, int64_t);                  \
  template void forward<T>(const Network&, const T*, const T*, int64_t, bool, uint64_t,       \
                           Workspace<T>&);                                                    \
  template void backward<T>(const Network&, const T*, T*, const T*, int64_t, Workspace<T>&,   \
                            const GradHook*);                                                 \
  template LossStats loss_and_grad<T>(const Network&, const T*, T*, const T*, const int32_t*, \
                                      int64_t, bool, uint64_t, Workspace<T>&, const GradHook*);
HS_INSTANTIATE(float)
HS_INSTANTIATE(double)
#undef HS_INSTANTIATE

}  // namespace hs
