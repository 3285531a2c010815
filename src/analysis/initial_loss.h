// initial_loss.h: the lecture's first check (11.2.4, step 1), written once for both its users:
// the recipe's step 1 (recipe/steps.h), which measures the loss before training, and the
// diagnosis's initial_loss label (diagnosis.h), which reads the loss a trial recorded before its
// first update. An untrained network should predict about uniformly, so its mean cross-entropy
// should be near ln(C), the loss of uniform predictions over C classes.
//
// May depend on: the standard library. Thread safety: pure functions.
#pragma once

#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

namespace hs {

// A loss more than a factor 1 + this from ln C, either way, fails the check: above 2 ln C or
// below ln C / 2. Softmax over logits with spread s starts near ln C + s^2/2 for small s, so the
// upper bound is s ~ 1.7 (C = 4) to 2.1 (C = 10): a last layer scaled ~4x or more goes past it, and
// x10 gives a loss several times ln C (x100: hundreds). A correct He initialisation on
// normalised inputs lands well inside, though not always within the 25% this bound once was:
// in the diagnosis corpus (bench/diagnosis_corpus.py, seeds 1-64) 64-unit MLPs on Fashion-MNIST
// started up to 30% above ln 10 and 3-unit ones up to 58% (a few weights set the logits'
// spread), while its init_scale-8 runs started 13x above or more.
inline constexpr double kInitialLossTolerance = 1.0;

struct InitialLossJudgement {
  double expected = NAN;   // ln(classes)
  double rel_error = NAN;  // |loss - expected| / expected; inf when the loss is not finite
  bool ok = false;         // finite, and within a factor 1 + tolerance of expected
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
  const double factor = 1.0 + tolerance;
  j.ok = finite && loss <= j.expected * factor && loss >= j.expected / factor;
  j.verdict = !finite ? "not_finite" : j.ok ? "ok" : loss > j.expected ? "too_high" : "too_low";
  return j;
}

// The bound in words, for every message that names it: "the check allows a factor 2 either way".
inline std::string initial_loss_bound_text(double tolerance = kInitialLossTolerance) {
  char factor[32];
  std::snprintf(factor, sizeof factor, "%.4g", 1.0 + tolerance);
  return std::string("the check allows a factor ") + factor + " either way";
}

}  // namespace hs
