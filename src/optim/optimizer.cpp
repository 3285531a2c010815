#include "optim/optimizer.h"

#include <cmath>

namespace hs {

namespace {
struct Name {
  OptimizerKind kind;
  const char* name;
};
constexpr Name kNames[] = {
    {OptimizerKind::kSgd, "sgd"},         {OptimizerKind::kMomentum, "momentum"},
    {OptimizerKind::kNesterov, "nesterov"}, {OptimizerKind::kAdagrad, "adagrad"},
    {OptimizerKind::kRmsprop, "rmsprop"}, {OptimizerKind::kAdam, "adam"},
    {OptimizerKind::kAdamW, "adamw"},
};
}  // namespace

const char* optimizer_name(OptimizerKind kind) {
  for (const auto& n : kNames)
    if (n.kind == kind) return n.name;
  return "?";
}

bool parse_optimizer(std::string_view name, OptimizerKind* out) {
  for (const auto& n : kNames)
    if (name == n.name) {
      *out = n.kind;
      return true;
    }
  return false;
}

int state_floats_per_param(OptimizerKind kind) {
  switch (kind) {
    case OptimizerKind::kSgd: return 0;
    case OptimizerKind::kAdam:
    case OptimizerKind::kAdamW: return 2;
    default: return 1;
  }
}

// The loops are plain and branch-free inside so g++ vectorises them (-O3 -march=native).
void optimizer_step(const OptimizerOptions& opt, float lr, float weight_decay, int64_t step,
                    float* __restrict w, float* __restrict g, float* __restrict state,
                    int64_t n, int64_t state_stride) {
  const float wd = weight_decay;
  if (opt.kind != OptimizerKind::kAdamW && wd != 0.0f) {
    for (int64_t i = 0; i < n; ++i) g[i] += wd * w[i];
  }
  switch (opt.kind) {
    case OptimizerKind::kSgd:
      for (int64_t i = 0; i < n; ++i) {
        w[i] -= lr * g[i];
        g[i] = 0.0f;
      }
      break;
    case OptimizerKind::kMomentum: {
      const float mu = static_cast<float>(opt.momentum);
      float* v = state;
      for (int64_t i = 0; i < n; ++i) {
        v[i] = mu * v[i] + g[i];
        w[i] -= lr * v[i];
        g[i] = 0.0f;  // consumed: ready for the next accumulation
      }
      break;
    }
    case OptimizerKind::kNesterov: {
      const float mu = static_cast<float>(opt.momentum);
      float* v = state;
      for (int64_t i = 0; i < n; ++i) {
        v[i] = mu * v[i] + g[i];
        w[i] -= lr * (g[i] + mu * v[i]);
        g[i] = 0.0f;  // consumed: ready for the next accumulation
      }
      break;
    }
    case OptimizerKind::kAdagrad: {
      const float eps = static_cast<float>(opt.eps);
      float* s = state;
      for (int64_t i = 0; i < n; ++i) {
        s[i] += g[i] * g[i];
        w[i] -= lr * g[i] / (std::sqrt(s[i]) + eps);
        g[i] = 0.0f;  // consumed: ready for the next accumulation
      }
      break;
    }
    case OptimizerKind::kRmsprop: {
      const float a = static_cast<float>(opt.rms_decay);
      const float eps = static_cast<float>(opt.eps);
      float* s = state;
      for (int64_t i = 0; i < n; ++i) {
        s[i] = a * s[i] + (1.0f - a) * g[i] * g[i];
        w[i] -= lr * g[i] / (std::sqrt(s[i]) + eps);
        g[i] = 0.0f;  // consumed: ready for the next accumulation
      }
      break;
    }
    case OptimizerKind::kAdam:
    case OptimizerKind::kAdamW: {
      if (opt.kind == OptimizerKind::kAdamW && wd != 0.0f) {
        const float shrink = 1.0f - lr * wd;
        for (int64_t i = 0; i < n; ++i) w[i] *= shrink;
      }
      const float b1 = static_cast<float>(opt.beta1), b2 = static_cast<float>(opt.beta2);
      const float eps = static_cast<float>(opt.eps);
      // Bias corrections in double: b^t underflows gracefully and 1 - b^t stays accurate.
      const double t = static_cast<double>(step);
      const float c1 = static_cast<float>(1.0 / (1.0 - std::pow(opt.beta1, t)));
      const float c2 = static_cast<float>(1.0 / (1.0 - std::pow(opt.beta2, t)));
      float* m = state;
      float* v = state + (state_stride > 0 ? state_stride : n);
      for (int64_t i = 0; i < n; ++i) {
        m[i] = b1 * m[i] + (1.0f - b1) * g[i];
        v[i] = b2 * v[i] + (1.0f - b2) * g[i] * g[i];
        w[i] -= lr * (m[i] * c1) / (std::sqrt(v[i] * c2) + eps);
        g[i] = 0.0f;  // consumed: ready for the next accumulation
      }
      break;
    }
  }
}

void momentum_step_folded(float lr, float mu, float weight_decay, float* __restrict w,
                          float* __restrict v, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const float wi = w[i] - lr * v[i];
    w[i] = wi;
    v[i] = mu * v[i] + weight_decay * wi;
  }
}

}  // namespace hs
