// run_trials.h: one sweep's trials run through an executor into a results file, shown as they
// finish: what `hypersweep run` and each of the recipe's sweeps (steps 3-5) do, written once.
// A signal (signals.h) stops it cleanly.
//
// May depend on: exec (executor, signals), sweep (queue, progress), store (the results file).
// Thread safety: rank 0's thread.
#pragma once

#include <set>

#include "core/error.h"
#include "exec/executor.h"
#include "store/results_file.h"
#include "sweep/progress.h"
#include "sweep/queue.h"

namespace hs {

struct Ran {
  bool interrupted = false;  // a stop (a signal) ended it before every trial ran
  // The trials recorded interrupted (in flight at the stop; they run again). Under MPI rank 0
  // records each at the stop and again as its worker's own record comes: an id counts once, and
  // not at all when its worker's record is another status (it ended its last epoch anyway).
  std::set<int64_t> cut;
  Status stored;             // the first error of `file`'s append, where the sweep stopped; else OK
  // Set when the run's first trials all failed alike and it stopped (TrialQueue::fail_fast): "the
  // first 5 trials of this run all failed with: <cause>" ("timed out with: ..."); else "".
  std::string failed_fast;
};

// The trials `file` holds, for TrialQueue::make: each read back from its journal when make()
// takes it (ResultsFile::for_each_trial, in id order), so a continued sweep never holds them
// all.
Recorded recorded_in(const ResultsFile& file);
// Every trial `file` holds shown to `display` (ProgressDisplay::consider: the best so far and
// the pruned ones), in first-recorded order, read back one at a time.
Status consider_recorded(const ResultsFile& file, ProgressDisplay& display);

// Runs `queue`'s trials for `job`: the finished records are appended to `file` in the groups
// the executor hands (one fsync per group), then shown by `display` (only once appended), whose
// live line is kept up to date meanwhile. A failed append stops the sweep:
// nothing new starts, and Ran::stored says why. So does a run whose first queue.fail_fast()
// trials recorded (interrupted ones aside) all failed or timed out without their metric, with
// the same cause (trial/failure.h: failure_cause), as a broken set-up makes every trial fail:
// Ran::failed_fast says with what. Errors: the executor's (an objective could not be made or
// prepared; on a worker, naming it).
Result<Ran> run_trials(Executor& executor, const Job& job, TrialQueue& queue,
                       ResultsFile& file, ProgressDisplay& display);

}  // namespace hs
