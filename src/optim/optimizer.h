// optimizer.h: parameter updates for the optimisers of lecture 11.1 (SGD, SGD+momentum, Nesterov,
// Adagrad, RMSProp, Adam, AdamW), as free functions over contiguous buffers.
//
// The caller owns three buffers of the same length per tensor: parameters, gradients and the
// optimiser state (state_floats_per_param(kind) floats per parameter, laid out [s0 | s1]).
// Weight decay: every optimiser but AdamW adds the L2 term `weight_decay * w` to the gradient
// (L2 regularisation); AdamW decays the weight directly, `w -= lr * weight_decay * w`, outside
// the adaptive scaling (Loshchilov & Hutter). The caller passes weight_decay = 0 for biases.
//
// May depend on: src/core. Knows nothing of networks, data, MPI.
// Thread safety: optimizer_step touches only the spans given; callers may run it on disjoint spans
// from different threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace hs {

enum class OptimizerKind { kSgd, kMomentum, kNesterov, kAdagrad, kRmsprop, kAdam, kAdamW };

// Names as written in config files: sgd, momentum, nesterov, adagrad, rmsprop, adam, adamw.
const char* optimizer_name(OptimizerKind kind);
bool parse_optimizer(std::string_view name, OptimizerKind* out);

struct OptimizerOptions {
  OptimizerKind kind = OptimizerKind::kMomentum;
  double momentum = 0.9;      // momentum / nesterov: velocity decay (rho)
  double beta1 = 0.9;         // adam/adamw: first-moment decay
  double beta2 = 0.999;       // adam/adamw: second-moment decay
  double rms_decay = 0.99;    // rmsprop: squared-gradient decay (PyTorch's alpha)
  double eps = 1e-8;          // adagrad/rmsprop/adam/adamw: added to the denominator
  double weight_decay = 0.0;  // L2 coefficient (decoupled for adamw)
};

// Floats of optimiser state per parameter: 0 (sgd), 1 (momentum, nesterov, adagrad, rmsprop),
// 2 (adam, adamw).
int state_floats_per_param(OptimizerKind kind);

// One update of n parameters.
//   w (n), g (n): parameters and their gradient; g is left zero, ready for a backward pass that
//   accumulates into it.
//   state: zero at the first step. Its second array (adam's v) starts state_stride floats after
//   the first; 0 means n. A stride lets threads update disjoint spans of one layer while the
//   state keeps the whole layer's [m | v] layout.
//   lr: this step's learning rate; weight_decay: as in OptimizerOptions, 0 to skip.
//   step: 1-based count of updates so far including this one (Adam's bias correction).
// REQUIRES: n >= 0, lr finite.
// Formulas (PyTorch's conventions, so hand-computed steps and baselines agree):
//   sgd:      w -= lr * g
//   momentum: v = mu v + g;             w -= lr * v
//   nesterov: v = mu v + g;             w -= lr * (g + mu v)
//   adagrad:  s += g^2;                  w -= lr * g / (sqrt(s) + eps)
//   rmsprop:  s = a s + (1-a) g^2;       w -= lr * g / (sqrt(s) + eps)
//   adam:     m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
//             w -= lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)
//   adamw:    w -= lr * wd * w, then the adam update with wd = 0
// where g already includes + wd * w for every kind but adamw.
void optimizer_step(const OptimizerOptions& opt, float lr, float weight_decay, int64_t step,
                    float* w, float* g, float* state, int64_t n, int64_t state_stride = 0);

// SGD with momentum, gradient folded into the velocity. The backward pass adds dW straight into
// v, which the previous call left "pre-scaled" as mu v + wd w. This call then takes the step and
// pre-scales again:
//   v = (mu v_prev + wd w) + dW  (the backward pass);  w -= lr v;  v = mu v + wd w
// That is the momentum rule above, with the gradient taken at the current w. It makes one pass
// with two streams in and two out, where optimizer_step makes three of each. Before the first
// step, v must be wd * w (zero when wd is 0).
void momentum_step_folded(float lr, float mu, float weight_decay, float* w, float* v, int64_t n);

}  // namespace hs
