// median and percentile: Optuna 3.1's PercentilePruner rule (MedianPruner is percentile 50),
// with Optuna's step = our epoch - 1. Its checks, in its order: no completed trial, or fewer
// than startup_trials; a step before warmup_epochs; a step that is not the trial's first report
// in its window of interval steps (warmup + k x interval onwards: a trial that skips the
// window's first epoch is judged at its next report, as Optuna's _is_first_in_interval_step);
// then stop when the trial's best value so far is worse than the percentile (np.nanpercentile,
// linear) of the completed trials' values at this step, for max the (100 - percentile)th; fewer
// than min_trials values there (a reported NaN counts, as in Optuna, though no percentile
// takes it): go on. Before that last one, as Optuna's: a trial whose every value so far was
// reported NaN (core/reported_nan.h) is stopped. An epoch without a value (a missing NaN) is not
// a report: Optuna would not hear of it.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <utility>

#include "core/reported_nan.h"
#include "prune/internal.h"
#include "prune/ranked.h"

namespace hs {

namespace {

// np.percentile's default (linear) of the values in `v` at q in [0, 100], read from their ranks
// (ascending) instead of a sorted copy. REQUIRES: v not empty.
double percentile_of(RankedValues& v, double q) {
  const double pos = (static_cast<double>(v.size()) - 1) * q / 100.0;
  const size_t lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, v.size() - 1);
  const double a = v.at_rank(lo), b = v.at_rank(hi);
  return a + (b - a) * (pos - static_cast<double>(lo));
}

class PercentilePruner final : public Pruner {
 public:
  PercentilePruner(const PrunerOptions& o, const Metric& m) : o_(o), metric_(m) {}

  Verdict report(int64_t id, int epoch, double value) override {
    if (epoch <= 1) best_.erase(id), last_step_.erase(id);  // run again: it starts afresh
    if (is_missing(value)) return {};
    // np.nanmax (nanmin) of its values so far, inf included: NaN while it reported only NaN
    double& best = best_.try_emplace(id, NAN).first->second;
    const bool max = metric_.direction == Direction::kMaximize;
    if (!std::isnan(value) && (std::isnan(best) || (max ? value > best : value < best)))
      best = value;
    const int step = epoch - 1;
    const int before = std::exchange(last_step_.try_emplace(id, -1).first->second, step);
    if (completed_ == 0 || completed_ < o_.startup_trials || step < o_.warmup_epochs) return {};
    // Judged at its first report in the window of interval steps this step is in.
    const int window = (step - o_.warmup_epochs) / o_.interval * o_.interval + o_.warmup_epochs;
    if (before >= window) return {};
    if (std::isnan(best))
      return {Verdict::Kind::kPrune, -1,
              "pruned at epoch " + std::to_string(epoch) + ": " + metric_.name +
                  " was reported NaN at every epoch so far"};
    const auto at = completed_at_.find(epoch);
    const size_t n = at == completed_at_.end() ? 0 : at->second.size();
    const auto nans = nans_at_.find(epoch);
    const int64_t reported = static_cast<int64_t>(n) + (nans == nans_at_.end() ? 0 : nans->second);
    if (n == 0 || reported < o_.min_trials) return {};
    const double q = max ? 100 - o_.percentile : o_.percentile;
    const double p = percentile_of(at->second, q);
    const bool worse = max ? best < p : best > p;
    Verdict v;
    v.kind = worse ? Verdict::Kind::kPrune : Verdict::Kind::kContinue;
    char pct[32];
    std::snprintf(pct, sizeof pct, "%g", o_.percentile);
    const std::string of = (o_.percentile == 50 ? std::string("the median ")
                                                : std::string("the ") + pct + "th-best percentile ") +
                           value_text(metric_, p) + " of " + std::to_string(n) +
                           " completed trials at epoch " + std::to_string(epoch);
    v.why = (worse ? "pruned at epoch " : "kept at epoch ") + std::to_string(epoch) +
            ": best so far " + value_text(metric_, best) + (worse ? " worse than " : " as good as ") +
            of;
    return v;
  }

  void ended(const TrialRecord& r) override {
    best_.erase(r.id);
    last_step_.erase(r.id);
    settled_.push_back(r.id);
    if (r.status != TrialStatus::kCompleted && r.status != TrialStatus::kEarlyStopped) return;
    ++completed_;
    for (size_t row = 0; row < r.curves.size(); ++row) {
      const double v = epoch_metric(r, row, metric_.name);
      if (!std::isnan(v))
        completed_at_.try_emplace(r.curves[row].epoch, false).first->second.insert(v, arrivals_++);
      else if (is_reported_nan(v))
        ++nans_at_[r.curves[row].epoch];
    }
  }

  void restore(const TrialRecord& r) override {
    ended(r);
  }
  int bracket(int64_t) const override { return -1; }
  int rung_reached(int64_t) const override { return -1; }
  std::vector<int64_t> take_settled() override { return std::exchange(settled_, {}); }

 private:
  const PrunerOptions o_;
  const Metric metric_;
  int64_t completed_ = 0;
  std::map<int, RankedValues> completed_at_;  // epoch -> completed trials' values, ascending
  int64_t arrivals_ = 0;                       // tags the values apart (ranked.h)
  std::map<int, int64_t> nans_at_;             // epoch -> completed trials' reported NaNs
  std::map<int64_t, double> best_;             // running trials' best so far
  std::map<int64_t, int> last_step_;           // running trials' last step with a report
  std::vector<int64_t> settled_;
};

}  // namespace

std::unique_ptr<Pruner> make_percentile_pruner(const PrunerOptions& o, const Metric& metric) {
  return std::make_unique<PercentilePruner>(o, metric);
}

}  // namespace hs
