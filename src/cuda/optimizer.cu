// optimizer.cu: optim/optimizer.h's steps over device buffers, one thread per
// parameter. The arithmetic is the CPU loop's, operation for operation, and
// this file is compiled without FMA contraction, so a step gives the CPU's bits
// (sqrt and division are IEEE-rounded on both).
#include <cmath>

#include "core/check.h"
#include "cuda/check.cuh"
#include "cuda/layers.h"

namespace hs::cuda {
namespace {

constexpr int kThreads = 256;

unsigned blocks_for(int64_t n) {
  const int64_t b = (n + kThreads - 1) / kThreads;
  return static_cast<unsigned>(b < 1 ? 1 : (b > 65535 ? 65535 : b));
}

// What a step needs besides the buffers, computed once on the host as the CPU
// does.
struct StepConsts {
  OptimizerKind kind;
  float lr, wd;
  float mu;           // momentum, nesterov
  float a;            // rmsprop's decay
  float b1, b2, eps;  // adam, adamw (eps: adagrad, rmsprop too)
  float c1, c2;       // adam's bias corrections
  float shrink;       // adamw: 1 - lr wd
};

__global__ void step_kernel(StepConsts k, float* w, float* g, float* s0, float* s1, int64_t n) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(blockDim.x) * gridDim.x) {
    float gi = g[i];
    if (k.kind != OptimizerKind::kAdamW && k.wd != 0.0f) gi += k.wd * w[i];
    switch (k.kind) {
      case OptimizerKind::kSgd:
        w[i] -= k.lr * gi;
        break;
      case OptimizerKind::kMomentum:
        s0[i] = k.mu * s0[i] + gi;
        w[i] -= k.lr * s0[i];
        break;
      case OptimizerKind::kNesterov:
        s0[i] = k.mu * s0[i] + gi;
        w[i] -= k.lr * (gi + k.mu * s0[i]);
        break;
      case OptimizerKind::kAdagrad:
        s0[i] += gi * gi;
        w[i] -= k.lr * gi / (sqrtf(s0[i]) + k.eps);
        break;
      case OptimizerKind::kRmsprop:
        s0[i] = k.a * s0[i] + (1.0f - k.a) * gi * gi;
        w[i] -= k.lr * gi / (sqrtf(s0[i]) + k.eps);
        break;
      case OptimizerKind::kAdam:
      case OptimizerKind::kAdamW:
        if (k.kind == OptimizerKind::kAdamW && k.wd != 0.0f) w[i] *= k.shrink;
        s0[i] = k.b1 * s0[i] + (1.0f - k.b1) * gi;
        s1[i] = k.b2 * s1[i] + (1.0f - k.b2) * gi * gi;
        w[i] -= k.lr * (s0[i] * k.c1) / (sqrtf(s1[i] * k.c2) + k.eps);
        break;
    }
    g[i] = 0.0f;  // consumed: ready for the next accumulation
  }
}

__global__ void folded_kernel(float lr, float mu, float wd, float* w, float* v, int64_t n) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(blockDim.x) * gridDim.x) {
    const float wi = w[i] - lr * v[i];
    w[i] = wi;
    v[i] = mu * v[i] + wd * wi;
  }
}

}  // namespace

void optimizer_step(Context& ctx, const OptimizerOptions& opt, float lr, float weight_decay,
                    int64_t step, float* w, float* g, float* state, int64_t n,
                    int64_t state_stride) {
  HS_CHECK(n >= 0 && std::isfinite(lr));
  if (n == 0) return;
  StepConsts k{};
  k.kind = opt.kind;
  k.lr = lr;
  k.wd = weight_decay;
  k.mu = static_cast<float>(opt.momentum);
  k.a = static_cast<float>(opt.rms_decay);
  k.b1 = static_cast<float>(opt.beta1);
  k.b2 = static_cast<float>(opt.beta2);
  k.eps = static_cast<float>(opt.eps);
  const double t = static_cast<double>(step);
  k.c1 = static_cast<float>(1.0 / (1.0 - std::pow(opt.beta1, t)));
  k.c2 = static_cast<float>(1.0 / (1.0 - std::pow(opt.beta2, t)));
  k.shrink = 1.0f - lr * weight_decay;
  float* s1 = state ? state + (state_stride > 0 ? state_stride : n) : nullptr;
  step_kernel<<<blocks_for(n), kThreads, 0, static_cast<cudaStream_t>(ctx.stream())>>>(
      k, w, g, state, s1, n);
  HS_CUDA_LAUNCHED();
}

void momentum_step_folded(Context& ctx, float lr, float mu, float weight_decay, float* w, float* v,
                          int64_t n) {
  if (n == 0) return;
  folded_kernel<<<blocks_for(n), kThreads, 0, static_cast<cudaStream_t>(ctx.stream())>>>(
      lr, mu, weight_decay, w, v, n);
  HS_CUDA_LAUNCHED();
}

}  // namespace hs::cuda
