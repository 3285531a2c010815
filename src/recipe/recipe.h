// recipe.h: the whole of the lecture's small-budget tuning procedure (11.2.4, issue 7), as
// `hypersweep recipe` runs it. Steps 1-3's measurements are steps.h; this file adds the [recipe]
// table, steps 4-6, the step sweeps, and the driver that runs them in order, records each in the
// recipe's HDF5 file (store/recipe_file.h) and stops with a report at a failed check.
//
//   1. initial loss ~ ln C               rank 0 (seconds)           /1_initial_loss
//   2. overfit a small sample            rank 0 (seconds)           /2_overfit
//   3. ~100 updates per lr, whole set    the workers, one lr each   /3_lr_find
//   4. coarse grid: lrs around step 3's  the workers, one trial     /4_coarse_grid
//      x weight decay, 1-5 epochs        each
//   5. refine the best few, 10-20        the workers                /5_refine
//      epochs, constant lr
//   6. diagnosis of step 5's curves ->   rank 0                     /6_recommendation
//      recommendation + config file
// Steps 3-5 are sweeps like `hypersweep run`'s: each has a sweep config text (a ready-to-run
// file, kept in its group's `config` attribute), a TrialQueue, and an ordinary results file with
// a journal, so a killed recipe continues where it stopped and every trial lands once. Where the
// trials run is the caller's: RecipeHooks::run_step (this process, or the MPI workers).
//
// Same seed, same results: steps 1-3 start from the initialisation train() would use for the
// base config's seed; the trials of steps 4-5 train with derive_seed(seed, trial id) as sweeps
// do. With a fixed thread count, the recipe repeats bit for bit whichever ranks run it.
//
// May depend on: recipe/steps.h, sweep, store, analysis, config, train, data. Never MPI.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/sweep_config.h"
#include "recipe/steps.h"
#include "store/recipe_file.h"
#include "sweep/runner.h"

