// rungs.h: what a sweep's trials did at its pruner's rungs (trial/record.h: Rung, the results
// file's root attribute `rungs`): how many reached each rung, how many were pruned there, and the
// best value of the metric there; and, for any pruner, the pruned trials by the epoch they were
// stopped at. What `hypersweep show`, the report's rung chart and the progress display count.
//
// May depend on: core, search, trial. Thread safety: pure functions of their arguments.
#pragma once

#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/reported_nan.h"
#include "trial/metric.h"
#include "trial/record.h"

namespace hs {

// The value a rung takes of an epoch's metric `v`: a reported NaN for inf or -inf, which no trial
// ends with as its result (a command's is then failed: the metric is not finite), so that it joins
// no rung's values and sets no cut-off, and its trial is stopped there as a NaN's is (asha,
// hyperband, sha); `v` otherwise. The percentile pruners take inf as Optuna's do.
inline double rung_value(double v) { return std::isinf(v) ? kReportedNaN : v; }
// How a decision names a reported value that joins no rung: "NaN", "inf" or "-inf".
inline const char* unranked_text(double reported) {
  return !std::isinf(reported) ? "NaN" : reported > 0 ? "inf" : "-inf";
}

// How a sha trial's decision starts when sha paused it at a rung to wait for the rung's other
// trials ("paused at rung 0 (epoch 1) of bracket 0 ..."): sha words it, and what reads a pruned
// trial (the diagnosis's advice) tells a pause from a loss by it.
inline constexpr std::string_view kPausedAtRung = "paused at rung ";

// Which rungs of its bracket each epoch report of one trial meets. A trial meets its rungs in
// order, each once per run: a report with a value (a reported NaN too, core/reported_nan.h)
// meets every rung not met yet whose epoch it is at or past (a command that prints every other
// epoch meets a rung at epoch 1 at epoch 2, and one whose line jumps past two rungs meets both
// there); a report without a value (a missing NaN) meets none. A report of an epoch before the
// last one reported starts a new run (a trial run again). The pruners judge by it, their
// restore() takes records back by it, and show counts by it (rung_values), so all three agree
// on the values a trial was judged by.
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

// The value of the metric at each rung of `epochs` as r's curves met them (RungWalk; a reported
// NaN too), NaN (missing) where none did, counting rungs up to `cap` alone (a pruned trial's
// record stops at its rung: a line that also passed later rungs did not go on to them). The last
// run's curve is the record's.
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

// What is wrong with a rung schedule read from a file, "" when nothing: a pruner writes each
// bracket's rungs (bracket -1 for asha's one, else 0 up) numbered 0, 1, ... in order, at
// rising epochs from 1, with a planned count of 0 or more. What reads a file's schedule checks
// it (store's readers), so that a damaged one is an error rather than a read out of bounds.
std::string schedule_fault(const std::vector<Rung>& schedule);

// One RungCount per rung of `schedule`, in the same order, then one per rung of each bracket
// the trials hold beyond it (a sha sweep grown past its first run's trials, whose file keeps
// that run's schedule): the rungs of the schedule's last bracket, with no planned count (0). A
// trial without a bracket (-1) counts in a schedule of one bracket (asha, sha) as that bracket's.
// Of trials tied for a rung's best, the first in `trials` is named.
std::vector<RungCount> rung_counts(const std::vector<Rung>& schedule,
                                   const std::vector<TrialRecord>& trials, const Metric& metric);

// The pruned trials by the epoch they were stopped at (pruned_epoch): (epoch, how many), by epoch.
std::vector<std::pair<int, int64_t>> pruned_by_epoch(const std::vector<TrialRecord>& trials);

// rung_counts and pruned_by_epoch summed a trial at a time, in any order, for a reader that
// never holds every trial (`hypersweep show` on a million-trial file): add() each trial with its
// place, its index in the vector the two functions would take (of trials tied for a rung's best,
// the lowest place is named); counts() and by_epoch() then give what they give.
class PruningTally {
 public:
  PruningTally(const std::vector<Rung>& schedule, const Metric& metric);
  void add(const TrialRecord& t, size_t place);
  std::vector<RungCount> counts() const;
  std::vector<std::pair<int, int64_t>> by_epoch() const {
    return {by_epoch_.begin(), by_epoch_.end()};
  }

 private:
  struct Count {
    RungCount c;
    size_t best_place = SIZE_MAX;
    void add(double v, const TrialRecord& t, size_t place, Direction d);
    void add(const Count& o, Direction d);  // another tally of the same rung
  };
  struct Bracket {
    std::vector<int> epochs;  // its rungs' epochs, ascending
    std::vector<Count> rungs;
  };
  void add_to(Bracket& b, const TrialRecord& t, size_t place) const;

  std::vector<Rung> schedule_;
  Metric metric_;
  std::map<int, Bracket> brackets_;  // the schedule's, then the grown ones
  std::set<int> grown_;
  // Trials without a bracket, against a one-bracket schedule's rungs: they count there unless
  // the trials grew more brackets (counts()).
  std::optional<Bracket> unbracketed_;
  std::map<int, int64_t> by_epoch_;
};

// The metric's value at epoch `epoch` of r's curves (epoch_metric on the row of that epoch); NaN
// when r has no such row.
double metric_at_epoch(const TrialRecord& r, int epoch, const Metric& metric);

}  // namespace hs
