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
// lowest of the coarse grid and there are two places or more, the last place waits for the
// best's own refine trial (`last`): the refine step trains `pairs` first, the best first, and
// last_place then reads the best's curve. "Lowest" is the edge rule (lr_edge.h) over step 4's
// lrs. With the best at the grid's lowest lr, one epoch cannot say which way the lr that does
// best over the refine step's epochs lies: on the teacher data of bench/recipe_bench.py lr 0.0333
// leads after one epoch and 0.003 to 0.015 do best after 20 (the longer the run, the lower the
// lr), on Fashion-MNIST's CNN 0.0333 leads after one epoch and 0.05 to 0.1 do best with the
// user's step decay over 10. The refine trial of the best tells them apart: on teacher it
// peaks at epoch 4 to 7 of 10, on the CNN at epoch 8 to 10.
struct LastPlace {
  std::pair<double, double> replaced;  // best_few's last, whose place this is
  double lr = 0, weight_decay = 0;     // the best's
  double above = 0;                    // the grid's next lr above the best
  bool above_collapsed = false;
  double below = 0;    // the next lr below on the grid's own ratio (the best squared over `above`)
  double between = 0;  // halfway to `above` on a log scale (the geometric mean)
};
struct RefinePicks {
  std::vector<std::pair<double, double>> pairs;  // trained first; all of them without `last`
  std::optional<LastPlace> last;
};
RefinePicks refine_picks(const std::vector<TrialRecord>& coarse, int top);

// The last place of the refine step, from the best's refine trial `first` (a constant lr): its
// validation accuracy peaked in the last fifth of its epochs (kLatePeak), so it was still
// improving and a larger lr may go further (with the user's decaying schedule above all), and
// the lr above did not collapse in step 4: `between`; else (it peaked earlier, or did not
// complete): `below`. Both with the best's weight decay. `why`: the choice in one sentence.
// A flat peak (val_acc 0.979, 1.0, 1.0, 1.0) counts by its last epoch (last_best_epoch): it has
// not fallen, so it is still improving for this rule.
inline constexpr double kLatePeak = 0.8;
std::pair<double, double> last_place(const LastPlace& last, const TrialRecord& first,
                                     std::string* why);

// The last epoch at which a trial of step 4 or 5 had its best validation accuracy: where a flat
// peak ends. The trainer's best_epoch is the first epoch that reached it, so a curve 0.979, 1.0,
// 1.0, 1.0 "peaked" at epoch 2 of 4 by it, though it never fell. best_epoch when the curves do
// not say more.
int last_best_epoch(const TrialRecord& r);

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
