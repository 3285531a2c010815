// runner.h: the pieces of a sweep that know nothing of MPI: TrialQueue (rank 0: which trial
// next, tell the strategy, rebuild it on resume), TrialRunner (a worker: train one trial), and
// run_sweep(), which joins the two in this one process. The MPI scheduler (src/mpi) moves
// trials and records between them.
//
// Same seed, same results: trial i trains with seed derive_seed(sweep seed, i, kTrial) (unless
// the space searches `seed` itself), so its outcome depends on the sweep seed and its id only,
// not on which process runs it or when.
//
// May depend on: config (sweep files), search (strategies), train, data. Never MPI.
// Thread safety: one sweep per thread; training inside uses OpenMP.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/sweep_config.h"
#include "store/results_file.h"
#include "train/trainer.h"

namespace hs {

struct TrialRun {
  Trial trial;
  Outcome outcome;                   // what the strategy was told
  TrialStatus status = TrialStatus::kFailed;
  std::optional<TrainResult> result; // absent when the trial failed before training
  std::string error;                 // failed trials: why
};

// The trainer options of trial `t`: the sweep's [train] with the trial's values, and the trial's
// own seed. Errors: a value the trainer refuses in combination (e.g. warmup >= epochs).
Result<TrainOptions> trial_train_options(const SweepConfig& sweep, const Trial& t);

// The metric the sweep optimises, read from a finished training: the best epoch's val_acc,
// val_loss, train_acc or train_loss. Diverged training and no finished epoch are not kOk.
Outcome outcome_of(const SweepConfig& sweep, const TrainResult& r);

// Whether the trial in hand should stop now (a signal, or rank 0 calling the sweep off); asked
// after every epoch. Empty: never.
using StopCheck = std::function<bool()>;

// Runs trials: what a worker rank does (and the single process of a run without mpirun). It
// loads the data set once, in prepare(), and shares it between every trial whose data options
// are the base's (a space that changes data keys reloads per trial). With an [objective]
// command, each trial runs the command instead (command.h) and no data is loaded here.
class TrialRunner {
 public:
  explicit TrialRunner(const SweepConfig& sweep) : sweep_(sweep) {}
  // Loads the shared data set. Errors: the base configuration is invalid or its data cannot be
  // loaded (a data problem stops the sweep before any trial runs).
  Status prepare();
  // The same with a data set already loaded (the recipe's steps share one), which the caller
  // promises is what the base configuration's data options load. Errors: the base configuration
  // is invalid.
  Status prepare(std::shared_ptr<const DataBundle> data);
  // Trains trial `t` (REQUIRES prepare() succeeded). Never fails: a trial the trainer refuses is
  // a run with status "failed" and the reason; one that `stop` ended early is "interrupted".
  TrialRun run(const Trial& t, const StopCheck& stop = {}) const;

 private:
  const SweepConfig& sweep_;
  std::optional<TrainOptions> base_;
  std::shared_ptr<const DataBundle> shared_;
};

// Rank 0's side of a sweep, without MPI: which trial runs next, and telling the strategy what
// came of it. Resume is built in: the recorded trials are taken back into the strategy
// (Strategy::restore) in id order, so a learning strategy's model is rebuilt from the recorded
// outcomes whatever order an asynchronous sweep asked and told them in. Trials recorded as
// interrupted, and ids below the largest recorded one that have no record (in flight when the
// process was killed), run again first, with the same ids.
class TrialQueue {
 public:
  // Errors: the strategy cannot be built, or a recorded trial is not one this sweep's strategy
  // gives (another config or version), naming its id.
  static Result<TrialQueue> make(const SweepConfig& sweep, const std::vector<TrialRecord>& done = {});

  // The next trial to run, or nullopt when every trial has been handed out.
  std::optional<Trial> next();
  // Tells the strategy how trial `r.id` (handed out by next()) went. An interrupted trial is
  // not told: it is queued to run again.
  void finish(const TrialRecord& r);

  int64_t total() const { return total_; }        // trials in the whole sweep
  int64_t finished() const { return finished_; }  // told so far, resumed ones included

 private:
  TrialQueue() = default;
  std::unique_ptr<Strategy> strategy_;
  std::deque<Trial> again_;  // to run again before asking for new trials
  std::map<int64_t, Trial> out_;  // handed out, not yet finished
  int64_t total_ = 0, finished_ = 0;
};

// Called after every trial with its run and how many trials are done.
using TrialDone = std::function<void(const TrialRun& run, int64_t done)>;

// Runs the whole sweep in this process: a TrialQueue feeding one TrialRunner. `done` (resume):
// the trials already recorded; the returned runs and on_done cover only the new trials (and
// the recorded ones that run again). When `stop` turns true, the trial in hand is interrupted
// (its run has status "interrupted") and no other starts. Errors: those of TrialQueue::make and
// TrialRunner::prepare.
Result<std::vector<TrialRun>> run_sweep(const SweepConfig& sweep, const TrialDone& on_done = {},
                                        const std::vector<TrialRecord>& done = {},
                                        const StopCheck& stop = {});
// The same loop over a queue the caller made (and keeps, to read its progress): run_sweep above
// is TrialQueue::make then this.
Result<std::vector<TrialRun>> run_sweep(const SweepConfig& sweep, TrialQueue& queue,
                                        const TrialDone& on_done, const StopCheck& stop);

// The results file's header for this sweep: the config text as given and its FNV-1a hash (of
// the text without its "# file:" lines), the
// strategy, seed, metric, space, version and `start_time` (ISO 8601, UTC).
SweepHeader sweep_header(const SweepConfig& sweep, const std::string& start_time);
// A finished trial as the results file stores it (rank and host: where it ran).
TrialRecord trial_record(const TrialRun& run, int rank, const std::string& host);

// The index of the best completed trial in `runs` under the sweep's direction, or -1.
int64_t best_trial(const SweepConfig& sweep, const std::vector<TrialRun>& runs);

}  // namespace hs
