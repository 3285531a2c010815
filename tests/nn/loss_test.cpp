#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "gradcheck.h"
#include "nn/layers.h"

using namespace hs;
using namespace hs::test;

TEST_CASE("softmax cross-entropy of equal logits is ln(C)", "[nn][loss]") {
  // The lecture's initial-loss check: an untrained net should score about ln(C).
  const int64_t B = 3, C = 10;
  std::vector<double> logits(B * C, 0.7), probs(B * C);
  const std::vector<int32_t> y = {0, 4, 9};
  const LossStats st = softmax_xent_forward(probs.data(), logits.data(), y.data(), B, C);
  CHECK(st.loss_sum / B == Approx(std::log(10.0)).epsilon(1e-12));
  for (double p : probs) CHECK(p == Approx(0.1));
}

TEST_CASE("softmax cross-entropy matches a hand computation and counts correct argmaxes",
          "[nn][loss]") {
  const std::vector<double> logits = {1.0, 2.0, 3.0,   // label 2: correct
                                      5.0, 1.0, 0.0};  // label 1: wrong
  const std::vector<int32_t> y = {2, 1};
  std::vector<double> probs(6);
  const LossStats st = softmax_xent_forward(probs.data(), logits.data(), y.data(), 2, 3);
  const double l0 = -std::log(std::exp(3.0) / (std::exp(1.0) + std::exp(2.0) + std::exp(3.0)));
  const double l1 = -std::log(std::exp(1.0) / (std::exp(5.0) + std::exp(1.0) + std::exp(0.0)));
  CHECK(st.loss_sum == Approx(l0 + l1).epsilon(1e-12));
  CHECK(st.correct == 1);
}

TEST_CASE("softmax cross-entropy is stable for large logits and flags non-finite ones",
          "[nn][loss]") {
  std::vector<double> logits = {1000.0, 0.0}, probs(2);
  const std::vector<int32_t> y = {0};
  CHECK(std::isfinite(softmax_xent_forward(probs.data(), logits.data(), y.data(), 1, 2).loss_sum));
  logits[1] = std::numeric_limits<double>::quiet_NaN();
  CHECK_FALSE(
      std::isfinite(softmax_xent_forward(probs.data(), logits.data(), y.data(), 1, 2).loss_sum));
  logits = {std::numeric_limits<double>::infinity(), 0.0};
  CHECK_FALSE(
      std::isfinite(softmax_xent_forward(probs.data(), logits.data(), y.data(), 1, 2).loss_sum));
}

TEST_CASE("softmax cross-entropy gradient matches finite differences", "[nn][loss][grad]") {
  const int64_t B = 6, C = 5;
  auto logits = random_vector(B * C, 41, 2.0);
  const std::vector<int32_t> y = {0, 1, 2, 3, 4, 2};
  std::vector<double> probs(B * C), d(B * C);
  auto loss = [&] {
    return softmax_xent_forward(probs.data(), logits.data(), y.data(), B, C).loss_sum / B;
  };
  loss();
  softmax_xent_backward(d.data(), probs.data(), y.data(), B, C, 1.0 / B);
  check_grad("dlogits", logits, d, loss);
}
