// network.h: forward and backward through a whole Network over its one parameter buffer.
//
// A Workspace holds every buffer a pass needs: each layer's output and the pool argmaxes for
// batches up to `max_batch`, the output gradients and dropout masks for training batches up to
// `max_train_batch` (evaluation batches are larger and need neither), and the convolutions' chunk
// buffers. It is allocated once per run, so training allocates nothing per step.
//
// May depend on: src/core, nn layers. Thread safety: one Workspace per concurrent pass.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "nn/aligned.h"
#include "nn/layers.h"
#include "nn/model.h"

namespace hs {

template <class T>
struct Workspace {
  int64_t max_batch = 0;        // the largest batch forward() takes
  int64_t max_train_batch = 0;  // the largest batch forward(train = true) and backward() take
  std::vector<AlignedVector<T>> out;   // out[i]: layer i's output (max_batch, out_dim)
  std::vector<AlignedVector<T>> dout;  // dout[i]: gradient w.r.t. out[i] (max_train_batch, ...)
  AlignedVector<T> conv_scratch;       // conv layers' chunk buffers (conv2d_scratch_size)
  std::vector<std::vector<int32_t>> argmax;  // pool layers
  std::vector<AlignedVector<T>> mask;        // dropout layers (max_train_batch, out_dim)
  AlignedVector<T> probs;                    // softmax output (max_batch, classes)
  const T* input = nullptr;              // the batch given to forward()
  bool accumulate_grads = false;         // backward() adds to grads instead of overwriting
};

// REQUIRES: max_train_batch <= max_batch; max_train_batch < 0 means max_batch.
template <class T>
Workspace<T> make_workspace(const Network& net, int64_t max_batch, int64_t max_train_batch = -1);

// A conv layer's shape for a batch of B.
ConvShape conv_shape(const Layer& l, int64_t B);

// x (B, input_dim) -> logits ws.out.back() (B, classes). `train` enables dropout, whose masks
// come from dropout_seed (layer i uses derive_seed(dropout_seed, i, kDropout)).
// REQUIRES: B <= ws.max_batch (ws.max_train_batch when train); x stays valid until backward()
// returns.
template <class T>
void forward(const Network& net, const T* params, const T* x, int64_t B, bool train,
             uint64_t dropout_seed, Workspace<T>& ws);

// Called by backward() with a weighted layer's index as soon as that layer's gradients are final
// and the pass will not read its parameters again: the trainer updates the layer there, while its
// gradient is still in cache.
using GradHook = std::function<void(int layer)>;

// dlogits (B, classes) -> grads (net.num_params), overwritten (added to when
// ws.accumulate_grads). Uses the buffers forward() left.
template <class T>
void backward(const Network& net, const T* params, T* grads, const T* dlogits, int64_t B,
              Workspace<T>& ws, const GradHook* on_grads = nullptr);

// forward, softmax cross-entropy (mean over the batch) and, when grads is not null and the loss
// is finite, backward (with on_grads as there). A non-finite loss leaves grads untouched.
template <class T>
LossStats loss_and_grad(const Network& net, const T* params, T* grads, const T* x,
                        const int32_t* labels, int64_t B, bool train, uint64_t dropout_seed,
                        Workspace<T>& ws, const GradHook* on_grads = nullptr);

}  // namespace hs
