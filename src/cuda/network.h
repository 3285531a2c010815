// network.h: forward and backward through a whole Network on a CUDA device,
// over one parameter buffer on the device: nn/network.h's passes, layer by
// layer with cuda/layers.h's functions. The same Network layout (nn/model.h),
// so parameters, gradients and optimiser state are the CPU's buffers byte for
// byte and copy across as they are.
//
// May depend on: src/core, nn, cuda's layers. Thread safety: one Workspace per
// Context.
#pragma once

#include <cstdint>
#include <vector>

#include "cuda/device.h"
#include "cuda/layers.h"
#include "nn/network.h"

namespace hs::cuda {

// Every buffer a pass needs for batches up to max_batch, on the device,
// allocated once.
struct Workspace {
  int64_t max_batch = 0;
  std::vector<Buffer<float>> out;       // out[i]: layer i's output (max_batch, out_dim)
  std::vector<Buffer<float>> dout;      // dout[i]: gradient w.r.t. out[i]
  std::vector<Buffer<int32_t>> argmax;  // pool layers
  std::vector<Buffer<float>> mask;      // dropout layers
  Buffer<float> conv_scratch;           // the largest conv layer's patches
  Buffer<float> probs;                  // softmax output (max_batch, classes)
  Buffer<double> row_loss;              // softmax_xent_forward's per-row scratch
  Buffer<int32_t> row_hit;
  const float* input = nullptr;   // the batch given to forward() (device)
  bool accumulate_grads = false;  // backward() adds to grads instead of overwriting
};

Workspace make_workspace(Context& ctx, const Network& net, int64_t max_batch);

// x (B, input_dim) on the device -> logits ws.out.back(). `train` enables
// dropout, whose masks come from dropout_seed (layer i:
// derive_seed(dropout_seed, i, kDropout), as on the CPU, then counter_uniform
// within the layer). REQUIRES: B <= ws.max_batch.
void forward(Context& ctx, const Network& net, const float* params, const float* x, int64_t B,
             bool train, uint64_t dropout_seed, Workspace& ws);

// dlogits (B, classes) -> grads (net.num_params) on the device; on_grads as
// nn's GradHook: called with each weighted layer's index once its gradient is
// queued (the update it makes is queued after it on the same stream).
void backward(Context& ctx, const Network& net, const float* params, float* grads,
              const float* dlogits, int64_t B, Workspace& ws, const GradHook* on_grads = nullptr);

// forward, softmax cross-entropy (mean over the batch) and, when grads is not
// null and the loss is finite, backward. labels (B) on the device. Waits for
// the loss (it decides the backward).
LossStats loss_and_grad(Context& ctx, const Network& net, const float* params, float* grads,
                        const float* x, const int32_t* labels, int64_t B, bool train,
                        uint64_t dropout_seed, Workspace& ws, const GradHook* on_grads = nullptr);

}  // namespace hs::cuda
