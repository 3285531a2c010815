// tpe_history.h: what a tpe sweep asked and was told, indexed so that a proposal costs the same
// at 100k trials with 4,096 pending as at 1k (issue 17). The tpe strategy owns one.
//
// Below the caps (at most TpeOptions::max_bad bad observations and max_pending pending points,
// or fewer observations than n_startup) a proposal is tpe_propose on the whole history, in trial
// order, exactly as without this class: a 50-evaluation sweep is unchanged. Past them it is
// tpe_propose_sample on a bounded sample (tpe.h), built in O(caps + log n):
//   good     the best tpe_n_good observations (ties: the lower trial id), kept in a sorted set;
//   bad      the other observations in the order they were told, as Optuna's ramp weighs them
//            (newest 25 weigh 1, older ones linearly less): the newest max_bad / 4 as they are,
//            the older ones as max_bad - max_bad / 4 strata of equal length, one point drawn from
//            each (seeded by the proposal's seed), weighing what its stratum weighs;
//   pending  the newest max_pending (by trial id), sharing equally the weight of all m pending.
// A failed trial counts as the worst completed value (as ModelStrategy says); it is never good
// while a completed trial is left to be. The sample is a weighted Parzen estimator of the same
// bad group; its bandwidths are those of its own size.
//
// May depend on: core, search/tpe.h. Not thread-safe; rank 0's strategy alone calls it.
#pragma once

#include <cstdint>
#include <set>
#include <utility>
#include <vector>

#include "search/tpe.h"

namespace hs {

class TpeHistory {
 public:
  // REQUIRES: opt.max_bad >= 32, opt.max_pending >= 1 (checked).
  TpeHistory(std::vector<TpeDim> dims, const TpeOptions& opt);

  // Trial `id` was asked at `point` (tpe's encoding). REQUIRES: id == size().
  void asked(int64_t id, std::vector<double> point);
  // Trial `id` was told: `value` to minimise, or a failure (ok false; value ignored).
  // REQUIRES: id < size(), told once.
  void told(int64_t id, double value, bool ok);
  int64_t size() const { return static_cast<int64_t>(points_.size()); }

  // Whether the next proposal uses a sample (past the caps) rather than the whole history.
  bool sampled() const;
  // The sample the next proposal would use. REQUIRES: sampled().
  TpeSample sample(uint64_t seed) const;
  // The next point (tpe's encoding): tpe_propose on the whole history, or on sample(seed).
  std::vector<double> propose(uint64_t seed, const TpeSeen& seen) const;

 private:
  struct Entry {
    enum State : char { kPending, kOk, kFailed } state = kPending;
    double value = 0;
  };
  int64_t observations() const;  // told trials that count (failures once one completed)
  void bad_sample(TpeSample* s, const std::vector<int64_t>& good_ids, uint64_t seed) const;

  std::vector<TpeDim> dims_;
  TpeOptions opt_;
  std::vector<std::vector<double>> points_;  // by trial id
  std::vector<Entry> entries_;               // by trial id
  std::set<std::pair<double, int64_t>> ok_;  // completed: (value, id), best first
  std::vector<int64_t> told_order_;          // told trials, in the order told
  std::set<int64_t> pending_;                // asked, not told
};

}  // namespace hs
