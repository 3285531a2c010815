// optim_test.cpp: the CUDA optimiser steps (src/cuda/layers.h) against their
// CPU twins (src/optim/optimizer.h), and a short training run of a small MLP
// done wholly on the GPU against the same run on the CPU.
//
// Tolerances:
//   - optimizer_step and momentum_step_folded: w and the state within rel 1e-6 plus abs 2e-7,
//     after every step, and g exactly zero. The kernels do the CPU loop's float operations in
//     its order, and Adam's bias corrections are computed on the host in double as the CPU does;
//     but the CPU build (-march=native) lets GCC fuse a * b + c into one rounding and nvcc is
//     told not to (--fmad=false), so a result can differ by an ulp of its largest term, which is
//     below 1 here (inputs in [-1, 1]): 2e-7 is about two ulps of 1, and it matters where w - lr
//     g cancels to near 0 (a host stand-in without fusing differed by 1.7e-9 at w ~ 7e-5).
//   - the training run: the loss of each step within rel 1e-4, the final
//   weights within rel 1e-3,
//     abs 1e-5 (GEMM rounding compounded over five steps).
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "compare.h"
#include "core/rng.h"
#include "cuda/device.h"
#include "cuda/gpu.h"
#include "cuda/layers.h"
#include "nn/layers.h"
#include "optim/optimizer.h"

namespace {

using namespace hs::test;
using hs::OptimizerKind;
using hs::cuda::Buffer;
using hs::cuda::Context;

constexpr float kLr = 0.05f;
constexpr double kFusedAbs = 2e-7;  // see the tolerances above
constexpr OptimizerKind kKinds[] = {OptimizerKind::kSgd,      OptimizerKind::kMomentum,
                                    OptimizerKind::kNesterov, OptimizerKind::kAdagrad,
                                    OptimizerKind::kRmsprop,  OptimizerKind::kAdam,
                                    OptimizerKind::kAdamW};

hs::OptimizerOptions options(OptimizerKind kind, bool custom) {
  hs::OptimizerOptions o;
  o.kind = kind;
  if (custom) {  // not the defaults, so a kernel that hard-codes them fails
    o.momentum = 0.8;
    o.beta1 = 0.85;
    o.beta2 = 0.99;
    o.rms_decay = 0.95;
    o.eps = 1e-6;
  }
  return o;
}

// Three steps (step = 1, 2, 3) from zero state with a fresh gradient each, both
// sides compared after each. With state_stride > n the floats between m's end
// and v's start hold a sentinel that both sides must leave alone.
void run_steps(Context& ctx, const hs::OptimizerOptions& opt, float wd, int64_t n, int64_t stride,
               uint64_t seed) {
  const int per = hs::state_floats_per_param(opt.kind);
  const int64_t state_n = per == 0 ? 1 : per == 1 ? n : (stride > 0 ? stride : n) + n;
  std::vector<float> w = uniform(seed, n), state(state_n, 0.0f);
  if (per == 2)
    for (int64_t i = n; i < stride; ++i) state[i] = 7.0f;
  auto gw = up(ctx, w), gstate = up(ctx, state);
  Buffer<float> gg(ctx, n);
  for (int64_t step = 1; step <= 3; ++step) {
    CAPTURE(step);
    std::vector<float> g = uniform(seed + 1000 * step, n);
    gg.upload(g.data(), g.size());
    hs::optimizer_step(opt, kLr, wd, step, w.data(), g.data(), state.data(), n, stride);
    hs::cuda::optimizer_step(ctx, opt, kLr, wd, step, gw.data(), gg.data(), gstate.data(), n,
                             stride);
    close(gw.to_host(), w, 1e-6, kFusedAbs);
    same(gg.to_host(), std::vector<float>(n, 0.0f));  // consumed, as on the CPU
    close(gstate.to_host(), state, 1e-6, kFusedAbs);
  }
}

}  // namespace

