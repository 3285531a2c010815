// trainer_objective.h: the built-in trainer as an objective (objective.h): trial `t` trains the
// sweep's [train] configuration with the trial's values set, and its own seed (trial_seed(),
// unless the space searches `seed` itself), so its outcome depends on the sweep seed and its id
// only, not on which process runs it or when. The sweep's metric is read at the best checkpoint's
// epoch.
//
// The data set is loaded once, in prepare(), and shared by every trial whose data options are
// the base's (a space that changes data keys loads a trial's own). prepare() also builds the
// base configuration's network once (train/trainer.h: network_for), so a network past the
// limits stops the sweep before its first trial; errors name the config's file, line and key.
//
// May depend on: config, train, data, trial, core. Thread safety: as Objective.
#pragma once

#include <memory>
#include <optional>

#include "objective/objective.h"
#include "train/options.h"

namespace hs {

class TrainerObjective final : public Objective {
 public:
  // threads > 0 replaces the config's `threads`; `data`, when given, is what the base
  // configuration's data options load (prepare() then loads nothing). local_worker: the
  // Placement's, for device = cuda (TrainOptions::local_worker).
  TrainerObjective(SweepConfig sweep, int threads, std::shared_ptr<const DataBundle> data,
                   int local_worker = 0);
  Status prepare() override;
  TrialRecord run(const Trial& t, const TrialHooks& hooks) override;

  // The base configuration's options: `sweep`'s [train] with `threads` (> 0) set in it, so that
  // trial_train_options(sweep, t) gives each trial's with them too.
  static Result<TrainOptions> base_options(SweepConfig& sweep, int threads);

 private:
  SweepConfig sweep_;
  int threads_ = 0;
  int local_worker_ = 0;
  std::optional<TrainOptions> base_;
  std::shared_ptr<const DataBundle> shared_;
};

// The trainer options of trial `t`: the sweep's [train] with the trial's values, and the trial's
// own seed. Errors: a value the trainer refuses in combination (e.g. warmup >= epochs).
Result<TrainOptions> trial_train_options(const SweepConfig& sweep, const Trial& t);

// Trial `t` trained with `opt` (trial_train_options) on `data`, the data set of the options
// `base_data` (a trial whose data options differ loads its own), its best_metric the sweep's
// `metric`: what TrainerObjective::run and an isolated trial's process (forked_objective.h) run.
TrialRecord train_trial(const Trial& t, const TrainOptions& opt, const DataOptions& base_data,
                        const DataBundle& data, const std::string& metric,
                        const TrialHooks& hooks);

// Whether `data`, loaded from the options `loaded_from`, serves a run of `run`: the same data
// options, and the test samples when the run tests (test_keep).
bool data_serves(const DataBundle& data, const DataOptions& loaded_from, const TrainOptions& run);

// The sweep's metric at the record's best epoch: NaN when it diverged, was interrupted, has no
// best epoch or the value is not finite.
double best_metric_of(const TrialRecord& r, const std::string& metric);

}  // namespace hs
