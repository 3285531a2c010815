// executor.h: where a sweep's trials run: one seam, two implementations. InProcessExecutor
// (in_process.h) runs them one after another in this process; the MPI executor (launch.h: what
// Launch::executor() gives under mpirun or srun) hands them to free worker ranks, each running its
// own Objective, and takes their records back. `hypersweep run` and the recipe's sweeps (steps
// 3-5) drive either the same way (run_trials.h).
//
// A Job says what the trials are: the workers build their Objective from it (an
// ObjectiveFactory, given to each rank), so one worker pool can run several sweeps in turn (the
// recipe's steps). `name` and `text` are the job's owner's to define: `hypersweep run` sends
// {"sweep", ""} (every rank reads the same sweep file), the recipe {"recipe step 4", <its sweep
// text>}.
//
// Who calls: rank 0 alone (or the single process). May depend on: sweep (the queue, progress),
// objective, trial. Its header names no MPI type. Thread safety: one thread (rank 0's).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/error.h"
#include "objective/objective.h"
#include "sweep/progress.h"
#include "sweep/queue.h"

namespace hs {

struct Job {
  std::string name;
  std::string text;
};

// What every rank that runs trials (rank 0 alone, or each worker) builds its objective with.
// Errors (a job it cannot make an objective of) end the sweep before any trial runs.
using ObjectiveFactory = std::function<Result<std::unique_ptr<Objective>>(const Job& job)>;

struct RunHooks {
  // A finished (or interrupted) trial, with where the sweep stands: record it. An error stops
  // the sweep (nothing new starts; what is in flight is let finish or stopped) and run() returns
  // it.
  std::function<Status(const TrialRecord&, const Progress&)> on_record;
  // Asked between trials and messages (and by each trial between its epochs): true stops the
  // sweep (a signal): nothing new starts, trials in flight are interrupted.
  std::function<bool()> stop;
  // Now and then (at least every second or so, and between epochs in one process): a live
  // progress line.
  std::function<void(const Progress&)> on_tick;
};

// A trial that comes back failed once the sweep is stopping is recorded as interrupted instead
// (its error kept), so that the continued sweep runs it again: the stop may well be what failed
// it (a batch system signals every process of a job, the user's commands too, and one that
// handles the signal by exiting non-zero fails). One that fails for its own reason fails again
// then. Both executors apply it before the queue and on_record see the record.
inline void interrupted_if_stopping(bool stopping, TrialRecord* r) {
  if (!stopping || r->status != TrialStatus::kFailed) return;
  r->status = TrialStatus::kInterrupted;
  r->error = "interrupted: it failed while the sweep was stopping (it runs again when the sweep "
             "continues): " + r->error;
}

class Executor {
 public:
  virtual ~Executor() = default;
  // Worker ranks that run trials; 0 when they run in this process.
  virtual int workers() const = 0;
  // Runs the trials of `queue` for `job` until the queue is empty or a stop, telling the queue
  // each result (TrialQueue::finish) and handing each record to hooks.on_record, in the order
  // they finish. Returns whether a stop ended it before every trial ran. Errors: the objective
  // could not be made or prepared (on a worker: naming its rank and host; nothing ran), or
  // on_record failed.
  virtual Result<bool> run(const Job& job, TrialQueue& queue, const RunHooks& hooks) = 0;
};

}  // namespace hs
