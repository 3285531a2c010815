// diagnosis.h: reads a trial's learning curves the way the lecture (11.2.4 step 1, 11.2.4.1,
// 11.4) teaches a person to, and says what it sees as Findings (finding.h) with the epochs and
// values behind each, plus what to try next.
//
// Labels and the curve shapes they stand for:
//   failed             the trial failed (its status): its error says why, its curves are not read
//                      (besides a blow-up, which may be why it failed)
//   diverged_at_start  diverged in the first epoch (a NaN/inf or exploding loss there), or the
//                      status "diverged" with no finite epoch at all: lr far too high, or broken
//                      inputs
//   diverged         NaN/inf loss, status "diverged", or the training loss exploding: lr too high
//   bad_init         flat from the start, then a sudden drop: the first epochs were wasted
//   plateau          early progress, then flat for many epochs at a still-high lr: add lr decay
//   decay_too_early  the loss was still falling fast when an lr step came, and flattened right
//   there overfitting      val_acc falls (or val_loss rises) while training keeps improving, or
//                    val_acc stalls far below train_acc (a large train/val gap)
//   underfitting     no train/val gap and accuracy well below the sweep's best (or no learning),
//                    with no other curve label to explain it: the label of last resort
//   update_ratio     a layer's ||lr dW|| / ||W|| far from ~1e-3 in most epochs
//   initial_loss     the loss before any update far from ln(C)
//   accuracy_scale   accuracies outside [0, 1] (a command printing percentages): the rules that
//                    read accuracies are not applied, and the advice is to print fractions
//   too_short        fewer than min_epochs epochs (none at all included): too few to read trends
//   pruned           a pruned trial with fewer than min_epochs epochs: short by design, not read
//   healthy          none of the above, on curves long enough to read; never a failed trial
// Every threshold lives in DiagnosisOptions with its reason. Trends are read from a short moving
// average or a least-squares slope over a window, never from one epoch against the next, so
// epoch-to-epoch noise does not fire a label; curves shorter than min_epochs get only the checks
// that need no trend, and too_short. In a command's record (num_classes 0) a NaN is also a row
// that did not print the column: a loss NaN in every row, or in some rows with finite ones after
// them (printed every 5th epoch), is no divergence; one finite in every row before a NaN and never
// again after is. An inf (or -inf) always is.
//
// Depends on: the trial model (EpochRow, TrialRecord in trial/record.h) and
// finding.h. Never on HDF5, MPI or the trainer: it sees numbers, not networks.
// Thread safety: pure functions of their arguments; call from anywhere.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "analysis/finding.h"
#include "analysis/initial_loss.h"
#include "search/space.h"
#include "trial/record.h"

namespace hs {

// What a trial is compared with: the sweep around it.
struct SweepContext {
  SweepContext() = default;
  SweepContext(double best, std::vector<std::string> names = {}, double lr = NAN)
      : best_val_acc(best), best_lr(lr), params(std::move(names)) {}

