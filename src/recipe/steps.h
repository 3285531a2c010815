// steps.h: the first three steps of the lecture's small-budget tuning procedure (issue 7), as
// plain functions that a CLI command or an MPI scheduler calls and whose results carry what a
// report needs (what was tried, the numbers, a verdict and a one-paragraph explanation).
//
//   1. check_initial_loss   the loss of the untrained model on a few batches is ~ ln(C)
//   2. overfit_small_sample a few minibatches, no regularisation, reach 100% training accuracy
//   3. lr_trial + pick_lr   ~100 iterations on the whole training set per learning rate; the lr
//                           whose loss falls most wins. lr_trial is one lr (a worker rank's job),
//                           pick_lr is rank 0's choice from all trials.
//
// Every step starts from the same initialisation train() would use for `base`
// (derive_seed(base.seed, 0, kInit)); the samples and batch orders each step draws come from
// derive_seed(base.seed, kRecipe*, kShuffle) (the ids below), so a step repeats bit for bit and
// never shares a stream with training's own shuffle (ids 1, 2, ... are train()'s epochs).
// Steps 1 and 2 turn regularisation off (weight_decay 0, dropout 0), as the lecture says; step 3
// uses a small weight decay (LrFindOptions::weight_decay) and no dropout.
//
// May depend on: train (its public Probe: never nn/), analysis/initial_loss.h, recipe/lr_edge.h,
// data, core. Never MPI or files (the caller stores the results). Thread safety: each call
// builds its own Probe; with base.threads > 0 that sets the OpenMP thread count (as train()
// does), so run one call per process or rank at a time.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "analysis/initial_loss.h"
#include "core/error.h"
#include "data/dataset.h"
#include "recipe/lr_edge.h"
#include "train/options.h"
#include "trial/status.h"

