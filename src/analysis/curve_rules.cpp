// curve_rules.cpp: the rules of diagnosis.h, one per label (curve_rules.h). Each reads the
// curves for its label and fills a Finding when it fires; diagnose() (diagnosis.cpp) runs them and
// resolves what contradicts. The divergence rule is in diverged_rules.cpp, those that read how a
// trial ended in outcome_rules.cpp.
#include "analysis/curve_rules.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "analysis/curve_series.h"
#include "core/text.h"
#include "trial/failure.h"

namespace hs::rules {

using namespace curves;

std::optional<Finding> check_initial_loss(const TrialRecord& in, const DiagnosisOptions& opt) {
  if (std::isnan(in.initial_loss) || in.num_classes < 2) return std::nullopt;
  const InitialLossJudgement j =
      judge_initial_loss(in.initial_loss, in.num_classes, opt.initial_loss_rel);
  if (j.ok) return std::nullopt;
  const double expect = j.expected, rel = j.rel_error;
  const bool high = !(in.initial_loss < expect);
  std::string ev = "the loss before any update was " + num(in.initial_loss) + ", ";
  ev += std::isfinite(in.initial_loss) ? pct(rel) + (high ? " above" : " below")
                                       : std::string("not near");
  ev += " ln(" + std::to_string(in.num_classes) + ") = " + num(expect) +
        ", the loss of uniform predictions (" + initial_loss_bound_text(opt.initial_loss_rel) + ")";
  std::string advice =
      high ? "check the inputs' scale and the initialisation: the logits should start near 0 "
             "(normalise the inputs, e.g. [train] normalize = \"standard\", or scale the last "
             "layer's weights down), and measure without weight decay"
           : "a loss below chance before training is a bug: check the loss (averaging, log of "
             "probabilities) and that the labels do not leak into the inputs";
  return make("initial_loss", ev, advice, 0, 0);
}

std::optional<Finding> check_bad_init(const TrialRecord& in, const DiagnosisOptions& opt,
                                      const Vec& L) {
  const size_t n = L.size();
  if (n < static_cast<size_t>(std::max(opt.min_epochs, opt.bad_init_flat_epochs + 1)))
    return std::nullopt;
  const double r =
      median(Vec(L.begin(), L.begin() + 3));  // the starting level, robust to one odd epoch
  if (!(r > 0)) return std::nullopt;
  size_t k = 0;
  while (k < n && std::fabs(L[k] - r) <= opt.flat_rel * r) ++k;
  if (k < static_cast<size_t>(opt.bad_init_flat_epochs) || k >= n) return std::nullopt;
  const size_t last = std::min(n, k + static_cast<size_t>(opt.bad_init_drop_epochs));
  for (size_t j = k; j < last; ++j) {
    if (L[j] > (1.0 - opt.bad_init_drop) * r) continue;
    return make(
        "bad_init",
        "train_loss stayed within " + pct(opt.flat_rel) + " of " + num(r) + " for " +
            epochs(in, 0, k - 1) + ", then fell to " + num(L[j]) + " by epoch " +
            std::to_string(ep(in, j)),
        "check the weight initialisation (He/Xavier scale for the activation) and the input "
        "normalisation: the first " +
            std::to_string(k) + " epochs made no progress",
        ep(in, 0), ep(in, j));
  }
  return std::nullopt;
}

std::optional<Finding> check_plateau(const TrialRecord& in, const DiagnosisOptions& opt,
                                     const Vec& L, const Vec& S) {
  const size_t n = L.size();
  if (n < static_cast<size_t>(std::max(opt.min_epochs, opt.plateau_epochs + 1)) || !(L[0] > 0))
    return std::nullopt;
  // The rule reads the lr ("while the lr stays high"): curves without one (a command that prints
  // no lr) cannot show it.
  if (!std::all_of(in.curves.begin(), in.curves.end(),
                   [](const EpochRow& e) { return std::isfinite(e.lr); }))
    return std::nullopt;
  // suffix minima of the loss averaged over plateau_smooth epochs (W); the plateau starts at the
  // first epoch p after which it never got flat_rel below W[p].
  const Vec W = smooth(L, std::max(opt.smooth_window, opt.plateau_smooth | 1));
  Vec suf(W);
  for (size_t i = n - 1; i-- > 0;) suf[i] = std::min(W[i], suf[i + 1]);
  size_t p = 0;
  while (p < n && suf[p] < (1.0 - opt.flat_rel) * W[p]) ++p;
  double gained = 0;  // how much the average gained over the plateau
  if (n - p >= static_cast<size_t>(opt.plateau_epochs)) {
    gained = (W[p] - suf[p]) / W[p];
  } else {  // no stall: the noisy form over the second half, or no plateau
    p = n / 2;
    int rises = 0;
    for (size_t i = p; i < n; ++i) rises += L[i] > (1.0 + opt.plateau_rise) * L[i - 1];
    gained = (W[p] - W[n - 1]) / W[p];
    if (rises < opt.plateau_rises || !(gained < opt.plateau_noisy_gain)) return std::nullopt;
  }
  if (L[0] - W[p] < opt.plateau_progress * L[0]) return std::nullopt;  // no early progress
  double lr_peak = 0, lr_lo = std::numeric_limits<double>::infinity(), lr_hi = 0;
  for (size_t i = 0; i < n; ++i) lr_peak = std::max(lr_peak, in.curves[i].lr);
  for (size_t i = p; i < n; ++i) {
    lr_lo = std::min(lr_lo, in.curves[i].lr);
    lr_hi = std::max(lr_hi, in.curves[i].lr);
  }
  if (lr_lo < opt.lr_high_frac * lr_peak) return std::nullopt;  // decayed already
  double acc_tail = 0;
  for (size_t i = p; i < n; ++i) acc_tail += in.curves[i].train_acc / static_cast<double>(n - p);
  if (acc_tail >= opt.fitted_train_acc) return std::nullopt;
  double noise = 0;
  for (size_t i = p; i < n; ++i)
    noise += std::fabs(L[i] - S[i]) / S[i] / static_cast<double>(n - p);
  if (noise < opt.plateau_noise) return std::nullopt;  // settled, not bouncing at a high lr
  const std::string lr =
      lr_lo == lr_hi ? "at " + num(lr_lo) : "between " + num(lr_lo) + " and " + num(lr_hi);
  return make("plateau",
              "train_loss fell from " + num(L[0]) + " (epoch " + std::to_string(ep(in, 0)) +
                  ") to " + num(W[p]) + " (epoch " + std::to_string(ep(in, p)) + ", " +
                  std::to_string(std::max(opt.smooth_window, opt.plateau_smooth | 1)) +
                  "-epoch average), then improved by only " + pct(gained) + " over " +
                  epochs(in, p, n - 1) + " while lr stayed " + lr + " (the loss strays " +
                  pct(noise) + " from its average epoch to epoch)",
              "add learning-rate decay (a x0.1 step near epoch " + std::to_string(ep(in, p)) +
                  ", or cosine): the lr is likely too high to settle lower",
              ep(in, p), ep(in, n - 1));
}

std::optional<Finding> check_decay_too_early(const TrialRecord& in, const DiagnosisOptions& opt,
                                             const Vec& L) {
  const size_t n = L.size();
  if (n < static_cast<size_t>(opt.min_epochs)) return std::nullopt;
  if (!std::all_of(L.begin(), L.end(), [](double v) { return v > 0; })) return std::nullopt;
  Vec lnL(n);
  for (size_t i = 0; i < n; ++i) lnL[i] = std::log(L[i]);
  const auto per_epoch = [](double rate) { return pct(1.0 - std::exp(-rate)) + "/epoch"; };
  for (size_t s = 1; s < n; ++s) {
    const double before = in.curves[s - 1].lr, after = in.curves[s].lr;
    if (!(before > 0) || !(after * opt.decay_step_factor <= before)) continue;  // NaN: no step
    const size_t pre = std::min(static_cast<size_t>(opt.decay_pre_epochs), s);
    // After the step from epoch s + 1: epoch s's mean loss still carries the progress the
    // previous epoch made in its second half (an epoch's mean trails its weights by half an
    // epoch), which is no progress at the new lr.
    const size_t post = std::min(static_cast<size_t>(opt.decay_post_epochs), n - s - 1);
    if (pre < 3 || post < 3) continue;  // two points are one difference: noise
    const double pre_rate = -slope(lnL, s - pre, s - 1);
    const double post_rate = -slope(lnL, s + 1, s + post);
    if (pre_rate < opt.decay_fast_rate || post_rate > opt.decay_flat_rate) continue;
    return make("decay_too_early",
                "lr dropped " + num(before / after) + "x at epoch " + std::to_string(ep(in, s)) +
                    " (" + num(before) + " -> " + num(after) + ") while train_loss was falling " +
                    per_epoch(pre_rate) + " (" + epochs(in, s - pre, s - 1) + "); over " +
                    epochs(in, s + 1, s + post) + " it fell " + per_epoch(post_rate),
                "decay later (move this step past epoch " + std::to_string(ep(in, s)) +
                    ") or more gently, or start from a larger learning rate",
                ep(in, s - pre), ep(in, s + post));
  }
  return std::nullopt;
}

namespace {

// The standard deviation of a series' epoch-to-epoch noise, from the median absolute residual
// against its centred 3-epoch average (interior epochs): a trend that is straight over three
// epochs leaves no residual, and for independent noise of deviation sigma the residual has
// deviation sqrt(2/3) sigma, whose median magnitude is 0.55 sigma.
double epoch_noise(const Vec& y) {
  if (y.size() < 3) return 0;
  Vec r;
  for (size_t i = 1; i + 1 < y.size(); ++i)
    r.push_back(std::fabs(y[i] - (y[i - 1] + y[i] + y[i + 1]) / 3.0));
  return median(r) / 0.55;
}

const std::string kRegularise =
    "add regularisation (weight decay, dropout, augmentation) or more data; ";

// Which checkpoint to keep: the trial's best epoch by the sweep's metric when it has one (what the
// trainer tests and the recipe trains to: naming val_loss's lowest epoch beside it would send the
// reader two ways), else the epoch the finding turns at (`turn`, a row). best_epoch is an epoch
// number, not a row: a command may print epochs 2, 4, 6.
std::string keep_checkpoint(const TrialRecord& in, size_t turn) {
  const bool known =
      in.best_epoch >= 1 && std::any_of(in.curves.begin(), in.curves.end(),
                                        [&](const EpochRow& e) { return e.epoch == in.best_epoch; });
  const int e = known ? in.best_epoch : ep(in, turn);
  return "the checkpoint of epoch " + std::to_string(e) +
         (known ? " (the best by the sweep's metric)" : "") + " is the one to keep";
}

}  // namespace

std::optional<Finding> check_overfitting(const TrialRecord& in, const DiagnosisOptions& opt,
                                         const Vec& L, const Vec& S) {
  const size_t n = L.size();
  if (n < static_cast<size_t>(opt.min_epochs)) return std::nullopt;
  const Vec va = column(in, [](const EpochRow& e) { return e.val_acc; });
  const Vec ta = column(in, [](const EpochRow& e) { return e.train_acc; });
  const Vec vl = column(in, [](const EpochRow& e) { return e.val_loss; });
  const Vec V = smooth(va, opt.smooth_window), T = smooth(ta, opt.smooth_window);
  const size_t min_after = static_cast<size_t>(std::max(1, opt.overfit_epochs));
  const auto tail_from = [&](size_t b) { return n - std::min<size_t>(3, n - 1 - b); };
  // training still improving since epoch b: accuracy up, or loss down while accuracy does not
  // fall (a chaotic run at a huge lr can lower its loss while both accuracies drop: not
  // overfitting)
  const auto train_improves = [&](size_t b) {
    const size_t t0 = tail_from(b);
    const double acc_gain = mean(ta, t0, n - 1) - T[b];
    return acc_gain >= opt.overfit_train_rise ||
           (mean(L, t0, n - 1) <= (1.0 - opt.flat_rel) * S[b] &&
            !(acc_gain <= -opt.overfit_train_rise));
  };

  // val_acc falling from its peak. The peak is found on the smoothed curve, then pinned to the
  // raw epoch beside it, so the quoted numbers are in the curves and "after" counts real epochs.
  const size_t b = argmax(V);
  size_t pk = b;
  for (size_t i = (b > 0 ? b - 1 : 0); i <= std::min(n - 1, b + 1); ++i)
    if (va[i] > va[pk]) pk = i;
  if (n - 1 - pk >= min_after) {
    const size_t t0 = tail_from(pk);
    const double v_end = mean(va, t0, n - 1);
    const double drop_needed =
        std::max(opt.overfit_val_drop, opt.overfit_noise_z * epoch_noise(va));
    if (V[b] - v_end >= drop_needed && slope(va, pk, n - 1) < 0 && train_improves(pk)) {
      const double t_end = mean(ta, t0, n - 1);
      // Without train_acc (a command that prints none) training improved by its loss: quoted.
      const std::string train =
          std::isfinite(ta[pk]) && std::isfinite(t_end)
              ? "train_acc went from " + num(ta[pk]) + " to " + num(t_end) +
                    "; the gap grew from " + num(ta[pk] - va[pk]) + " to " + num(t_end - v_end)
              : "train_loss went from " + num(L[pk]) + " to " + num(mean(L, t0, n - 1));
      return make("overfitting",
                  "val_acc fell from " + num(va[pk]) + " (epoch " + std::to_string(ep(in, pk)) +
                      ") to " + num(v_end) + " (mean of " + epochs(in, t0, n - 1) + ") while " +
                      train,
                  kRegularise + keep_checkpoint(in, pk), ep(in, pk), ep(in, n - 1));
    }
  }

  // val_loss rising from its minimum
  if (!all_finite(vl)) return std::nullopt;
  const Vec VL = smooth(vl, opt.smooth_window);
  const size_t m = argmin(VL);
  size_t lo = m;
  for (size_t i = (m > 0 ? m - 1 : 0); i <= std::min(n - 1, m + 1); ++i)
    if (vl[i] < vl[lo]) lo = i;
  if (n - 1 - lo >= min_after && VL[m] > 0) {
    const size_t t0 = tail_from(lo);
    const double l_end = mean(vl, t0, n - 1);
    if (l_end >= (1.0 + opt.overfit_val_loss_rise) * VL[m] && slope(vl, lo, n - 1) > 0 &&
        train_improves(lo)) {
      return make("overfitting",
                  "val_loss rose from " + num(vl[lo]) + " (epoch " + std::to_string(ep(in, lo)) +
                      ") to " + num(l_end) + " (mean of " + epochs(in, t0, n - 1) +
                      ") while train_loss fell from " + num(L[lo]) + " to " +
                      num(mean(L, t0, n - 1)),
                  kRegularise + keep_checkpoint(in, lo), ep(in, lo), ep(in, n - 1));
    }
  }
  return std::nullopt;
}

// Overfitting as a gap: val_acc stalls over the last half far below train_acc (the val curves
// need not turn down when the network memorises a small set slowly; and at a high lr training
// may stall too, bouncing near a train_acc the validation set never reaches).
std::optional<Finding> check_overfit_gap(const TrialRecord& in, const DiagnosisOptions& opt) {
  const size_t n = in.curves.size();
  const size_t h = n / 2;
  if (n < static_cast<size_t>(opt.min_epochs) ||
      n - h < static_cast<size_t>(std::max(3, opt.overfit_epochs)))
    return std::nullopt;
  const Vec va = column(in, [](const EpochRow& e) { return e.val_acc; });
  const Vec ta = column(in, [](const EpochRow& e) { return e.train_acc; });
  if (!all_finite(va) || !all_finite(ta)) return std::nullopt;
  const size_t t0 = n - 3;
  const double gap = mean(ta, t0, n - 1) - mean(va, t0, n - 1);
  const double rise = mean(ta, t0, n - 1) - mean(ta, h, h + 2);
  // stalled: the smoothed val_acc never got more than the noise above where the half began
  const Vec V = smooth(va, opt.smooth_window);
  const double gained = *std::max_element(V.begin() + static_cast<long>(h), V.end()) - V[h];
  if (gap < opt.overfit_gap ||
      gained > std::max(opt.overfit_val_drop, opt.overfit_noise_z * epoch_noise(va)))
    return std::nullopt;
  const std::string train = rise >= opt.overfit_train_rise ? " train_acc rose to "
                                                           : " train_acc stayed near ";
  return make(
      "overfitting",
      "over " + epochs(in, h, n - 1) + train + num(mean(ta, t0, n - 1)) +
          " while val_acc stalled near " + num(mean(va, t0, n - 1)) + " (it gained " +
          points(gained) + "); the gap is " + points(gap),
      "add regularisation (weight decay, dropout, augmentation) or more data; longer training "
      "will not raise val_acc",
      ep(in, h), ep(in, n - 1));
}

namespace {

// What to try for an underfitting trial whose loss did fall: raise the lr toward the sweep's best
// trial's when it is lr_far_below_best below it, or while the loss still falls fast at the end
// (unless the updates are too large already); otherwise a bigger model, and lower the regularisation it has (only the
// one it has: weight decay or dropout at zero is not named; unknown ones conditionally).
std::string underfit_advice(const TrialRecord& in, const SweepContext& ctx,
                            const DiagnosisOptions& opt, const Vec& L, bool large_updates) {
  // the smoothed loss: a loss bouncing at a high lr is not "still falling" for one lucky epoch;
  // nor is an lr whose updates are already too large too low
  const Vec S = smooth(L, opt.smooth_window);
  const size_t n = S.size(), k = std::min<size_t>(static_cast<size_t>(opt.decay_pre_epochs), n);
  const std::string below = lr_below_best(in, ctx, opt.lr_far_below_best);
  if (!large_updates && !below.empty())
    return "raise the learning rate toward the best's: " + below;
  if (k >= 3 && !large_updates &&
      std::all_of(S.end() - static_cast<long>(k), S.end(), [](double v) { return v > 0; })) {
    Vec lnL(S.end() - static_cast<long>(k), S.end());
    for (double& v : lnL) v = std::log(v);
    const double rate = -slope(lnL, 0, k - 1);
    if (rate >= opt.decay_fast_rate)
      return "raise the learning rate (or train longer): the loss was still falling " +
             pct(1.0 - std::exp(-rate)) + "/epoch at the end";
  }
  std::string advice = "use a bigger model (wider or deeper) or train longer";
  const Regularisation r = regularisation_of(in, ctx);
  std::string lower;
  if (r.weight_decay > 0) lower = "the weight decay (" + num(r.weight_decay) + ")";
  if (r.dropout > 0)
    lower += (lower.empty() ? "the dropout (" : " and the dropout (") + num(r.dropout) + ")";
  if (!lower.empty()) return advice + "; lower " + lower;
  if (std::isnan(r.weight_decay) || std::isnan(r.dropout))
    advice += "; if the config sets weight decay or dropout, lower them";
  return advice;
}

}  // namespace

// Not learning at all: the train loss never fell flat_rel below epoch 1's. A loss that rose past
// it (its smoothed end flat_rel above epoch 1's, short of the diverged rules) is no lr too low:
// it climbs, so the advice is a lower lr, as it is for a flat loss at an lr above the sweep's best.
std::optional<Finding> check_not_learning(const TrialRecord& in, const SweepContext& ctx,
                                          const DiagnosisOptions& opt, const Vec& L) {
  const size_t n = L.size();
  if (!(L[0] > 0)) return std::nullopt;
  const size_t lo = argmin(L);
  if (L[lo] < (1.0 - opt.flat_rel) * L[0]) return std::nullopt;
  const bool rose = smooth(L, opt.smooth_window)[n - 1] > (1.0 + opt.flat_rel) * L[0];
  const std::string above = lr_above_best(in, ctx),
                    below = lr_below_best(in, ctx, opt.lr_far_below_best);
  const std::string evidence =
      rose ? "train_loss rose from " + num(L[0]) + " (epoch " + std::to_string(ep(in, 0)) +
                 ") to " + num(L[n - 1]) + " (epoch " + std::to_string(ep(in, n - 1)) + ")" +
                 lr_note(" at lr ", in.curves[n - 1].lr, "") + " and never fell " +
                 pct(opt.flat_rel) + " below its start: the network is not learning"
           : "train_loss never fell " + pct(opt.flat_rel) + " below epoch " +
                 std::to_string(ep(in, 0)) + "'s " + num(L[0]) + " in " + std::to_string(n) +
                 " epochs (lowest " + num(L[lo]) + " at epoch " + std::to_string(ep(in, lo)) +
                 "): the network is not learning";
  std::string advice;
  if (rose)
    advice = "lower the learning rate: a loss that climbs is overshooting, not an lr too low" +
             (above.empty() ? std::string() : " (" + above + ")") +
             "; check the initialisation and that the labels match the inputs";
  else if (!above.empty())
    advice = "lower the learning rate: " + above +
             "; a loss flat from the start at a higher lr is a network whose units died or "
             "saturated in its first updates. Check the initialisation too";
  else
    advice = "raise the learning rate (a flat loss means it is too low" +
             (below.empty() ? std::string() : ": " + below) +
             "); check the initialisation and that the labels match the inputs";
  return make("underfitting", evidence, advice, ep(in, 0), ep(in, n - 1));
}

std::optional<Finding> check_underfitting(const TrialRecord& in, const SweepContext& ctx,
                                          const DiagnosisOptions& opt, const Vec& L,
                                          bool large_updates) {
  const size_t n = L.size();
  if (n < static_cast<size_t>(opt.min_epochs)) return std::nullopt;
  if (std::optional<Finding> f = check_not_learning(in, ctx, opt, L)) return f;
  if (!std::isfinite(ctx.best_val_acc)) return std::nullopt;
  const Vec va = column(in, [](const EpochRow& e) { return e.val_acc; });
  const Vec ta = column(in, [](const EpochRow& e) { return e.train_acc; });
  // The gap needs both accuracies: a command that prints no train_acc, or a val_acc NaN
  // throughout, has no gap to read, and this rule does not guess one.
  if (!all_finite(va) || !all_finite(ta)) return std::nullopt;
  const size_t best = argmax(va);
  const double below = ctx.best_val_acc - va[best];
  if (below < opt.underfit_below_best) return std::nullopt;
  const size_t t0 = n - std::min<size_t>(3, n);
  const double t_end = mean(ta, t0, n - 1), v_end = mean(va, t0, n - 1);
  if (t_end - v_end > std::max(opt.underfit_gap, opt.underfit_gap_frac * below))
    return std::nullopt;
  return make("underfitting",
              "train_acc " + num(t_end) + " and val_acc " + num(v_end) + " over " +
                  epochs(in, t0, n - 1) + " (gap " + num(t_end - v_end) + "); the best val_acc " +
                  num(va[best]) + " (epoch " + std::to_string(ep(in, best)) + ") is " +
                  points(below) + " below the sweep's best " + num(ctx.best_val_acc),
              underfit_advice(in, ctx, opt, L, large_updates), ep(in, t0), ep(in, n - 1));
}

UpdateRatioFindings check_update_ratio(const TrialRecord& in, const SweepContext& ctx,
                                       const DiagnosisOptions& opt) {
  struct Side {
    std::string layers;
    int from = 0, to = 0;
  } high, low;
  const auto note = [&](Side& side, const std::string& name, double med, size_t out, size_t of,
                        int a, int b) {
    side.layers += (side.layers.empty() ? "" : ", ") + name + " (median " + sci(med) + ", " +
                   std::to_string(out) + " of " + std::to_string(of) + " epochs)";
    side.from = side.from == 0 ? a : std::min(side.from, a);
    side.to = std::max(side.to, b);
  };
  // An epoch on a fitted training set has no say on the low side: its updates are small because
  // its loss has nothing left to fit, not because the lr is too low.
  const bool fractions = accuracies_are_fractions(in);
  const auto fitted = [&](size_t i) {
    return fractions && i < in.curves.size() && in.curves[i].train_acc >= opt.fitted_train_acc;
  };
  size_t n_fitted = 0;
  for (size_t i = 0; i < in.update_ratio.size(); ++i) n_fitted += fitted(i);
  for (size_t j = 0; j < in.layer_names.size(); ++j) {
    Vec v, v_lo;  // the layer's ratios: every epoch's, and those of epochs not fitted
    size_t n_hi = 0, n_lo = 0;
    int hi_a = 0, hi_b = 0, lo_a = 0, lo_b = 0;
    for (size_t i = 0; i < in.update_ratio.size(); ++i) {
      if (j >= in.update_ratio[i].size() || !std::isfinite(in.update_ratio[i][j])) continue;
      const double r = in.update_ratio[i][j];
      v.push_back(r);
      if (!fitted(i)) v_lo.push_back(r);
      const int e = ep(in, i);
      if (r > opt.ratio_high) {
        ++n_hi;
        if (!hi_a) hi_a = e;
        hi_b = e;
      } else if (r < opt.ratio_low && !fitted(i)) {
        ++n_lo;
        if (!lo_a) lo_a = e;
        lo_b = e;
      }
    }
    if (v.empty()) continue;
    if (static_cast<double>(n_hi) > opt.ratio_epoch_frac * static_cast<double>(v.size()))
      note(high, in.layer_names[j], median(v), n_hi, v.size(), hi_a, hi_b);
    else if (!v_lo.empty() &&
             static_cast<double>(n_lo) > opt.ratio_epoch_frac * static_cast<double>(v_lo.size()))
      note(low, in.layer_names[j], median(v_lo), n_lo, v_lo.size(), lo_a, lo_b);
  }
  UpdateRatioFindings out;
  if (!high.layers.empty()) {
    const std::string worse = lr_lower_did_worse(in, ctx);
    out.high = make(
        "update_ratio",
        "update/weight ratio above " + sci(opt.ratio_high) + " (healthy ~1e-3) for " + high.layers,
        worse.empty()
            ? "lower the learning rate: updates this large churn the weights (or these weights "
              "start too small)"
            : "keep the learning rate, as lowering it did worse here (" + worse +
                  "): updates this large at the lr that did best point to these weights starting "
                  "too small (their initialisation)",
        high.from, high.to);
  }
  if (!low.layers.empty()) {
    const std::string above = lr_above_best(in, ctx);
    out.low = make(
        "update_ratio",
        "update/weight ratio below " + sci(opt.ratio_low) + " (healthy ~1e-3) for " + low.layers +
            (n_fitted == 0 ? std::string()
                           : " (not counting the " + std::to_string(n_fitted) +
                                 " epochs at train_acc " + num(opt.fitted_train_acc) +
                                 " or more: a fitted training set's updates are small)"),
        above.empty()
            ? "raise the learning rate, or look for vanishing gradients in these layers"
            : "lower the learning rate: " + above +
                  "; updates this small at a higher lr are gradients that vanished, as when units "
                  "die in the first updates",
        low.from, low.to);
  }
  return out;
}

}  // namespace hs::rules
