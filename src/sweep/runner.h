// runner.h: runs a sweep in this one process: ask the strategy for a trial, train it, tell the
// strategy its outcome, until the strategy has no trial left. The MPI scheduler (rank 0 handing
// trials to worker ranks) is built on the same pieces: trial_train_options() and outcome_of().
//
// Same seed, same results: trial i trains with seed derive_seed(sweep seed, i, kTrial) (unless
// the space searches `seed` itself), so its outcome depends on the sweep seed and its id only,
// not on which process runs it or when.
//
// May depend on: config (sweep files), search (strategies), train, data. Never MPI.
// Thread safety: one sweep per thread; training inside uses OpenMP.
#pragma once

#include <functional>
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
  std::string status;                // completed, early_stopped, diverged, failed, ...
  std::optional<TrainResult> result; // absent when the trial failed before training
  std::string error;                 // failed trials: why
};

// The trainer options of trial `t`: the sweep's [train] with the trial's values, and the trial's
// own seed. Errors: a value the trainer refuses in combination (e.g. warmup >= epochs).
Result<TrainOptions> trial_train_options(const SweepConfig& sweep, const Trial& t);

// The metric the sweep optimises, read from a finished training: the best epoch's val_acc,
// val_loss, train_acc or train_loss. Diverged training and no finished epoch are not kOk.
Outcome outcome_of(const SweepConfig& sweep, const TrainResult& r);

// Called after every trial with its run and how many trials are done.
using TrialDone = std::function<void(const TrialRun& run, int64_t done)>;

// Runs the whole sweep here. The data set is loaded once and shared by every trial whose data
// options are the base's (a space that changes data keys reloads per trial). Errors: the
// strategy cannot be built, or the data cannot be loaded.
// `done` (resume): trials already recorded, in id order. They are replayed into the strategy
// (asked and told in order, as this runner first ran them) and not trained again; the returned
// runs and on_done cover only the new trials. A recorded trial the strategy no longer asks for
// (another config or version) is an error naming its id.
Result<std::vector<TrialRun>> run_sweep(const SweepConfig& sweep, const TrialDone& on_done = {},
                                        const std::vector<TrialRecord>& done = {});

// What the strategy was told about a recorded trial.
Outcome recorded_outcome(const TrialRecord& r);

// The results file's header for this sweep: the config text as given and its FNV-1a hash (of
// the text without its "# file:" lines), the
// strategy, seed, metric, space, version and `start_time` (ISO 8601, UTC).
SweepHeader sweep_header(const SweepConfig& sweep, const std::string& start_time);
// A finished trial as the results file stores it (rank and host: where it ran).
TrialRecord trial_record(const TrialRun& run, int rank, const std::string& host);

// The index of the best completed trial in `runs` under the sweep's direction, or -1.
int64_t best_trial(const SweepConfig& sweep, const std::vector<TrialRun>& runs);

}  // namespace hs
