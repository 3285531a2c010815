// rungs.h: what a sweep's trials did at its pruner's rungs (trial/record.h: Rung, the results
// file's root attribute `rungs`): how many reached each rung, how many were pruned there, and the
// best value of the metric there; and, for any pruner, the pruned trials by the epoch they were
// stopped at. What `hypersweep show`, the report's rung chart and the progress display count.
//
// May depend on: core, search, trial. Thread safety: pure functions of their arguments.
#pragma once

#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "trial/metric.h"
#include "trial/record.h"

namespace hs {

// Which rungs of its bracket each epoch report of one trial meets. A trial meets its rungs in
// order, each once per run: a report with a value meets every rung not met yet whose epoch it
// is at or past (a command that prints every other epoch meets a rung at epoch 1 at epoch 2,
// and one whose line jumps past two rungs meets both there); a report without a value meets
// none. A report of an epoch before the last one reported starts a new run (a trial run
// again). The pruners judge by it, their restore() takes records back by it, and show counts
// by it (rung_values), so all three agree on the values a trial was judged by.
class RungWalk {
 public:
  struct Met {
    int first = -1, last = -1;  // the rungs met by this report, first..last; -1: none
  };
  // `epochs`: the bracket's rung epochs, ascending.
  Met step(const std::vector<int>& epochs, int epoch, double value);

 private:
  int next_ = 0;  // the lowest rung not met yet in this run
  int last_ = 0;  // the epoch last reported
};

// The value of the metric at each rung of `epochs` as r's curves met them (RungWalk), NaN where
// none did, counting rungs up to `cap` alone (a pruned trial's record stops at its rung: a line
// that also passed later rungs did not go on to them). The last run's curve is the record's.
std::vector<double> rung_values(const TrialRecord& r, const std::vector<int>& epochs,
                                const Metric& metric, int cap);

struct RungCount {
  Rung rung;
  // Trials of the rung's bracket that reached it: those whose `rung` is at least rung.rung, and
  // those whose curve met it (rung_values: a trial that went on past a rung passed it, whatever
  // its record says).
  int64_t reached = 0;
  int64_t pruned = 0;  // of those, pruned at this rung (status pruned, `rung` this one)
  double best = NAN;   // the best value of those that reached it, as the rung met it
  int64_t best_id = -1;  // the trial that had it; -1: none had a value there
};

// One RungCount per rung of `schedule`, in the same order, then one per rung of each bracket
// the trials hold beyond it (a sha sweep grown past its first run's trials, whose file keeps
// that run's schedule): the rungs of the schedule's last bracket, with no planned count (0). A
// trial without a bracket (-1) counts in a schedule of one bracket (asha, sha) as that bracket's.
std::vector<RungCount> rung_counts(const std::vector<Rung>& schedule,
                                   const std::vector<TrialRecord>& trials, const Metric& metric);

// The metric's value at epoch `epoch` of r's curves (epoch_metric on the row of that epoch); NaN
// when r has no such row.
double metric_at_epoch(const TrialRecord& r, int epoch, const Metric& metric);

// The pruned trials by the epoch they were stopped at (pruned_epoch): (epoch, how many), by epoch.
std::vector<std::pair<int, int64_t>> pruned_by_epoch(const std::vector<TrialRecord>& trials);

}  // namespace hs