  double best_val_acc = NAN;  // the sweep's best validation accuracy; NaN: unknown
  // The peak lr of the trial that reached best_val_acc: advice to raise a trial's lr when the
  // sweep did best below it would contradict the sweep. NaN: unknown.
  double best_lr = NAN;
  // The lowest peak lr of the trials best_val_acc was taken among (those with a val_acc) that ran
  // to their own end (not pruned or interrupted: cut short, they did worse on a smaller budget):
  // below best_lr, it says the sweep measured lower lrs and did worse there. NaN: unknown.
  double lowest_lr = NAN;
  // The place (add_to_context) of the trial best_val_acc is from: of trials that tie it, the
  // first in order gives best_lr, whatever order they were added in.
  size_t best_place = SIZE_MAX;
  // The space's parameter names, in TrialRecord::params order: a trial's own weight_decay and
  // dropout are read from there (regularisation_of), so that advice never says to lower one that
  // is already zero. Empty: the trials' values are unknown.
  std::vector<std::string> params;
};

// Whether every finite train_acc and val_acc of the trial lies in [0, 1], as the diagnosis reads
// accuracies (DiagnosisOptions' accuracy thresholds are fractions). A command that prints them in
// percent (val_acc=93) does not: diagnose() then reads its accuracies as not printed and says so
// (accuracy_scale), and sweep_context() leaves it out of the sweep's best.
bool accuracies_are_fractions(const TrialRecord& in);

// The best finite val_acc of any epoch of any trial whose accuracies are fractions and that did
// not fail (a failed trial's curves are not read: rules::failed; NaN when there is none), that
// trial's peak lr, the lowest peak lr of those trials that have a val_acc and ran
// to their own end, and the names of `space`'s parameters.
SweepContext sweep_context(const std::vector<TrialRecord>& trials, const SearchSpace& space = {});
// The same, a trial at a time: sweep_context(trials, space) is sweep_context({}, space) with each
// trials[i] added at place i, and adding them in another order with the same places gives the
// same context (store/read_results.h: each_result).
void add_to_context(SweepContext& ctx, const TrialRecord& t, size_t place);

// A trial's regularisation, read from its parameters by their names in ctx.params. NaN: not a
// parameter of the space (the sweep's base config holds it, which the diagnosis does not read).
struct Regularisation {
  double weight_decay = NAN;
  double dropout = NAN;
};
Regularisation regularisation_of(const TrialRecord& in, const SweepContext& ctx);

// When the trial's peak lr went above ctx.best_lr, what says so ("the sweep's best trial, val_acc
// 0.9, trained at lr 0.01, below this one's 0.25"): advice to raise its lr would contradict the
// sweep. Empty when it did not, either is unknown, or the trial reached the best val_acc itself
// or ties it (trial/tie.h: it did as well at its lr, as far as the validation set can tell).
std::string lr_above_best(const TrialRecord& in, const SweepContext& ctx);

// When ctx.best_lr is at least `factor` times the trial's peak lr, what says so ("the sweep's
// best trial, val_acc 0.95, trained at lr 0.01, 10x or more above this one's 1e-05"): an
// underfitting trial's lr is then what to raise, toward the best's. Empty when it is not, either
// is unknown, or the trial reached the best val_acc itself or ties it.
std::string lr_below_best(const TrialRecord& in, const SweepContext& ctx, double factor);

// When the sweep trained lower lrs than the trial's peak lr and did best at that lr or above, what
// says so ("the sweep's best trial, val_acc 0.9, trained at lr 0.1, not below this one's 0.1,
// and trials down to lr 0.001 did worse"): advice to lower its lr would go against what the sweep
// measured. Empty when it did not, or any of them is unknown.
std::string lr_lower_did_worse(const TrialRecord& in, const SweepContext& ctx);

// Every threshold of diagnose(). Fractions are of 1 (0.05 = 5%), accuracies in [0, 1].
struct DiagnosisOptions {
  // --- general ---
  // Fewer epochs than this: no trend-based label (bad_init, plateau, decay_too_early,
  // overfitting, underfitting, the "rising" form of diverged). Three points fit any story.
  int min_epochs = 4;
  // Moving-average width (odd) for trends. 3 halves the noise of a single epoch yet blurs a real
  // step by one epoch only.
  int smooth_window = 3;
  // A loss that moved less than this relative to its level counts as flat. Epoch-averaged train
  // loss typically wobbles ~1%; 5% is well clear of that and still small next to real progress.
  double flat_rel = 0.05;

  // --- diverged ---
  // Smoothed train loss above this times epoch 1's: the loss is exploding. A correct run never
  // climbs this far above where it started; the first epoch already averages early progress.
  double explode_factor = 1.5;
  // Or: the smoothed train loss ends at least this many times its minimum (a minimum above 0: a
  // loss that goes negative, such as a log-likelihood, has no such ratio, and is not read so)...
  double rise_factor = 2.0;
  // ...and higher than that minimum by at least this fraction of epoch 1's loss (a late loss of
  // 0.004 doubles by noise alone)...
  double rise_min_abs = 0.1;
  // ...at least this many epochs after the minimum (one bad epoch is not a trend).
  int rise_min_epochs = 2;

  // A dead network (every layer's update ratio below this in most epochs, the loss at chance,
  // after a blow-up in epoch 1: see diagnose()) diverged at the start. 1e-6 is 1000x below a
  // healthy ratio; the corpus's dead runs sit at 1e-7-1e-9, its lr 200x too low at 3e-5-1e-4.
  double dead_ratio = 1e-6;
  // The blow-up: epoch 1's largest update ratio above this. The corpus's runs at 100x a good lr
  // (seeds 1-32) reached 0.031-0.2 before dying; its 3-unit networks, whose units can all die at
  // an ordinary lr, 0.0015-0.032, and above 0.025 in 1 of 64 runs. 2.5x ratio_high keeps the two
  // apart where ratio_high alone called 4 of the small networks diverged.
  double dead_blowup_ratio = 0.025;

