// curve_rules.h: the diagnosis's rules, one per label (diagnosis.h says what each stands for and
// DiagnosisOptions holds every threshold): each reads a trial's curves and returns its Finding
// when it fires. Internal to analysis/: diagnose() (diagnosis.cpp) runs them in the label order
// and resolves the labels that contradict each other. `L` is the train_loss column and `S` its
// moving average (curve_series.h). Pure functions of their arguments.
#pragma once

#include <optional>
#include <vector>

#include "analysis/diagnosis.h"
#include "analysis/finding.h"
#include "trial/record.h"

namespace hs::rules {

using Vec = std::vector<double>;

// NaN/inf, an exploding or climbing loss, a network dead after a blow-up, or the status
// "diverged": diverged_at_start or diverged.
std::optional<Finding> check_diverged(const TrialRecord& in, const DiagnosisOptions& opt);
std::optional<Finding> check_initial_loss(const TrialRecord& in, const DiagnosisOptions& opt);
std::optional<Finding> check_bad_init(const TrialRecord& in, const DiagnosisOptions& opt, const Vec& L);
std::optional<Finding> check_plateau(const TrialRecord& in, const DiagnosisOptions& opt, const Vec& L,
                                     const Vec& S);
std::optional<Finding> check_decay_too_early(const TrialRecord& in, const DiagnosisOptions& opt,
                                             const Vec& L);
// val_acc falling or val_loss rising while training improves.
std::optional<Finding> check_overfitting(const TrialRecord& in, const DiagnosisOptions& opt, const Vec& L,
                                         const Vec& S);
// val_acc stalled under a large, growing train/val gap.
std::optional<Finding> check_overfit_gap(const TrialRecord& in, const DiagnosisOptions& opt);
// `large_updates`: the update ratios are too high (update_ratio's `high` fired), so the advice
// never says to raise the lr. A train loss that never fell (check_not_learning, curve_rules.cpp)
// is underfitting too, whatever the accuracies; one that rose is advised a lower lr.
std::optional<Finding> check_underfitting(const TrialRecord& in, const SweepContext& ctx,
                                          const DiagnosisOptions& opt, const Vec& L, bool large_updates);

// The layers whose update ratio is above the healthy band in most epochs, and those below (whose
// advice, like a flat loss's in check_underfitting, follows the sweep: SweepContext::best_lr).
struct UpdateRatioFindings {
  std::optional<Finding> high, low;
};
UpdateRatioFindings check_update_ratio(const TrialRecord& in, const SweepContext& ctx,
                                       const DiagnosisOptions& opt);

// How a trial ended or was printed, not its curves' shape (outcome_rules.cpp): its error,
// accuracies not in [0, 1], too few epochs to read (or pruned before them), and healthy when
// nothing else fired.
Finding failed(const TrialRecord& in);
// Its accuracies are not fractions in [0, 1] (accuracies_are_fractions is false): which values,
// and that the rules reading accuracies were not applied.
Finding accuracy_scale(const TrialRecord& in);
std::optional<Finding> check_too_short(const TrialRecord& in, const DiagnosisOptions& opt);
Finding healthy(const TrialRecord& in);

}  // namespace hs::rules
