// tie.h: the one rule for when two trials' validation accuracies are too close to rank: a
// difference smaller than its standard error is a tie, not a winner. `hypersweep show`, the
// report and the recipe's ranking and recommendation all ask here.
//
// An accuracy p measured on n validation samples has the binomial standard error
// sqrt(p(1-p)/n): at p = 0.85 on 200 samples that is 0.025, five samples, so trials 1-2 samples
// apart are not told apart by the data. Both trials are measured on the same n samples (one
// sweep, one split); the error is the best's, the one number `show` prints. The rule needs n: the trainer
// records it (TrialRecord::val_samples); a record without it (a command's trial, a file from
// before it) never ties, and the ranking is the plain order of best_metric as before.
//
// May depend on: trial/record.h, trial/metric.h. Thread safety: pure functions.
#pragma once

#include <cstdint>

#include "trial/metric.h"
#include "trial/record.h"

namespace hs {

// sqrt(p(1-p)/n); NaN when n <= 0 or p is not in [0, 1].
double accuracy_se(double p, int64_t n);

// Whether accuracy `other` is within one standard error of `best` (accuracy_se(best, n)), both
// measured on n samples. False when n <= 0 or either is not finite; equal values always tie.
bool accuracy_tie(double best, double other, int64_t n);

// Whether trial r's result ties the best trial's (`best`) under `metric`: the metric is val_acc,
// both have a result (result_of) and the same known val_samples, and accuracy_tie holds.
// Never for another metric (a loss has no such standard error here).
bool ties_best(const TrialRecord& best, const TrialRecord& r, const Metric& metric);

}  // namespace hs
