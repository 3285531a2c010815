// diagnosis.cpp: diagnose() runs the rules (curve_rules.h) in the label order of diagnosis.h and
// resolves the labels that contradict each other; the sweep context and a trial's regularisation.
#include "analysis/diagnosis.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "analysis/curve_rules.h"
#include "analysis/curve_series.h"
#include "trial/tie.h"

namespace hs {

bool accuracies_are_fractions(const TrialRecord& in) {
  const auto fraction = [](double v) { return !std::isfinite(v) || (v >= 0 && v <= 1); };
  return std::all_of(in.curves.begin(), in.curves.end(), [&](const EpochRow& e) {
    return fraction(e.train_acc) && fraction(e.val_acc);
  });
}

SweepContext sweep_context(const std::vector<TrialRecord>& trials, const SearchSpace& space) {
  SweepContext ctx;
  for (const Param& p : space.params) ctx.params.push_back(p.name);
  for (size_t i = 0; i < trials.size(); ++i) add_to_context(ctx, trials[i], i);
  return ctx;
}

void add_to_context(SweepContext& ctx, const TrialRecord& t, size_t place) {
  if (!accuracies_are_fractions(t)) return;  // 93 (percent) is no val_acc above 0.95
  // A failed trial's curves are not read for it (rules::failed), nor for the others: "below the
  // sweep's best" would name a value from a trial that has no result.
  if (t.status == TrialStatus::kFailed) return;
  bool measured = false;
  for (const EpochRow& e : t.curves) {
    if (!std::isfinite(e.val_acc)) continue;
    measured = true;
    if (!(e.val_acc <= ctx.best_val_acc) || (e.val_acc == ctx.best_val_acc && place < ctx.best_place)) {
      ctx.best_val_acc = e.val_acc;
      ctx.best_lr = curves::peak_lr(t);
      ctx.best_place = place;
    }
  }
  // A pruned or interrupted trial was cut short: it did worse on a smaller budget, not at its lr.
  const bool ran_out = t.status != TrialStatus::kPruned && t.status != TrialStatus::kInterrupted;
  if (const double lr = curves::peak_lr(t); measured && ran_out && lr > 0 && !(lr >= ctx.lowest_lr))
    ctx.lowest_lr = lr;
}

Regularisation regularisation_of(const TrialRecord& in, const SweepContext& ctx) {
  const auto value = [&](const char* name) {
    for (size_t i = 0; i < ctx.params.size() && i < in.params.size(); ++i) {
      if (ctx.params[i] != name) continue;
      if (const double* d = std::get_if<double>(&in.params[i])) return *d;
      if (const int64_t* k = std::get_if<int64_t>(&in.params[i])) return static_cast<double>(*k);
    }
    return static_cast<double>(NAN);
  };
  return {value("weight_decay"), value("dropout")};
}

namespace {

// Whether the trial itself reached the sweep's best val_acc, or ties it (trial/tie.h: within one
// standard error on its validation set): the best's lr is then no evidence against its own.
bool reached_best(const TrialRecord& in, const SweepContext& ctx) {
  if (!accuracies_are_fractions(in)) return false;
  double best = -INFINITY;
  for (const EpochRow& e : in.curves)
    if (std::isfinite(e.val_acc)) best = std::max(best, e.val_acc);
  return best >= ctx.best_val_acc || accuracy_tie(ctx.best_val_acc, best, in.val_samples);
}

}  // namespace

std::string lr_above_best(const TrialRecord& in, const SweepContext& ctx) {
  const double lr = curves::peak_lr(in);
  if (!(std::isfinite(ctx.best_lr) && std::isfinite(ctx.best_val_acc) && lr > ctx.best_lr) ||
      reached_best(in, ctx))
    return {};
  return "the sweep's best trial, val_acc " + curves::num(ctx.best_val_acc) + ", trained at lr " +
         curves::num(ctx.best_lr) + ", below this one's " + curves::num(lr);
}

std::string lr_below_best(const TrialRecord& in, const SweepContext& ctx, double factor) {
  const double lr = curves::peak_lr(in);
  if (!(std::isfinite(ctx.best_val_acc) && lr > 0 && ctx.best_lr >= factor * lr) ||
      reached_best(in, ctx))
    return {};
  return "the sweep's best trial, val_acc " + curves::num(ctx.best_val_acc) + ", trained at lr " +
         curves::num(ctx.best_lr) + ", " + curves::num(factor) + "x or more above this one's " +
         curves::num(lr);
}

std::string lr_lower_did_worse(const TrialRecord& in, const SweepContext& ctx) {
  const double lr = curves::peak_lr(in);
  if (!(std::isfinite(ctx.best_val_acc) && lr > 0 && ctx.best_lr >= lr && ctx.lowest_lr < lr))
    return {};
  return "the sweep's best trial, val_acc " + curves::num(ctx.best_val_acc) + ", trained at lr " +
         curves::num(ctx.best_lr) + ", not below this one's " + curves::num(lr) +
         ", and trials down to lr " + curves::num(ctx.lowest_lr) + " did worse";
}

namespace {

using namespace curves;
using namespace rules;

// train_acc - val_acc, the mean over the last (up to 3) epochs: NaN when either is missing.
double end_gap(const TrialRecord& in) {
  const size_t n = in.curves.size(), k = std::min<size_t>(3, n);
  double gap = 0;
  for (size_t i = n - k; i < n; ++i)
    gap += (in.curves[i].train_acc - in.curves[i].val_acc) / static_cast<double>(k);
  return gap;
}

// Whether a val_acc that falls or stalls is held down by memorising: a train/val gap of
// overfit_gap or more at the end. It decides between overfitting and the labels it contradicts.
bool memorising(const TrialRecord& in, const DiagnosisOptions& opt) {
  return in.curves.size() > 0 && end_gap(in) >= opt.overfit_gap;
}

// Overfitting and underfitting on the same epochs, without memorising (read_trends keeps `over`
// alone when there is: underfitting allows a gap up to underfit_gap_frac of its shortfall, and a
// falling val_acc under a gap of 21 points is no "train longer"). A val_acc that falls under a
// smaller gap falls with train_acc, or the lr or the regularisation shakes it: `under` stays,
// with the fall quoted, and its advice is the one.
void resolve_fit(Finding* under, const Finding& over, const TrialRecord& in,
                 const DiagnosisOptions& opt) {
  const double gap = end_gap(in);
  under->evidence += "; " + over.evidence +
                     (gap <= opt.underfit_gap
                          ? std::string(", but with no train/val gap that is no overfitting")
                          : ", but a train/val gap of " + points(gap) + " (memorising leaves " +
                                points(opt.overfit_gap) + " or more) is no overfitting");
  under->from_epoch = std::min(under->from_epoch, over.from_epoch);
  under->to_epoch = std::max(under->to_epoch, over.to_epoch);
}

// Plateau and overfitting on the same epochs: memorising is what holds val_acc down and the
// plateau goes ("add decay" would fit the training set tighter still); without it, the lr's
// bouncing shakes the val curves and overfitting goes.
void resolve_plateau(std::vector<Finding>* out, Finding over, const TrialRecord& in,
                     const DiagnosisOptions& opt) {
  if (!memorising(in, opt)) return;
  out->erase(std::remove_if(out->begin(), out->end(), [](const Finding& f) { return f.label == "plateau"; }),
             out->end());
  out->push_back(std::move(over));
}

// A field of `into` that is NaN taken from `from`.
void fill_missing(EpochRow& into, const EpochRow& from) {
  for (double EpochRow::*f : {&EpochRow::lr, &EpochRow::train_loss, &EpochRow::train_acc,
                              &EpochRow::val_loss, &EpochRow::val_acc})
    if (std::isnan(into.*f)) into.*f = from.*f;
  into.seconds = std::max(into.seconds, from.seconds);
}

// One row per epoch: a command that prints a train line and a val line of one epoch (README,
// "Output: what is read") gives two rows, each without the other's columns, which the rules
// would read as losses that became NaN. Consecutive rows of one epoch are merged, the first
// finite value of each column kept; nullopt when no two rows share an epoch.
std::optional<TrialRecord> one_row_per_epoch(const TrialRecord& in) {
  bool shared = false;
  for (size_t i = 1; i < in.curves.size() && !shared; ++i)
    shared = in.curves[i].epoch == in.curves[i - 1].epoch;
  if (!shared) return std::nullopt;
  TrialRecord out = in;
  out.curves.clear();
  out.update_ratio.clear();
  out.curve_extra.clear();
  for (size_t i = 0; i < in.curves.size(); ++i) {
    const bool same = !out.curves.empty() && out.curves.back().epoch == in.curves[i].epoch;
    if (same) {
      fill_missing(out.curves.back(), in.curves[i]);
    } else {
      out.curves.push_back(in.curves[i]);
      out.update_ratio.emplace_back();
      out.curve_extra.emplace_back();
    }
    if (i < in.update_ratio.size() && out.update_ratio.back().empty())
      out.update_ratio.back() = in.update_ratio[i];
    if (i < in.curve_extra.size() && out.curve_extra.back().empty())
      out.curve_extra.back() = in.curve_extra[i];
  }
  return out;
}

// The curves as the trend rules read them: a train_loss that a command printed on some epochs
// only (NaN rows with finite ones after them: diverged_rules.cpp reads those as gaps) has no
// trend to read, so it is read as not printed, as the rules read a column they lack.
TrialRecord readable(const TrialRecord& in) {
  TrialRecord out = in;
  const Vec L = column(in, [](const EpochRow& e) { return e.train_loss; });
  if (!all_finite(L))
    for (EpochRow& e : out.curves) e.train_loss = NAN;
  return out;
}

// The labels read from the curves' trends (bad_init ... underfitting) of a trial that did not
// diverge, resolved where they contradict, appended to *out. `large_updates`: update_ratio's
// `high` fired.
void read_trends(const TrialRecord& in, const SweepContext& ctx, const DiagnosisOptions& opt,
                 bool large_updates, std::vector<Finding>* out) {
  const auto add = [&](std::optional<Finding> f) {
    if (f) out->push_back(std::move(*f));
  };
  const Vec L = column(in, [](const EpochRow& e) { return e.train_loss; });
  const Vec S = smooth(L, opt.smooth_window);
  add(check_bad_init(in, opt, L));
  add(check_plateau(in, opt, L, S));
  add(check_decay_too_early(in, opt, L));
  const bool explained = !out->empty() || check_initial_loss(in, opt);
  const bool plateau =
      std::any_of(out->begin(), out->end(), [](const Finding& f) { return f.label == "plateau"; });
  std::optional<Finding> over = check_overfitting(in, opt, L, S);
  if (!over) over = check_overfit_gap(in, opt);
  std::optional<Finding> under = check_underfitting(in, ctx, opt, L, large_updates);
  if (under && over && memorising(in, opt)) {
    under.reset();
  } else if (under && over) {  // `over` goes (and `under` too when explained)
    resolve_fit(&*under, *over, in, opt);
    over.reset();
  }
  if (over && plateau) resolve_plateau(out, std::move(*over), in, opt);
  else add(std::move(over));
  if (!explained) add(std::move(under));
}

// A trial whose accuracies are not fractions in [0, 1]: diagnosed with them read as not printed
// (every threshold on them is a fraction: a gap of 2 is no 2 points), and accuracy_scale saying
// so where healthy would be (its curves were not all read). A failed trial's curves are not read.
std::vector<Finding> diagnose_unscaled(const TrialRecord& in, const SweepContext& ctx,
                                       const DiagnosisOptions& opt) {
  TrialRecord blind = in;
  for (EpochRow& e : blind.curves) e.train_acc = e.val_acc = NAN;
  std::vector<Finding> out = diagnose(blind, ctx, opt);
  if (in.status == TrialStatus::kFailed) return out;
  out.erase(std::remove_if(out.begin(), out.end(), [](const Finding& f) { return f.label == "healthy"; }),
            out.end());
  const auto after = std::find_if(out.begin(), out.end(), [](const Finding& f) {
    return f.label == "too_short" || f.label == "pruned";
  });
  out.insert(after, accuracy_scale(in));
  return out;
}

}  // namespace

std::vector<Finding> diagnose(const TrialRecord& in, const SweepContext& ctx, const DiagnosisOptions& o) {
  if (const std::optional<TrialRecord> merged = one_row_per_epoch(in))
    return diagnose(*merged, ctx, o);
  if (!accuracies_are_fractions(in)) return diagnose_unscaled(in, ctx, o);
  DiagnosisOptions opt = o;
  opt.smooth_window = std::max(1, opt.smooth_window | 1);
  std::vector<Finding> out;
  const auto add = [&](std::optional<Finding> f) {
    if (f) out.push_back(std::move(*f));
  };

  const std::optional<Finding> div = check_diverged(in, opt);
  if (in.status == TrialStatus::kFailed) {  // its curves stop where it failed: only a blow-up is read
    out.push_back(failed(in));
    add(div);
    return out;
  }
  add(div);
  UpdateRatioFindings ratios = check_update_ratio(in, ctx, opt);
  if (!div)  // after a divergence the rest of the curve is noise
    read_trends(readable(in), ctx, opt, ratios.high.has_value(), &out);
  add(std::move(ratios.high));
  add(std::move(ratios.low));
  add(check_initial_loss(in, opt));
  if (!div) add(check_too_short(in, opt));
  if (out.empty()) out.push_back(healthy(in));
  return out;
}

}  // namespace hs
