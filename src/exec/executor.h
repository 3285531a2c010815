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
// Acknowledgement: a result is acknowledged by whatever could outlive a crash of rank 0 and
// be contradicted by the continued sweep, which knows only what the results file holds: its
// progress line, a trial asked after the queue was told of it (its parameters may depend on
// the result), a pruning answer judged with it, its worker's next trial. None of these happens
// before on_records has returned OK for the result's group, i.e. before the group is durable.
// Both executors tell the queue (TrialQueue::finish, which also settles the record as it
// leaves: its attempt, a pruned status) just before on_records, with no ask, no pruning answer
// and no message to a worker in between: the queue is rank 0's memory, which a crash loses
// along with the unsynced records, and the continued sweep rebuilds it from the file.
//
// Who calls: rank 0 alone (or the single process). May depend on: sweep (the queue, progress),
// objective, trial. Its header names no MPI type. Thread safety: one thread (rank 0's).
#pragma once

#include <functional>
#include <memory>
#include <span>
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
  // A group of finished (or interrupted) trials, with where the sweep stood once each was told
  // to the queue (progress[i] for group[i]): record them all at once (ResultsFile::append of
  // the group: one journal fsync), then show them. An error stops the sweep (nothing new
  // starts; what is in flight is let finish or stopped) and run() returns it. The in-process
  // executor hands groups of one; the MPI one, every result that arrived while rank 0 was busy.
  std::function<Status(std::span<const TrialRecord> group, std::span<const Progress> progress)>
      on_records;
  // Asked between trials and messages (and by each trial between its epochs): true stops the
  // sweep (a signal): nothing new starts, trials in flight are interrupted.
  std::function<bool()> stop;
  // After stop(): true ends the trials in flight at once (TrialHooks::stop_now). Empty: never.
  std::function<bool()> stop_now;
  // Now and then (at least every second or so, and between epochs in one process): a live
  // progress line.
  std::function<void(const Progress&)> on_tick;
};

// A trial that comes back failed once the sweep is stopping is recorded as interrupted instead
// (its error kept), so that the continued sweep runs it again: the stop may well be what failed
// it (a batch system signals every process of a job, the user's commands too, and one that
// handles the signal by exiting non-zero fails). One that fails for its own reason fails again
// then. Both executors apply it before the queue and on_records see the record.
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
  // each result (TrialQueue::finish) and handing the records to hooks.on_records in groups, in
  // the order they finish (acknowledging nothing before, see above). Returns whether a stop
  // ended it before every trial ran. Errors: the objective could not be made or prepared (on a
  // worker: naming its rank and host; nothing ran), or on_records failed.
  virtual Result<bool> run(const Job& job, TrialQueue& queue, const RunHooks& hooks) = 0;
};

}  // namespace hs
