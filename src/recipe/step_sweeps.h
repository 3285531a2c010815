// step_sweeps.h: the recipe's steps 2-5 as sweep files (config/sweep_config.h: sweep_text), which
// their results files keep and every rank loads, and the step from 4 to 5.
//
// Each step's [train] table is the user's config with what the step changes, threads 0 (each
// rank sets its own, so the text, and with it the step file's header, is the same whichever
// layout runs it). Step 2's [space] is lr = the lrs tried, step 3's lr = the candidates, step
// 4's lr x weight_decay (grid), step 5's the chosen (lr, weight_decay) pairs (list). Steps 4-5
// train with a constant lr, no warm-up and no early stopping, so their curves show the whole run
// for the diagnosis; step 3's trials are ~100 updates (lr_trial), not epochs.
//
// May depend on: config, recipe/options.h, recipe/lr_edge.h, trial. Thread safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/sweep_config.h"
#include "recipe/lr_edge.h"
#include "recipe/options.h"
#include "trial/record.h"

namespace hs {

std::string overfit_sweep_text(const TrainOptions& base, const RecipeOptions& o);  // step 2
std::string lr_find_sweep_text(const TrainOptions& base, const RecipeOptions& o);  // step 3
std::string coarse_sweep_text(const TrainOptions& base, double lr, const RecipeOptions& o);
std::string refine_sweep_text(const TrainOptions& base,
                              const std::vector<std::pair<double, double>>& lr_wd,
                              const RecipeOptions& o);
// A step's sweep from its text: load_sweep_text, and for step 3 the metric "loss_drop" (what
// pick_lr compares; not a trainer metric, so its file cannot say it).
Result<SweepConfig> step_sweep(int step, const std::string& text);

// Whether a trial of step 4 or 5 takes part in the ranking: it trained to the end (or stopped
// early) with a metric, and has its (lr, weight_decay).
bool ranks(const TrialRecord& r);

// Step 4 -> 5: the `top` best completed trials by best_metric (val_acc, higher first; ties go to
// the lower id), as (lr, weight_decay) pairs. Trials that diverged or failed never count.
std::vector<std::pair<double, double>> best_few(const std::vector<TrialRecord>& coarse, int top);

// Step 4 -> 5 as the recipe runs it: best_few(coarse, top), except that when the best lr is the
// lowest of the coarse grid and there are two places or more, the last place goes to the next
// lr below on the grid's own ratio (the lowest squared over the next lowest, to 3 significant
// digits), with the best's weight decay. The refine step trains 10 times as long as the grid,
// and the longer the run, the lower the lr that does best (short-horizon bias; the teacher data
// of bench/recipe_bench.py: lr 0.0333 is best after one epoch, 0.003 to 0.015 after 20), so it
// tries the one lr below that none of step 4's runs reached. "Lowest" is the edge rule
// (lr_edge.h) over step 4's lrs. `replaced` is the pair whose place the lr below took (then the
// last of `pairs`); empty when nothing moved.
struct RefinePicks {
  std::vector<std::pair<double, double>> pairs;
  std::optional<std::pair<double, double>> replaced;
};
RefinePicks refine_picks(const std::vector<TrialRecord>& coarse, int top);

// The best trial of a step 4 or 5 (by val_acc; equal values to the lower id) and every trial
// whose accuracy ties it (trial/tie.h: within one standard error on the validation set), the
// best first, the rest by id. Empty when no trial ranks.
std::vector<const TrialRecord*> tied_with_best(const std::vector<TrialRecord>& trials);

// Steps 4-5's lrs for the edge rule (lr_edge.h): a trial collapsed when it does not rank
// (diverged, failed) or its validation accuracy is below half the step's best.
std::vector<LrTried> lrs_tried(const std::vector<TrialRecord>& trials);

// A parameter value as a double (NaN for a string or bool).
double param_double(const ParamValue& v);

}  // namespace hs