// Every optimiser, with and without weight decay, default and non-default
// options: w, g and the state match the CPU's after each of three steps.
TEST_CASE("cuda optimizer_step matches the cpu", "[cuda]") {
  hs::test::require_gpu();
  Context ctx(0);
  for (OptimizerKind kind : kKinds) {
    for (float wd : {0.0f, 0.01f}) {
      for (bool custom : {false, true}) {
        INFO(hs::optimizer_name(kind) << " weight_decay " << wd << " custom " << custom);
        run_steps(ctx, options(kind, custom), wd, 1003, 0, 91 + static_cast<uint64_t>(kind));
      }
    }
  }
}

// Adam's second moment at state_stride (> n) floats after the first, as for a
// span of a layer.
TEST_CASE("cuda adam honours state_stride", "[cuda]") {
  hs::test::require_gpu();
  Context ctx(0);
  for (OptimizerKind kind : {OptimizerKind::kAdam, OptimizerKind::kAdamW}) {
    for (float wd : {0.0f, 0.01f}) {
      INFO(hs::optimizer_name(kind) << " weight_decay " << wd);
      run_steps(ctx, options(kind, false), wd, 500, 517, 301);
    }
  }
}

// The folded momentum step: w and v equal the CPU's after three steps, each
// after a gradient is added into v (on the host, the same float adds on both
// sides).
TEST_CASE("cuda momentum_step_folded matches the cpu", "[cuda]") {
  hs::test::require_gpu();
  Context ctx(0);
  const int64_t n = 1003;
  const float mu = 0.9f;
  for (float wd : {0.0f, 0.01f}) {
    CAPTURE(wd);
    std::vector<float> w = uniform(401, n), v(n);
    for (int64_t i = 0; i < n; ++i) v[i] = wd * w[i];  // the contract's starting velocity
    auto gw = up(ctx, w);
    Buffer<float> gv(ctx, n);
    for (int step = 1; step <= 3; ++step) {
      CAPTURE(step);
      const auto dW = uniform(410 + step, n);
      for (int64_t i = 0; i < n; ++i) v[i] += dW[i];  // the backward pass's accumulation
      gv.upload(v.data(), v.size());
      hs::momentum_step_folded(kLr, mu, wd, w.data(), v.data(), n);
      hs::cuda::momentum_step_folded(ctx, kLr, mu, wd, gw.data(), gv.data(), n);
      close(gw.to_host(), w, 1e-6, kFusedAbs);
      close(gv.to_host(), v, 1e-6, kFusedAbs);
    }
  }
}