namespace hs {

// Step 4.
struct CoarseOptions {
  // The lrs tried: step 3's pick times each factor (3 significant digits). A factor of 3 either
  // side spans the decade between step 3's neighbouring candidates.
  std::vector<double> lr_factors = {1.0 / 3.0, 1.0, 3.0};
  // The lecture's {1e-4, 1e-5, 0}.
  std::vector<double> weight_decays = {1e-4, 1e-5, 0.0};
  // The lecture's 1-5: enough for the ranking of lrs to settle, few enough for a grid.
  int epochs = 3;
};

// Step 5.
struct RefineOptions {
  int top = 3;      // the best few of step 4 (by validation accuracy)
  int epochs = 15;  // the lecture's 10-20, with a constant lr (no decay)
};

struct RecipeOptions {
  InitialLossOptions initial;
  OverfitOptions overfit;
  LrFindOptions lr_find;
  CoarseOptions coarse;
  RefineOptions refine;
};

// The [recipe] table of a config file (every key optional; absent: the defaults above):
//   initial_batches, initial_tolerance,
//   overfit_batches, overfit_max_epochs, overfit_lrs,
//   lr_find_lrs, lr_find_iterations, lr_find_weight_decay,
//   coarse_lr_factors, coarse_weight_decays, coarse_epochs,
//   refine_top, refine_epochs
// Errors name the file, line and key (unknown key, wrong type, a value out of range).
Result<RecipeOptions> load_recipe_options(std::string_view text, const std::string& name);
// One line per [recipe] key: its meaning and default, for --help.
std::string recipe_keys_help();

// The steps' group names in the recipe file, index = step - 1.
extern const char* const kRecipeSteps[6];

// The sweep config text of step 3, 4 or 5 for `base` (a [train] table from to_toml, then
// [sweep] and [space]); load it with step_sweep(). Step 3's [space] is lr = the candidates,
// step 4's lr x weight_decay (grid), step 5's the chosen (lr, weight_decay) pairs (list).
// Steps 4-5 train with a constant lr, no warm-up and no early stopping, so their curves show the
// whole run for the diagnosis; step 3's trials are ~100 updates (lr_trial), not epochs.
std::string overfit_sweep_text(const TrainOptions& base, const RecipeOptions& o);  // step 2's file
std::string lr_find_sweep_text(const TrainOptions& base, const RecipeOptions& o);
std::string coarse_sweep_text(const TrainOptions& base, double lr, const RecipeOptions& o);
std::string refine_sweep_text(const TrainOptions& base,
                              const std::vector<std::pair<double, double>>& lr_wd,
                              const RecipeOptions& o);
// A step's sweep from its text: load_sweep_text, and for step 3 the metric "loss_drop".
Result<SweepConfig> step_sweep(int step, const std::string& text);

// Records as the results file stores them. Step 2: one per lr tried, its curves the sample's
// loss and accuracy per epoch (train_loss, train_acc), status the attempt's outcome (fit,
// too_high, too_low, no_fit), best_metric the final accuracy. Step 3: one per lr, its curves
// one row per update (epoch = update number, train_loss = that minibatch's loss), status
// completed or diverged, best_metric the probe loss drop, initial_loss the probe loss before.
TrialRecord overfit_record(const OverfitAttempt& a, int64_t id, int classes);
TrialRecord lr_trial_record(const LrTrial& t, int64_t id);
LrTrial lr_trial_of(const TrialRecord& r);  // step 3's record back (pick_lr on rank 0)

// A worker's trial of step 3, 4 or 5: what RecipeHooks::run_step runs for each trial. `base` is
// the user's config (threads set), `data` its data set loaded once.
using StepTrialRunner = std::function<TrialRecord(const Trial&, const StopCheck&)>;
Result<StepTrialRunner> step_trial_runner(int step, const SweepConfig& sweep,
                                          const TrainOptions& base, const RecipeOptions& o,
                                          std::shared_ptr<const DataBundle> data);

// What RecipeHooks::run_step does without MPI: each trial of `queue` through
// step_trial_runner(step, ...) in this process (rank 0, this host), told to the queue, then handed
// to `on_record`, until the queue is empty or `stop` (asked before each trial, and by the
// trainer after every epoch). Returns whether it was stopped. Errors: the runner could not be
// built, or on_record failed.
Result<bool> run_step_here(int step, const SweepConfig& sweep, const TrainOptions& base,
                           const RecipeOptions& o, std::shared_ptr<const DataBundle> data,
                           TrialQueue& queue,
                           const std::function<Status(const TrialRecord&)>& on_record,
                           const StopCheck& stop);

// Step 4 -> 5: the `top` best completed trials by best_metric (val_acc, higher first; ties go to
// the lower id), as (lr, weight_decay) pairs. Trials that diverged or failed never count.
std::vector<std::pair<double, double>> best_few(const std::vector<TrialRecord>& coarse, int top);

// Step 6.
struct Recommendation {
  bool ok = false;             // a step-5 trial completed
  int64_t best_id = -1;        // in step 5
  double best_val_acc = NAN;
  double lr = NAN, weight_decay = NAN;
  std::string verdict;         // "ok" or "no_trial"
  std::string report;          // the recommendation: what the curves say, what to change next
  std::string config;          // the recommended config, a ready TOML file with comments
};
// Reads step 5's curves with the post-analysis diagnosis (analysis/diagnosis.h) and writes the
// recommendation. `base` is the user's config, `config_name` its file (for the comments),
// `coarse` step 4's trials (whether the best lr sat at the edge of the grid).
Recommendation recommend(const TrainOptions& base, const std::string& config_name,
                         const std::vector<TrialRecord>& refine,
                         const std::vector<TrialRecord>& coarse, const RecipeOptions& o);

// ---------------------------------------------------------------------------------------------
// The driver (rank 0).

struct RecipeSetup {
  std::string config_name;   // the config file, for messages
  std::string config_text;   // TrainConfig::text(): what the recipe file keeps and hashes
  TrainOptions base;         // the user's config, resolved (threads as rank 0 runs steps 1-2)
  RecipeOptions options;
  std::string out;           // the recipe file; its step files go in <out>.steps/
  std::string recommended;   // where the recommended config is written
  bool force = false;        // replace an existing recipe file (and its step files)
  std::string start_time;
};

struct RecipeHooks {
  // Runs the trials of `queue` (step 3, 4 or 5, sweep as loaded from `text`) and hands each
  // finished record to `on_record` (which stores it), until the queue is empty or a stop.
  // Returns whether it was stopped (a signal). Errors: the workers could not start, or
  // on_record failed.
  std::function<Result<bool>(int step, const SweepConfig& sweep, const std::string& text,
                             TrialQueue& queue,
                             const std::function<Status(const TrialRecord&)>& on_record)>
      run_step;
  std::function<void(const std::string&)> say;  // a progress line (no newline)
};

struct RecipeOutcome {
  std::string status;       // "complete", "stopped at step N: <verdict>", "interrupted"
  int failed_step = 0;      // the step whose check failed (0: none)
  bool interrupted = false; // stopped by a signal: the same command again continues
  bool already = false;     // the file held this recipe, complete: nothing was run
  std::vector<std::string> reports;  // each step's report paragraph, in order
  Recommendation recommendation;
};

// Runs (or continues) the recipe into setup.out. Steps 1-2 run here on `data` (the user's data
// set); steps 3-5 through hooks.run_step. After every step the recipe file is rewritten whole
// (atomically), so it always holds the steps done. A recipe file of another config is refused
// (naming what differs) unless setup.force; one of this config continues: finished trials of
// steps 3-5 are kept (their step files), steps 1-2 repeat (seconds, and bit for bit).
// Errors: the output cannot be written, the step files cannot be opened, run_step failed.
Result<RecipeOutcome> run_recipe(const RecipeSetup& setup, const DataBundle& data,
                                 const RecipeHooks& hooks);

}  // namespace hs
