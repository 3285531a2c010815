#include "trial/tie.h"

#include <cmath>

namespace hs {

double accuracy_se(double p, int64_t n) {
  if (n <= 0 || !(p >= 0 && p <= 1)) return NAN;
  return std::sqrt(p * (1 - p) / static_cast<double>(n));
}

bool accuracy_tie(double a, double b, int64_t n) {
  if (n <= 0 || !std::isfinite(a) || !std::isfinite(b)) return false;
  // An accuracy of 0 or 1 has a binomial error of 0; the difference still has to be below one
  // sample to tie, which only a == b is.
  return a == b || std::fabs(a - b) < accuracy_se((a + b) / 2, n);
}

bool ties_best(const TrialRecord& best, const TrialRecord& r, const Metric& metric) {
  if (metric.name != "val_acc" || best.val_samples <= 0 || r.val_samples != best.val_samples)
    return false;
  const Outcome a = result_of(best), b = result_of(r);
  return a.ok && b.ok && accuracy_tie(a.value, b.value, best.val_samples);
}

}  // namespace hs
