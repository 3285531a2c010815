// initial_loss.h: the lecture's first check (11.2.4, step 1), written once for both its users:
// the recipe's step 1 (recipe/steps.h), which measures the loss before training, and the
// diagnosis's initial_loss label (diagnosis.h), which reads the loss a trial recorded before its
// first update. An untrained network should predict about uniformly, so its mean cross-entropy
// should be near ln(C), the loss of uniform predictions over C classes.
//
// May depend on: the standard library. Thread safety: pure functions.
#pragma once

#include <cmath>
#include <limits>

namespace hs {

// |loss - ln C| / ln C above this fails the check. Softmax over logits with spread s starts near
// ln C + s^2/2 (for small s), so 25% of ln C is s ~ 0.6 (C = 4) to 1.1 (C = 10): a correct
// He/Xavier initialisation lands inside on normalised inputs, a last layer scaled by ~10 or more
// does not (x100 gives a loss of hundreds), and an L2 term of a usual weight decay adds far less.
inline constexpr double kInitialLossTolerance = 0.25;

struct InitialLossJudgement {
  double expected = NAN;   // ln(classes)
  double rel_error = NAN;  // |loss - expected| / expected; inf when the loss is not finite
  bool ok = false;         // finite and rel_error <= tolerance
  const char* verdict = "";  // "ok", "too_high", "too_low" or "not_finite"
};

// REQUIRES: classes >= 2, tolerance > 0.
inline InitialLossJudgement judge_initial_loss(double loss, int classes,
                                               double tolerance = kInitialLossTolerance) {
  InitialLossJudgement j;
  j.expected = std::log(static_cast<double>(classes));
  const bool finite = std::isfinite(loss);
  j.rel_error = finite ? std::fabs(loss - j.expected) / j.expected
                       : std::numeric_limits<double>::infinity();
  j.ok = finite && j.rel_error <= tolerance;
  j.verdict = !finite ? "not_finite" : j.ok ? "ok" : loss > j.expected ? "too_high" : "too_low";
  return j;
}

}  // namespace hs
