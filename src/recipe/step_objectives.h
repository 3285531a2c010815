// step_objectives.h: what a trial of the recipe's steps 3-5 runs, on rank 0 alone or on every
// MPI worker (exec/): step 3's trial is one learning rate's ~100 updates (lr_trial, steps.h),
// steps 4 and 5's the built-in trainer on the step's sweep. A step reaches the workers as a Job
// (exec/executor.h): its number and its sweep text, from which each builds the same objective.
// And the records of steps 2 and 3, as the recipe file keeps them.
//
// May depend on: recipe (steps, options, step sweeps), objective, exec/executor.h (Job), trial,
// data. Thread safety: one objective per thread.
#pragma once

#include <memory>
#include <string>

#include "data/dataset.h"
#include "exec/executor.h"
#include "objective/objective.h"
#include "recipe/options.h"
#include "recipe/steps.h"

namespace hs {

// Step 3, 4 or 5's job: {"recipe step N", its sweep text}.
Job step_job(int step, const std::string& sweep_text);

// The objective of a step's job: `base` is the user's config (threads set for this rank),
// `data` its data set, loaded once and shared by every step. Every step's trials run in this
// process, steps 4 and 5's too (never a process per trial: step_objectives.cpp says why).
// Errors: not a recipe step's job, or its sweep text does not load.
Result<std::unique_ptr<Objective>> step_objective(const Job& job, const TrainOptions& base,
                                                  const RecipeOptions& o,
                                                  std::shared_ptr<const DataBundle> data);

// Records as the results file stores them. Step 2: one per lr tried, its curves the sample's
// loss and accuracy per epoch (train_loss, train_acc), status the attempt's outcome (fit,
// too_high, too_low, no_fit), best_metric the final accuracy. Step 3: one per lr, its curves
// one row per update (epoch = update number, train_loss = that minibatch's loss), status
// completed or diverged, best_metric the probe loss drop, initial_loss the probe loss before.
TrialRecord overfit_record(const OverfitAttempt& a, int64_t id, int classes);
TrialRecord lr_trial_record(const LrTrial& t, int64_t id);
LrTrial lr_trial_of(const TrialRecord& r);  // step 3's record back (pick_lr on rank 0)

}  // namespace hs
