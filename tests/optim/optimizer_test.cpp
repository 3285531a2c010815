#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "optim/optimizer.h"

using namespace hs;

namespace {
// Two updates of a two-parameter problem, w0 = (1, -2), with gradients g1 then g2.
const double w0[2] = {1.0, -2.0};
const double g1[2] = {0.5, -0.25};
const double g2[2] = {0.1, 0.3};
constexpr double lr = 0.1;

std::vector<float> run(const OptimizerOptions& opt, float wd, int steps) {
  std::vector<float> w = {float(w0[0]), float(w0[1])};
  std::vector<float> state(2 * state_floats_per_param(opt.kind), 0.0f);
  for (int s = 1; s <= steps; ++s) {
    const double* g = s == 1 ? g1 : g2;
    std::vector<float> gv = {float(g[0]), float(g[1])};
    optimizer_step(opt, float(lr), wd, s, w.data(), gv.data(), state.data(), 2);
    // The gradient is consumed: left zero for the trainer's accumulating backward pass.
    CHECK(gv[0] == 0.0f);
    CHECK(gv[1] == 0.0f);
  }
  return w;
}

OptimizerOptions with(OptimizerKind k) {
  OptimizerOptions o;
  o.kind = k;
  return o;
}

// The optimiser runs in float32: a few ulps of the O(1) intermediates, far below the difference
// any wrong rule makes (a missing bias correction, say, changes the first Adam step threefold).
void check(const std::vector<float>& got, double e0, double e1) {
  CHECK(got[0] == Approx(e0).epsilon(2e-5).margin(2e-5));
  CHECK(got[1] == Approx(e1).epsilon(2e-5).margin(2e-5));
}
}  // namespace

// The expected values below are the textbook update rules written out by hand for these numbers.
TEST_CASE("sgd takes w - lr g", "[optim]") {
  check(run(with(OptimizerKind::kSgd), 0, 1), 1.0 - 0.1 * 0.5, -2.0 + 0.1 * 0.25);
  check(run(with(OptimizerKind::kSgd), 0, 2), 1.0 - 0.05 - 0.01, -2.0 + 0.025 - 0.03);
}

TEST_CASE("momentum accumulates a velocity", "[optim]") {
  // v1 = g1, w1 = w0 - lr g1; v2 = 0.9 g1 + g2, w2 = w1 - lr v2
  const double v2_0 = 0.9 * 0.5 + 0.1, v2_1 = 0.9 * -0.25 + 0.3;
  check(run(with(OptimizerKind::kMomentum), 0, 2), 1.0 - 0.05 - 0.1 * v2_0,
        -2.0 + 0.025 - 0.1 * v2_1);
}

TEST_CASE("nesterov looks ahead along the velocity", "[optim]") {
  // w1 = w0 - lr (g1 + 0.9 v1) with v1 = g1; w2 = w1 - lr (g2 + 0.9 v2)
  const double w1_0 = 1.0 - 0.1 * (0.5 + 0.9 * 0.5), w1_1 = -2.0 - 0.1 * (-0.25 + 0.9 * -0.25);
  const double v2_0 = 0.9 * 0.5 + 0.1, v2_1 = 0.9 * -0.25 + 0.3;
  check(run(with(OptimizerKind::kNesterov), 0, 2), w1_0 - 0.1 * (0.1 + 0.9 * v2_0),
        w1_1 - 0.1 * (0.3 + 0.9 * v2_1));
}

TEST_CASE("adagrad divides by the root of the summed squares", "[optim]") {
  const double e = 1e-8;
  const double w1_0 = 1.0 - 0.1 * 0.5 / (0.5 + e), w1_1 = -2.0 + 0.1 * 0.25 / (0.25 + e);
  check(run(with(OptimizerKind::kAdagrad), 0, 2),
        w1_0 - 0.1 * 0.1 / (std::sqrt(0.25 + 0.01) + e),
        w1_1 - 0.1 * 0.3 / (std::sqrt(0.0625 + 0.09) + e));
}

