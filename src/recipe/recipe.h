// recipe.h: the whole of the lecture's small-budget tuning procedure (11.2.4), as
// `hypersweep recipe` runs it: the driver that runs the steps in order, records each in the
// recipe's HDF5 file (store/recipe_file.h) and stops with a report at a failed check.
//
//   1. initial loss ~ ln C               rank 0 (seconds)           /1_initial_loss  steps.h
//   2. overfit a small sample            rank 0 (seconds)           /2_overfit       steps.h
//   3. ~100 updates per lr, whole set    the executor, one lr each  /3_lr_find       steps.h
//   4. coarse grid: lrs around step 3's  the executor, one trial    /4_coarse_grid   step_sweeps.h
//      x weight decay, 1-5 epochs        each
//   5. refine the best few (or one lr    the executor               /5_refine        step_sweeps.h
//      below), 10-20 epochs, constant lr
//   6. diagnosis of step 5's curves ->   rank 0                     /6_recommendation recommend.h
//      recommendation + config file
// Steps 3-5 are sweeps like `hypersweep run`'s (exec/run_trials.h): each has a sweep file text
// (kept in its group's `config` attribute), a TrialQueue, and an ordinary results file with a
// journal in <out>.steps/, so a killed recipe continues where it stopped and every trial lands
// once. Their trials run through the Executor the caller gives (this process, or the MPI
// workers, whose objectives come from step_objectives.h).
//
// Same seed, same results: steps 1-3 start from the initialisation train() would use for the
// base config's seed; the trials of steps 4-5 train with their own seed from the trial id, as
// sweeps do. With a fixed thread count, the recipe repeats bit for bit whichever ranks run it.
//
// May depend on: recipe, exec (the executor interface), sweep, store, analysis, config, train,
// data. Never MPI. Thread safety: rank 0's thread.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "exec/executor.h"
#include "recipe/options.h"
#include "recipe/recommend.h"
#include "train/options.h"

namespace hs {

struct RecipeSetup {
  std::string config_name;   // the config file, for messages
  std::string config_text;   // TrainConfig::text(): what the recipe file keeps and hashes
  std::string file_text;     // the config file as read: the recommended config is it plus the
                             // changed keys ("": none, every key a change)
  TrainOptions base;         // the user's config, resolved (threads as rank 0 runs steps 1-2)
  RecipeOptions options;
  std::string out;           // the recipe file; its step files go in <out>.steps/
  std::string recommended;   // where the recommended config is written
  bool force = false;        // replace an existing recipe file (and its step files)
  std::string start_time;
  bool live_progress = false;  // redraw a progress line in place while steps 3-5 run
};

struct RecipeOutcome {
  std::string status;       // "complete", "stopped at step N: <verdict>", "interrupted"
  int failed_step = 0;      // the step whose check failed (0: none)
  bool interrupted = false; // stopped by a signal: the same command again continues
  bool already = false;     // the file held this recipe, complete: nothing was run
  // With `already`: the recommended config's path held a file other than this recommendation
  // (edited since, an older recipe's, or another), and it was kept as it is.
  bool config_kept = false;
  std::vector<std::string> reports;  // each step's report paragraph, in order
  Recommendation recommendation;
};

// Runs (or continues) the recipe into setup.out. Steps 1-2 run here on `data` (the user's data
// set); steps 3-5 run their trials through `executor`. `say` prints a progress line. After every
// step the recipe file is rewritten whole (atomically), so it always holds the steps done. A
// recipe file of another config is refused (naming what differs) unless setup.force; one of
// this config continues: finished trials of steps 3-5 are kept (their step files), steps 1-2
// repeat (seconds, and bit for bit). Errors: the output cannot be written, the step files
// cannot be opened, the executor failed (a worker could not start).
Result<RecipeOutcome> run_recipe(const RecipeSetup& setup, const DataBundle& data,
                                 Executor& executor,
                                 const std::function<void(const std::string&)>& say);

}  // namespace hs
