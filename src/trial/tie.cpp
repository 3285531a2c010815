#include "trial/tie.h"

#include <cmath>

namespace hs {

double accuracy_se(double p, int64_t n) {
  if (n <= 0 || !(p >= 0 && p <= 1)) return NAN;
  return std::sqrt(p * (1 - p) / static_cast<double>(n));
}

bool accuracy_tie(double best, double other, int64_t n) {
  if (n <= 0 || !std::isfinite(best) || !std::isfinite(other)) return false;
  // A best of 0 or 1 has a binomial error of 0: only an equal value ties it.
  return best == other || std::fabs(best - other) < accuracy_se(best, n);
}

bool ties_best(const TrialRecord& best, const TrialRecord& r, const Metric& metric) {
  if (metric.name != "val_acc" || best.val_samples <= 0 || r.val_samples != best.val_samples)
    return false;
  const Outcome a = result_of(best), b = result_of(r);
  return a.ok && b.ok && accuracy_tie(a.value, b.value, best.val_samples);
}

}  // namespace hs