TEST_CASE("rmsprop divides by a running root mean square", "[optim]") {
  const double e = 1e-8;
  const double s1_0 = 0.01 * 0.25, s1_1 = 0.01 * 0.0625;
  const double w1_0 = 1.0 - 0.1 * 0.5 / (std::sqrt(s1_0) + e);
  const double w1_1 = -2.0 + 0.1 * 0.25 / (std::sqrt(s1_1) + e);
  const double s2_0 = 0.99 * s1_0 + 0.01 * 0.01, s2_1 = 0.99 * s1_1 + 0.01 * 0.09;
  check(run(with(OptimizerKind::kRmsprop), 0, 2), w1_0 - 0.1 * 0.1 / (std::sqrt(s2_0) + e),
        w1_1 - 0.1 * 0.3 / (std::sqrt(s2_1) + e));
}

TEST_CASE("adam uses bias-corrected moments", "[optim]") {
  const double e = 1e-8;
  // Step 1: m_hat = g1 and v_hat = g1^2, so the step is lr * sign(g1) (up to eps).
  const double w1_0 = 1.0 - 0.1 * 0.5 / (0.5 + e), w1_1 = -2.0 + 0.1 * 0.25 / (0.25 + e);
  check(run(with(OptimizerKind::kAdam), 0, 1), w1_0, w1_1);
  auto step2 = [&](double a, double b, double w1) {
    const double m = 0.9 * 0.1 * a + 0.1 * b, v = 0.999 * 0.001 * a * a + 0.001 * b * b;
    const double mh = m / (1 - 0.81), vh = v / (1 - 0.998001);
    return w1 - 0.1 * mh / (std::sqrt(vh) + e);
  };
  check(run(with(OptimizerKind::kAdam), 0, 2), step2(0.5, 0.1, w1_0), step2(-0.25, 0.3, w1_1));
}

TEST_CASE("L2 weight decay adds wd w to the gradient", "[optim][decay]") {
  const double wd = 0.01;
  check(run(with(OptimizerKind::kSgd), float(wd), 1), 1.0 - 0.1 * (0.5 + wd * 1.0),
        -2.0 - 0.1 * (-0.25 + wd * -2.0));
}

TEST_CASE("AdamW decays the weights directly, unlike Adam with L2", "[optim][decay]") {
  const double wd = 0.1, e = 1e-8;
  // AdamW step 1: w (1 - lr wd) - lr g1/(|g1| + eps)
  const auto adamw = run(with(OptimizerKind::kAdamW), float(wd), 1);
  check(adamw, 1.0 * (1 - 0.01) - 0.1 * 0.5 / (0.5 + e), -2.0 * (1 - 0.01) + 0.1 * 0.25 / (0.25 + e));
  // Adam + L2 step 1: g' = g1 + wd w0 = (0.6, -0.45): the step is lr * sign(g'), no shrinkage.
  const auto adam = run(with(OptimizerKind::kAdam), float(wd), 1);
  check(adam, 1.0 - 0.1 * 0.6 / (0.6 + e), -2.0 + 0.1 * 0.45 / (0.45 + e));
  CHECK(std::abs(adam[0] - adamw[0]) > 5e-3);
  CHECK(std::abs(adam[1] - adamw[1]) > 5e-3);
}

TEST_CASE("optimizer names round-trip", "[optim]") {
  for (auto k : {OptimizerKind::kSgd, OptimizerKind::kMomentum, OptimizerKind::kNesterov,
                 OptimizerKind::kAdagrad, OptimizerKind::kRmsprop, OptimizerKind::kAdam,
                 OptimizerKind::kAdamW}) {
    OptimizerKind back;
    REQUIRE(parse_optimizer(optimizer_name(k), &back));
    CHECK(back == k);
  }
  OptimizerKind k;
  CHECK_FALSE(parse_optimizer("adamx", &k));
}

TEST_CASE("momentum folded into the velocity takes the same steps", "[optim]") {
  // The backward pass adds each gradient into v, which the previous step left as mu v + wd w.
  OptimizerOptions opt = with(OptimizerKind::kMomentum);
  for (const float wd : {0.0f, 0.01f}) {
    std::vector<float> w = {float(w0[0]), float(w0[1])};
    std::vector<float> v = {wd * w[0], wd * w[1]};
    for (int s = 1; s <= 2; ++s) {
      const double* g = s == 1 ? g1 : g2;
      v[0] += float(g[0]), v[1] += float(g[1]);
      momentum_step_folded(float(lr), float(opt.momentum), wd, w.data(), v.data(), 2);
    }
    const auto ref = run(opt, wd, 2);
    INFO("weight decay " << wd);
    check(w, ref[0], ref[1]);
  }
}