// End to end: dense 20->16, relu, dense 16->5, softmax cross-entropy, five SGD
// steps on one fixed batch of 8, all on the GPU, track the same run on the CPU
// (loss per step, final weights).
TEST_CASE("cuda mlp training tracks the cpu", "[cuda]") {
  hs::test::require_gpu();
  Context ctx(0);
  constexpr int64_t B = 8, I = 20, H = 16, O = 5;
  const float scale = 1.0f / B, lr = 0.1f, wd = 0.01f;
  const auto x = uniform(501, B * I);
  std::vector<int32_t> labels(B);
  for (int64_t b = 0; b < B; ++b) labels[b] = static_cast<int32_t>(b % O);
  // Parameters: W1 (H,I), b1 (H), W2 (O,H), b2 (O); CPU copies and device
  // copies.
  std::vector<std::vector<float>> p = {uniform(502, H * I, -0.5, 0.5), uniform(503, H, -0.1, 0.1),
                                       uniform(504, O * H, -0.5, 0.5), uniform(505, O, -0.1, 0.1)};
  std::vector<Buffer<float>> gp;
  for (const auto& v : p) gp.push_back(up(ctx, v));
  std::vector<std::vector<float>> g(4);
  std::vector<Buffer<float>> gg;
  for (size_t k = 0; k < 4; ++k) {
    g[k].assign(p[k].size(), 0.0f);
    gg.emplace_back(ctx, p[k].size());
  }
  std::vector<float> h1(B * H), a1(B * H), logits(B * O), probs(B * O), dlogits(B * O);
  std::vector<float> da1(B * H), dh1(B * H), state(1, 0.0f);
  auto gx = up(ctx, x);
  auto glabels = up(ctx, labels);
  Buffer<float> gh1(ctx, B * H), ga1(ctx, B * H), glogits(ctx, B * O), gprobs(ctx, B * O);
  Buffer<float> gdlogits(ctx, B * O), gda1(ctx, B * H), gdh1(ctx, B * H), gstate(ctx, 1);
  Buffer<double> row_loss(ctx, B);
  Buffer<int32_t> row_hit(ctx, B);
  hs::OptimizerOptions opt;
  opt.kind = OptimizerKind::kSgd;
  const auto relu = hs::Activation::kRelu;

  double first_loss = 0, last_loss = 0;
  for (int64_t step = 1; step <= 5; ++step) {
    CAPTURE(step);
    hs::dense_forward(h1.data(), x.data(), p[0].data(), p[1].data(), B, I, H);
    hs::activation_forward(relu, a1.data(), h1.data(), B * H);
    hs::dense_forward(logits.data(), a1.data(), p[2].data(), p[3].data(), B, H, O);
    const hs::LossStats cs =
        hs::softmax_xent_forward(probs.data(), logits.data(), labels.data(), B, O);
    hs::softmax_xent_backward(dlogits.data(), probs.data(), labels.data(), B, O, scale);
    hs::dense_backward(da1.data(), g[2].data(), g[3].data(), dlogits.data(), a1.data(), p[2].data(),
                       B, H, O);
    hs::activation_backward(relu, dh1.data(), da1.data(), h1.data(), a1.data(), B * H);
    hs::dense_backward<float>(nullptr, g[0].data(), g[1].data(), dh1.data(), x.data(), p[0].data(),
                              B, I, H);

    hs::cuda::dense_forward(ctx, gh1.data(), gx.data(), gp[0].data(), gp[1].data(), B, I, H);
    hs::cuda::activation_forward(ctx, relu, ga1.data(), gh1.data(), B * H);
    hs::cuda::dense_forward(ctx, glogits.data(), ga1.data(), gp[2].data(), gp[3].data(), B, H, O);
    const hs::LossStats gs = hs::cuda::softmax_xent_forward(
        ctx, gprobs.data(), glogits.data(), glabels.data(), B, O, row_loss.data(), row_hit.data());
    hs::cuda::softmax_xent_backward(ctx, gdlogits.data(), gprobs.data(), glabels.data(), B, O,
                                    scale);
    hs::cuda::dense_backward(ctx, gda1.data(), gg[2].data(), gg[3].data(), gdlogits.data(),
                             ga1.data(), gp[2].data(), B, H, O);
    hs::cuda::activation_backward(ctx, relu, gdh1.data(), gda1.data(), gh1.data(), ga1.data(),
                                  B * H);
    hs::cuda::dense_backward(ctx, nullptr, gg[0].data(), gg[1].data(), gdh1.data(), gx.data(),
                             gp[0].data(), B, I, H);

    for (size_t k = 0; k < 4; ++k) {
      const float decay = k % 2 == 0 ? wd : 0.0f;  // weights decay, biases do not
      const auto n = static_cast<int64_t>(p[k].size());
      hs::optimizer_step(opt, lr, decay, step, p[k].data(), g[k].data(), state.data(), n);
      hs::cuda::optimizer_step(ctx, opt, lr, decay, step, gp[k].data(), gg[k].data(), gstate.data(),
                               n);
    }
    const double closs = cs.loss_sum / B, gloss = gs.loss_sum / B;
    INFO("loss gpu " << num(gloss) << " cpu " << num(closs));
    CHECK(std::fabs(gloss - closs) <= 1e-4 * std::fabs(closs));
    if (step == 1) first_loss = closs;
    last_loss = closs;
  }
  CHECK(last_loss < first_loss);  // the run trains, so the comparison is not of a no-op
  for (size_t k = 0; k < 4; ++k) {
    INFO("parameter " << k);
    close(gp[k].to_host(), p[k], 1e-3, 1e-5);
  }
}
