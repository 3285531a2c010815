// network.cpp: nn/network.cpp's passes on the device. Host code (no kernels of
// its own): it queues cuda/layers.h's functions on the Context's stream in the
// CPU pass's order.
#include "cuda/network.h"

#include <algorithm>
#include <cmath>

#include "core/check.h"
#include "core/rng.h"

namespace hs::cuda {

Workspace make_workspace(Context& ctx, const Network& net, int64_t max_batch) {
  Workspace ws;
  ws.max_batch = max_batch;
  int64_t scratch = 0;
  for (const Layer& l : net.layers) {
    const size_t n = static_cast<size_t>(max_batch * l.out_dim());
    ws.out.emplace_back(ctx, n);
    ws.dout.emplace_back(ctx, n);
    ws.argmax.emplace_back(ctx, l.kind == LayerKind::kMaxPool ? n : 0);
    ws.mask.emplace_back(ctx, l.kind == LayerKind::kDropout ? n : 0);
    if (l.kind == LayerKind::kConv2d)
      scratch = std::max(scratch, conv2d_scratch_size(conv_shape(l, max_batch)));
  }
  ws.conv_scratch = Buffer<float>(ctx, static_cast<size_t>(scratch));
  ws.probs = Buffer<float>(ctx, static_cast<size_t>(max_batch * net.num_classes));
  ws.row_loss = Buffer<double>(ctx, static_cast<size_t>(max_batch));
  ws.row_hit = Buffer<int32_t>(ctx, static_cast<size_t>(max_batch));
  return ws;
}

void forward(Context& ctx, const Network& net, const float* params, const float* x, int64_t B,
             bool train, uint64_t dropout_seed, Workspace& ws) {
  HS_CHECK(B <= ws.max_batch);
  ws.input = x;
  const float* in = x;
  for (size_t i = 0; i < net.layers.size(); ++i) {
    const Layer& l = net.layers[i];
    float* out = ws.out[i].data();
    switch (l.kind) {
      case LayerKind::kDense:
        dense_forward(ctx, out, in, params + l.w_offset, params + l.b_offset, B, l.in_dim(),
                      l.out_c);
        break;
      case LayerKind::kConv2d:
        conv2d_forward(ctx, out, in, params + l.w_offset, params + l.b_offset, conv_shape(l, B),
                       ws.conv_scratch.data());
        break;
      case LayerKind::kMaxPool:
        maxpool_forward(ctx, out, ws.argmax[i].data(), in, B, l.in_h, l.in_w, l.in_c, l.kernel);
        break;
      case LayerKind::kActivation:
        activation_forward(ctx, l.act, out, in, B * l.out_dim());
        break;
      case LayerKind::kDropout:
        if (train)
          dropout_forward(ctx, out, ws.mask[i].data(), in, B * l.out_dim(), l.drop,
                          derive_seed(dropout_seed, i, SeedPurpose::kDropout));
        else
          copy(ctx, out, in, B * l.out_dim());
        break;
    }
    in = out;
  }
}

void backward(Context& ctx, const Network& net, const float* params, float* grads,
              const float* dlogits, int64_t B, Workspace& ws, const GradHook* on_grads) {
  const float* dout = dlogits;
  for (size_t k = net.layers.size(); k-- > 0;) {
    const Layer& l = net.layers[k];
    const float* in = k == 0 ? ws.input : ws.out[k - 1].data();
    float* din = k == 0 ? nullptr : ws.dout[k - 1].data();  // the data needs no gradient
    const int64_t n = B * l.out_dim();
    switch (l.kind) {
      case LayerKind::kDense:
        dense_backward(ctx, din, grads + l.w_offset, grads + l.b_offset, dout, in,
                       params + l.w_offset, B, l.in_dim(), l.out_c, ws.accumulate_grads);
        break;
      case LayerKind::kConv2d:
        conv2d_backward(ctx, din, grads + l.w_offset, grads + l.b_offset, dout, in,
                        params + l.w_offset, conv_shape(l, B), ws.conv_scratch.data(),
                        ws.accumulate_grads);
        break;
      case LayerKind::kMaxPool:
        if (din)
          maxpool_backward(ctx, din, dout, ws.argmax[k].data(), B, l.in_h, l.in_w, l.in_c,
                           l.kernel);
        break;
      case LayerKind::kActivation:
        if (din) activation_backward(ctx, l.act, din, dout, in, ws.out[k].data(), n);
        break;
      case LayerKind::kDropout:
        if (din) dropout_backward(ctx, din, dout, ws.mask[k].data(), n);
        break;
    }
    const bool weighted = l.kind == LayerKind::kDense || l.kind == LayerKind::kConv2d;
    if (weighted && on_grads != nullptr) (*on_grads)(static_cast<int>(k));
    if (din == nullptr) break;
    dout = din;
  }
}

LossStats loss_and_grad(Context& ctx, const Network& net, const float* params, float* grads,
                        const float* x, const int32_t* labels, int64_t B, bool train,
                        uint64_t dropout_seed, Workspace& ws, const GradHook* on_grads) {
  forward(ctx, net, params, x, B, train, dropout_seed, ws);
  const int64_t C = net.num_classes;
  const LossStats st = softmax_xent_forward(ctx, ws.probs.data(), ws.out.back().data(), labels, B,
                                            C, ws.row_loss.data(), ws.row_hit.data());
  if (grads != nullptr && std::isfinite(st.loss_sum)) {
    float* dlogits = ws.dout.back().data();
    softmax_xent_backward(ctx, dlogits, ws.probs.data(), labels, B, C, static_cast<float>(1.0 / B));
    backward(ctx, net, params, grads, dlogits, B, ws, on_grads);
  }
  return st;
}

}  // namespace hs::cuda