namespace hs {

// The `id` of derive_seed(base.seed, id, SeedPurpose::kShuffle) for each step's sample choice and
// batch order. Far above any epoch number, so no step reuses one of train()'s epoch shuffles.
inline constexpr uint64_t kRecipeInitialLossStream = 1'000'001;
inline constexpr uint64_t kRecipeOverfitStream = 1'000'002;
inline constexpr uint64_t kRecipeLrFindStream = 1'000'003;

// ---------------------------------------------------------------------------------------------
// Step 1: the initial loss.

struct InitialLossOptions {
  // Minibatches (of base.batch_size samples, drawn at random from the training set) averaged:
  // one batch of 32 has a standard error of a few percent of ln C; five bring that to ~1-2%,
  // well inside the tolerance, at the cost of five forward passes.
  int batches = 5;
  // A loss more than a factor 1 + this from ln C fails the check: the bound the post-hoc
  // diagnosis uses too (analysis/initial_loss.h says why), so the recipe and `hypersweep show`
  // agree.
  double rel_tolerance = kInitialLossTolerance;
};

struct InitialLossResult {
  double loss = NAN;         // mean cross-entropy over the batches, before any update
  double expected = NAN;     // ln(classes): the loss of uniform predictions
  double rel_error = NAN;    // |loss - expected| / expected (inf when loss is not finite)
  double tolerance = 0;      // the rel_tolerance used
  int classes = 0;
  int batches = 0;           // batches actually measured (fewer when the training set is small)
  int64_t samples = 0;       // samples those batches held
  std::vector<double> batch_losses;  // the mean loss of each batch
  bool ok = false;
  std::string verdict;       // "ok", "too_high", "too_low" or "not_finite"
  std::string report;        // one paragraph: measured vs expected, tolerance, what to do
};

// Builds base's model with weight_decay 0 and dropout 0 and the initialisation train() would
// use, and measures the mean loss on `batches` random training minibatches in inference mode.
// "Before any update" means exactly those parameters; with dropout off the training and
// inference forward passes are the same, so the number equals what the first training step
// sees. (With dropout on, inverted dropout keeps the expected logits but adds noise, which
// raises the loss a little; the lecture's ln C refers to the model without it.)
// Errors: a model the data cannot take (e.g. a cnn on tabular data), an empty training set.
// REQUIRES: options.batches >= 1, base.batch_size >= 1.
Result<InitialLossResult> check_initial_loss(const TrainOptions& base, const DataBundle& data,
                                             const InitialLossOptions& options = {});

// ---------------------------------------------------------------------------------------------
// Step 2: overfit a small sample.

struct OverfitOptions {
  // Minibatches (of base.batch_size) in the sample: the lecture's 5-10, at its low end. Small
  // enough that a network of any sensible size can memorise it, so failing to means the
  // optimisation (or the code) is broken, not the model too small. Memorising takes about as
  // many epochs as with 8 (bench/recipe_bench.py's CNN: 51, 34 and 37 against 71, 32 and 31),
  // so the step makes about 5/8 of the updates (on that CNN, 255 against 568 for seed 0).
  int batches = 5;
  // Passes over the sample before giving up on one lr. 5 batches x 200 epochs = 1000 updates,
  // far more than a working setup needs to memorise a few hundred samples (tens of epochs).
  int max_epochs = 200;
  // Tried in this order until one fits. Descending, so the first that fits is the largest that
  // does (the lecture wants the largest lr that still trains); an lr that diverges sends us on
  // to the next smaller one.
  std::vector<double> lrs = {1e-1, 1e-2, 1e-3, 1e-4};
  // The training accuracy (on the sample, inference mode) that counts as overfit: the
  // lecture's 100%.
  double target_acc = 1.0;
  // "Not falling": the sample loss ended less than this fraction below where it started.
  double min_rel_drop = 0.1;
  // A loss above this multiple of its starting value is an explosion, counted like inf/NaN.
  double explode_factor = 3.0;
};

struct OverfitAttempt {
  double lr = 0;
  // kFit (target accuracy reached), kTooHigh (inf/NaN, an explosion, or a loss that rose),
  // kTooLow (the loss fell by less than min_rel_drop), kNoFit (the loss fell but the accuracy
  // stayed below the target within max_epochs).
  TrialStatus outcome = TrialStatus::kNoFit;
  double start_loss = NAN;   // sample loss before any update
  double final_loss = NAN;   // after the last epoch run (NaN/inf when it diverged)
  double final_acc = NAN;
  int epochs = 0;            // epochs run (the one that fit or diverged included)
  // The sample's loss and accuracy (inference mode) after each epoch run, for the curves the
  // recipe file keeps; an epoch that hit inf/NaN mid-way has the diverged batch's loss and a
  // NaN accuracy.
  std::vector<double> losses, accs;
};

struct OverfitResult {
  bool ok = false;                     // some lr fit the sample
  std::vector<OverfitAttempt> tried;   // in the order tried
  double lr = NAN;                     // the lr that fit (NaN when none)
  int64_t samples = 0;                 // the sample's size
  std::string verdict;  // "fit", "lr_too_high" (every lr too high), "lr_too_low" (every lr too
                        // low), or "no_fit" (mixed or slow: see the report)
  std::string report;
};

// Trains base's model (weight_decay 0, dropout 0, constant lr, base's optimiser, batch size and
// initialisation) on a fixed random sample of batches * batch_size training samples, once per
// lr in options.lrs until one reaches target_acc. Each attempt restarts from the same
// initialisation. Errors as check_initial_loss.
// REQUIRES: options.batches >= 1, options.max_epochs >= 1, options.lrs not empty, each > 0.
Result<OverfitResult> overfit_small_sample(const TrainOptions& base, const DataBundle& data,
                                           const OverfitOptions& options = {});

// ---------------------------------------------------------------------------------------------
// Step 3: find a learning rate.

struct LrFindOptions {
  // The candidates (the lecture's coarse log range); only pick_lr's report and a scheduler use
  // the list, lr_trial takes one lr.
  std::vector<double> lrs = {1e-1, 1e-2, 1e-3, 1e-4};
  // Updates per lr: the lecture's ~100, enough for a good lr to move the loss clearly and too
  // few for a slow one to catch up.
  int iterations = 100;
  // The lecture's "small regularisation" for this step (the L2 term is applied in the update
  // and not counted in the loss measured).
  double weight_decay = 1e-4;
  // The loss before and after is measured on this many training samples (a fixed random
  // probe, inference mode) rather than on single noisy minibatches. 0: the whole training set.
  int64_t probe_samples = 1024;
  // A probe loss that ends above this multiple of its start counts as diverged even when finite:
  // a linear softmax, say, overshoots to a huge but finite loss rather than to inf/NaN.
  double explode_factor = 2.0;
};

struct LrTrial {
  double lr = 0;
  double loss_start = NAN;   // probe loss before any update (the same for every lr)
  double loss_end = NAN;     // probe loss after the iterations (NaN/inf when diverged)
  double drop = NAN;         // loss_start - loss_end (NaN when inf/NaN)
  bool diverged = false;     // a minibatch or the final probe loss was inf/NaN, or the probe
                             // loss ended above explode_factor x loss_start
  int iterations = 0;        // updates made (fewer than asked when it diverged)
  std::vector<double> losses;  // each iteration's minibatch loss (before its update)
};

struct LrFindResult {
  std::vector<LrTrial> trials;  // as given to pick_lr
  double best_lr = NAN;         // NaN when no lr lowered the loss
  bool ok = false;
  std::string report;
};

// Trains base's model from its initialisation for options.iterations updates at constant `lr`
// on the whole training set (batches of base.batch_size, reshuffled each pass, the order from
// derive_seed(base.seed, kRecipeLrFindStream, kShuffle)), dropout 0, weight_decay
// options.weight_decay. What one worker rank runs; results repeat bit for bit for the same
// arguments and thread count. Errors as check_initial_loss.
// REQUIRES: lr > 0, options.iterations >= 1.
Result<LrTrial> lr_trial(const TrainOptions& base, const DataBundle& data, double lr,
                         const LrFindOptions& options = {});

// Rank 0's choice: the trial with the largest loss drop; a diverged trial or one whose loss did
// not fall never wins; ties go to the earlier trial. Whether the pick sits at the edge of the
// lrs tried is the recipe's one rule (lr_edge.h).
LrFindResult pick_lr(std::vector<LrTrial> trials);

// Step 3's lrs for the edge rule (lr_edge.h): one collapsed when it diverged or its loss did not
// fall.
std::vector<LrTried> lrs_tried(const std::vector<LrTrial>& trials);

// The whole of step 3 in one process: lr_trial for each of options.lrs, then pick_lr.
Result<LrFindResult> find_lr(const TrainOptions& base, const DataBundle& data,
                             const LrFindOptions& options = {});

}  // namespace hs