  // --- bad_init ---
  // At least this many leading epochs within flat_rel of the starting level...
  int bad_init_flat_epochs = 3;
  // ...then within bad_init_drop_epochs epochs the loss falls this fraction below that level.
  // 25% in three epochs is far faster than the flat stretch moved (under 5% in 3+ epochs): a
  // sudden drop, not a slow start. (Two epochs missed the corpus's tiny inits whose escape takes
  // an epoch longer to gather speed: 2.27, 2.17, 1.80, 1.56.)
  double bad_init_drop = 0.25;
  int bad_init_drop_epochs = 3;

  // --- plateau ---
  // The plateau: the longest tail of at least plateau_epochs epochs over which the smoothed train
  // loss never improved by flat_rel. Five epochs without 5% progress is a stall, not noise.
  int plateau_epochs = 5;
  // The stall is read on a moving average this wide (odd; at least smooth_window): it lasts 5+
  // epochs, so a 5-epoch average loses nothing of it and leaves less of the noise a bouncing loss
  // has (with 3, one dip 5% below by chance in a noisy tail hid the plateau in 4 of 10 draws).
  int plateau_smooth = 5;
  // Early progress first: the loss fell at least this fraction of epoch 1's before the tail
  // (otherwise it never learned; see underfitting).
  double plateau_progress = 0.2;
  // And the lr through the tail is still at least this fraction of its peak: no decay has been
  // applied yet, so "add lr decay" is advice the run can still take.
  double lr_high_frac = 0.5;
  // Unless train_acc is already fitted_train_acc or more through the tail (below).
  // And the tail is noisy: the train loss strays from its smoothed curve by at least this
  // fraction on average (mean |L - S| / S). An lr too high to settle makes the loss jump epoch to
  // epoch (0.02-0.09 on the corpus's runs at 10x a good lr); a small network or strong weight
  // decay that has converged sits still (below 0.012 there): that is underfitting, not a plateau
  // that decay would lower.
  double plateau_noise = 0.015;
  // Or the noisy form, for a loss that bounces too much to hold a 5-epoch stall: over the second
  // half of the epochs the train loss rose epoch over epoch by more than plateau_rise at least
  // plateau_rises times, and its plateau_smooth-epoch average gained less than
  // plateau_noisy_gain from the half's start to the end. On the corpus's runs (seeds 1-16), a
  // good lr and a too-small one rose more than 3% at most once in a second half; an lr just below
  // divergence twice or more in 31 of 32 runs, while still gaining 0-20%, against 25-60% for the
  // healthy runs, whose averages still fall.
  double plateau_rise = 0.03;
  int plateau_rises = 2;
  double plateau_noisy_gain = 0.2;

  // --- decay_too_early ---
  // An lr decay step: an epoch whose lr is at most 1/decay_step_factor of the previous one's
  // (step schedules multiply by 0.1; per-epoch cosine/linear changes are far smaller until the
  // very end, where too few epochs follow to judge).
  double decay_step_factor = 2.0;
  // The loss falls at least this fast before the step, as the least-squares slope of ln(loss)
  // per epoch over up to decay_pre_epochs epochs (at least 3)...
  int decay_pre_epochs = 4;
  double decay_fast_rate = 0.03;  // 3%/epoch: clearly still learning at the old lr
  // ...and no faster than this over up to decay_post_epochs epochs after the step's epoch (at
  // least 3; the step's own epoch is left out: its mean loss trails the weights by half an epoch).
  int decay_post_epochs = 4;
  // 2%/epoch: at a 100x smaller lr the corpus's too-early steps still creep 0.5-1.5%/epoch, down
  // from 20-40%/epoch before the step.
  double decay_flat_rate = 0.02;

  // --- overfitting ---
  // At least this many epochs after the smoothed val_acc peak (or val_loss minimum).
  int overfit_epochs = 3;
  // val_acc (mean of the last epochs, up to 3) at least this far below its smoothed peak:
  // one point. Validation noise on 10k samples is ~0.3 points, smoothed less...
  double overfit_val_drop = 0.01;
  // ...and at least this many times the val_acc's own epoch-to-epoch noise (its standard
  // deviation, from the median residual against its 3-epoch average): on 600 validation samples
  // one epoch's accuracy wobbles by 1.5-2 points, and a 3-point dip is two draws of that, not a
  // trend. 2.5, not 2: the peak is the best of several noisy epochs, biased up by about one
  // deviation itself.
  double overfit_noise_z = 2.5;
  // Or val_loss at least this fraction above its smoothed minimum.
  double overfit_val_loss_rise = 0.10;
  // Meanwhile training improves: train_acc up by this much, or train_loss down by flat_rel.
  double overfit_train_rise = 0.01;
  // Or the memorising form: over the last half of the epochs (at least overfit_epochs) val_acc
  // stalled (its smoothed curve never more than the drop rule's margin, overfit_val_drop or
  // overfit_noise_z times its noise, above where the half began), and the train/val gap at the
  // end is at least overfit_gap, whether train_acc still rose or stalled too (at the corpus's
  // overfitting lr, 2.5x a good one, training bounces near 0.9 with val_acc 10-12 points below;
  // requiring a rise read 5 of 32 held-out such runs as a plateau alone). Ten points: the
  // corpus's small-set runs end with gaps of 10.3-22 points (seeds 1-48), its healthy runs
  // mostly with 2-8 (a few Fashion-MNIST ones on 3,000 images reach 10-12: memorising too).
  double overfit_gap = 0.10;

