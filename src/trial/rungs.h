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

struct RungCount {
  Rung rung;
  // Trials of the rung's bracket that reached it: those whose `rung` is at least rung.rung, and
  // those not pruned that ran at least rung.epoch epochs (a trial that went on past a rung passed
  // it, whatever its record says).
  int64_t reached = 0;
  int64_t pruned = 0;  // of those, pruned at this rung (status pruned, `rung` this one)
  double best = NAN;   // the best metric value at epoch rung.epoch of those that reached it
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
