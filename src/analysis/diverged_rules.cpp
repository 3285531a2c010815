// diverged_rules.cpp: the rule of curve_rules.h for diverged and diverged_at_start: a NaN/inf
// loss, a loss exploding past its start or climbing far off its minimum, a network dead after a
// blow-up in epoch 1, or the trainer's status "diverged". diagnose() (diagnosis.cpp) reads it
// first: after a divergence the rest of the curve is noise.
#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "analysis/curve_rules.h"
#include "analysis/curve_series.h"
#include "core/reported_nan.h"

namespace hs::rules {

using namespace curves;

namespace {

const char* kLowerLr = "lower the learning rate (3-10x), or add warm-up or gradient clipping";
const char* kLowerLrAtStart =
    "lower the learning rate 10x or more, or add warm-up; check that the inputs are normalised "
    "and the labels in range: it blew up before its first epoch ended";

// A divergence; `at_start`: in the first epoch, or with no finite epoch at all.
Finding diverged_at(bool at_start, std::string evidence, int from, int to) {
  return at_start ? make("diverged_at_start", std::move(evidence), kLowerLrAtStart, from, to)
                  : make("diverged", std::move(evidence), kLowerLr, from, to);
}

// The row at which a loss column blew up, or the row count when it did not. An inf is printed,
// and so is a NaN the command printed (`train_loss=nan`: kReportedNaN, core/reported_nan.h): each
// always is one. A NaN is one in the built-in trainer's record (num_classes > 0), which writes
// every column every epoch; in a command's, any other NaN is a row that did not print the column
// (record.h): a column never printed, one printed every 5th epoch, a train line without val_loss.
// Such a NaN (or any NaN of a file written before printed ones were marked) is a blow-up only
// when the column was finite in every row before it and is never finite again (weights that
// became NaN stay NaN, and a loop may stop printing them); a column with such a NaN row and a
// finite one after it is printed on some rows only, and none of those rows is a blow-up.
size_t blown_up_row(const TrialRecord& in, double EpochRow::*field) {
  const size_t n = in.curves.size();
  size_t nan_from = n, inf_at = n;  // the first NaN row; the first inf or printed NaN row
  bool gap = false;                 // a NaN row with a finite row after it
  for (size_t i = 0; i < n; ++i) {
    const double v = in.curves[i].*field;
    if ((std::isinf(v) || is_reported_nan(v)) && inf_at == n) inf_at = i;
    if (std::isnan(v) && nan_from == n) nan_from = i;
    gap = gap || (std::isfinite(v) && nan_from < i);
  }
  if (in.num_classes > 0) return std::min(nan_from, inf_at);
  return std::min(inf_at, gap || nan_from == 0 ? n : nan_from);
}

// A dead network: in most epochs every layer's update ratio below dead_ratio, its loss never
// flat_rel below chance's ln(C) (or, with no class count, epoch 1's), after epoch 1's updates
// were above dead_blowup_ratio: a blow-up killed every ReLU unit, so it diverged at the start,
// whatever the loss shows since (too small an lr still moves the weights; a network too small for
// its units to survive an ordinary lr dies with ordinary updates, which is no divergence).
std::optional<Finding> check_dead(const TrialRecord& in, const DiagnosisOptions& opt,
                                  const Vec& L) {
  const size_t n = L.size();
  if (n < 2 || in.update_ratio.empty() || in.update_ratio[0].empty()) return std::nullopt;
  size_t dead = 0;
  for (const auto& row : in.update_ratio)
    dead += !row.empty() &&
            std::all_of(row.begin(), row.end(), [&](double r) { return r < opt.dead_ratio; });
  const double chance = in.num_classes >= 2 ? std::log(static_cast<double>(in.num_classes)) : L[0];
  const double lowest = *std::min_element(L.begin(), L.end());
  const double first = *std::max_element(in.update_ratio[0].begin(), in.update_ratio[0].end());
  if (2 * dead <= n || !(chance > 0) || lowest < (1.0 - opt.flat_rel) * chance ||
      !(first > opt.dead_blowup_ratio))
    return std::nullopt;
  return diverged_at(true,
                     "the updates were below " + sci(opt.dead_ratio) + " of the weights in " +
                         std::to_string(dead) + " of " + std::to_string(n) + " epochs after " +
                         sci(first) + " in epoch 1, and train_loss stayed near chance (lowest " +
                         num(lowest) + ", lr " + num(in.curves[0].lr) +
                         "): the units died in a blow-up in epoch 1",
                     ep(in, 0), ep(in, n - 1));
}

// "; its last recorded epoch 5 had train_loss 2.3 at lr 0.1", of what the curves have (a
// command may print no train_loss or no lr). REQUIRES: the trial has an epoch.
std::string last_epoch_note(const TrialRecord& in, const Vec& L) {
  const size_t n = in.curves.size();
  return "; its last recorded epoch " + std::to_string(ep(in, n - 1)) +
         (std::isfinite(L[n - 1])
              ? " had train_loss " + num(L[n - 1]) + lr_note(" at lr ", in.curves[n - 1].lr, "")
              : std::string(" had no train_loss"));
}

}  // namespace

std::optional<Finding> check_diverged(const TrialRecord& in, const DiagnosisOptions& opt) {
  const size_t n = in.curves.size();
  // 1) A NaN/inf loss: the plainest evidence there is.
  const size_t bad_train = blown_up_row(in, &EpochRow::train_loss),
               bad_val = blown_up_row(in, &EpochRow::val_loss);
  if (const size_t i = std::min(bad_train, bad_val); i < n) {
    const EpochRow& e = in.curves[i];
    const bool train_bad = bad_train == i;
    const double v = train_bad ? e.train_loss : e.val_loss;
    std::string ev = std::string(train_bad ? "train_loss" : "val_loss") + " became " +
                     (std::isnan(v) ? "NaN" : v < 0 ? "-inf" : "inf") + " at epoch " +
                     std::to_string(ep(in, i)) + lr_note(" (lr ", e.lr, ")");
    if (i > 0 && std::isfinite(in.curves[i - 1].train_loss))
      ev += "; train_loss was " + num(in.curves[i - 1].train_loss) + " at epoch " +
            std::to_string(ep(in, i - 1));
    return diverged_at(i == 0, ev, ep(in, i > 0 ? i - 1 : i), ep(in, i));
  }

  // 2) Exploding past the start: an epoch's train loss above explode_factor x the loss before
  // any update (when it was measured: this catches a blow-up inside epoch 1, which the epoch
  // averages alone cannot see), or the smoothed train loss above explode_factor x epoch 1's.
  const Vec L = column(in, [](const EpochRow& e) { return e.train_loss; });
  const Vec S = smooth(L, opt.smooth_window);
  if (std::isfinite(in.initial_loss) && in.initial_loss > 0) {
    for (size_t i = 0; i < n; ++i) {
      if (!(L[i] > opt.explode_factor * in.initial_loss)) continue;
      return diverged_at(i == 0,
                         "train_loss was " + num(L[i]) + " at epoch " + std::to_string(ep(in, i)) +
                             ", " + num(L[i] / in.initial_loss) + "x the loss before training (" +
                             num(in.initial_loss) + lr_note("; lr ", in.curves[i].lr, "") + ")",
                         ep(in, i), ep(in, i));
    }
  }
  if (n >= 2 && L[0] > 0) {
    for (size_t i = 1; i < n; ++i) {
      if (!(S[i] > opt.explode_factor * L[0])) continue;  // NaN: a row without train_loss
      size_t j = i;
      for (size_t k = i; k < n; ++k)
        if (L[k] > L[j]) j = k;
      return make("diverged",
                  "train_loss rose from " + num(L[0]) + " (epoch " + std::to_string(ep(in, 0)) +
                      ") to " + num(L[j]) + " (epoch " + std::to_string(ep(in, j)) + "), past " +
                      num(opt.explode_factor) + "x its start" +
                      lr_note(" (lr ", in.curves[j].lr, ")"),
                  kLowerLr, ep(in, 0), ep(in, j));
    }
  }

  // 3) Rising from its minimum by a large factor, over several epochs. A factor needs a minimum
  // above 0: a loss that goes negative (a log-likelihood) is not read by this rule.
  if (n >= static_cast<size_t>(opt.min_epochs) && L[0] > 0) {
    const size_t m = argmin(S);
    if (S[m] > 0 && n - 1 - m >= static_cast<size_t>(opt.rise_min_epochs) &&
        S[n - 1] >= opt.rise_factor * S[m] && S[n - 1] - S[m] >= opt.rise_min_abs * L[0]) {
      return make("diverged",
                  "train_loss climbed from " + num(L[m]) + " (epoch " + std::to_string(ep(in, m)) +
                      ") to " + num(L[n - 1]) + " (epoch " + std::to_string(ep(in, n - 1)) + "), " +
                      num(S[n - 1] / S[m]) + "x its minimum (" + std::to_string(opt.smooth_window) +
                      "-epoch average)",
                  kLowerLr, ep(in, m), ep(in, n - 1));
    }
  }

  // 4) Dead: the units died in a blow-up (check_dead).
  if (std::optional<Finding> d = check_dead(in, opt, L)) return d;

  // 5) The trainer said so (it may stop before a NaN reaches the curves). With no finite epoch
  // at all, it diverged at the start.
  if (in.status == TrialStatus::kDiverged) {
    std::string ev = "the trial's status is diverged";
    if (n > 0)
      ev += last_epoch_note(in, L);
    else
      ev += ", with no epoch recorded";
    const bool any_finite =
        std::any_of(L.begin(), L.end(), [](double v) { return std::isfinite(v); });
    return diverged_at(!any_finite, ev, n > 0 ? ep(in, n - 1) : 0, n > 0 ? ep(in, n - 1) : 0);
  }
  return std::nullopt;
}

}  // namespace hs::rules