  // --- underfitting ---
  // The trial's best val_acc at least this far below the sweep's best: 5 points.
  double underfit_below_best = 0.05;
  // And train_acc - val_acc over the last (up to 3) epochs at most this: no gap to speak of...
  double underfit_gap = 0.02;
  // ...or at most this fraction of how far the trial is below the sweep's best: closing a gap
  // of 3 points would leave a trial 9 points below the best still 6 below, so the gap is not what
  // holds it back (strong weight decay on the corpus: gaps of 2-3 points, 8-9 below).
  double underfit_gap_frac = 0.5;
  // (A train loss that never fell flat_rel below its start over min_epochs epochs fires too.)
  // An lr this many times below the one the sweep's best trial trained at is far too low: such an
  // underfitting trial is advised to raise it toward the best's, whatever its loss does (at 1e-5
  // against 0.01 a loss falling 4.8% in 30 epochs and one falling 20% were told "raise the lr" and
  // "a bigger model" either side of flat_rel). 10x: the lecture's coarse lr grid steps by 10x.
  double lr_far_below_best = 10.0;

  // --- update_ratio ---
  // Healthy ||lr dW|| / ||W|| is about 1e-3 (lecture 11.4); a decade either way is tolerated.
  double ratio_low = 1e-4;
  double ratio_high = 1e-2;
  // Flag a layer outside the band in more than this fraction of its epochs ("most epochs").
  double ratio_epoch_frac = 0.5;

  // --- a fitted training set ---
  // train_acc this high: the training set is learned. A plateau there has nothing left to gain
  // from decay, and updates below ratio_low there are no lr too low: the cross-entropy's
  // gradient vanishes once every training sample is classified with confidence (a 4-class
  // synthetic set learned in one epoch, then 1e-5 to 1e-7 a step at lrs 0.01 to 0.3; those
  // epochs are left out of the low count).
  double fitted_train_acc = 0.99;

  // --- initial_loss ---
  // |initial_loss - ln C| / ln C above this flags it: the recipe's step 1 bound, for the
  // reasons initial_loss.h gives.
  double initial_loss_rel = kInitialLossTolerance;
};

// Labels a trial from its curves. Returns at least one Finding, in the order of the label list
// above (at most one per label, except update_ratio: one for layers too high, one for too low);
// "healthy" only when nothing else fired. A failed trial gets "failed" (and a divergence, if
// its curves show one), nothing else. After a divergence the curves say nothing more, so only
// initial_loss and update_ratio are read besides. A network whose updates are below dead_ratio
// in most epochs while its loss stays at chance, after updates above ratio_high in epoch 1, died
// in a blow-up: diverged_at_start.
// Labels that contradict each other on the same epochs become one finding with one piece of
// advice:
//   - underfitting beside bad_init, plateau, decay_too_early or initial_loss is dropped: they say
//     why the accuracy is low, and what to change;
//   - underfitting beside overfitting: with a train/val gap of overfit_gap or more at the end
//     (memorising; underfitting allows a gap up to underfit_gap_frac of its shortfall) overfitting
//     stays alone; below it, one underfitting finding that quotes the falling val_acc and the gap
//     (a falling val_acc without memorising: more regularisation would not help);
//   - overfitting beside plateau is dropped (an lr too high to settle shakes the val curves too;
//     decay comes first), unless the train/val gap at the end is overfit_gap or more (memorising
//     holds val_acc down: the plateau is dropped instead).
// Advice to lower the regularisation names what the trial has (regularisation_of), never one that
// is zero; and underfitting never advises raising an lr whose updates are too large already.
// REQUIRES: opt.smooth_window odd and >= 1 (an even width is rounded up).
std::vector<Finding> diagnose(const TrialRecord& in, const SweepContext& ctx,
                              const DiagnosisOptions& opt = {});

}  // namespace hs
