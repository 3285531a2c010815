// metric.h: what a sweep optimises and which way: the metric's name, its direction, its value
// in an epoch row, and the one rule for what counts as better. Also what a strategy is told of
// a finished trial (outcome_of).
//
// A metric is val_acc, val_loss, train_acc or train_loss (of the best epoch) for the built-in
// trainer, or any name a command reports. Its direction is given ([sweep] direction) or
// follows from the name: a name ending in _loss is minimised, any other maximised. The results
// file stores both (root attributes metric and direction), and every reader takes them from
// there.
//
// May depend on: core, search (Direction, Outcome), trial/record.h. Thread safety: pure
// functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "search/strategy.h"
#include "trial/record.h"

namespace hs {

struct Metric {
  std::string name = "val_acc";
  Direction direction = Direction::kMaximize;
  bool operator==(const Metric&) const = default;
};

// The direction of a metric nobody gave one for: minimise a loss or an error, that is a name
// whose last word (after its last '_', '.', '/' or '-', if any) is loss, error, err, mse, rmse,
// mae, nll or perplexity (loss, val_loss, val/loss, test_error, val_rmse); else maximise
// (val_acc, f1, auc).
Direction default_direction(std::string_view metric);
// The default of results files and journals from the first versions, which did not store the
// direction: minimise a name ending in _loss, else maximise. Their readers alone use it.
Direction stored_default_direction(std::string_view metric);
// "max" or "min".
const char* direction_name(Direction d);
// The direction "max" or "min" names; nullopt for any other text.
std::optional<Direction> parse_direction(std::string_view text);

// Whether `value` is better than `best` under `d`: false when value is not finite; true when
// best is NaN (nothing yet).
bool improves(Direction d, double value, double best);

// Of `values` (one per curve row, NaN where a row has none), the row with the best finite value
// under `d` (the first of equal ones), or -1 when none is finite: a trial's best epoch.
int best_row(Direction d, const std::vector<double>& values);

// Whether `name` is a key a command can print on a k=v line (objective/output_protocol.h), and
// so the name of a command's metric: ASCII, a letter or _, then letters, digits or _ . / -
// ("val_acc", "val/acc", "val-loss").
bool is_printed_name(std::string_view name);

// The metrics an epoch row holds (val_acc, val_loss, train_acc, train_loss): whether `name` is
// one, and its value in `row` (NaN for any other name).
bool is_epoch_metric(std::string_view name);
double metric_value(const EpochRow& row, std::string_view name);
// The value of metric `name` on row `row` of r's curves: an epoch metric (metric_value), else a
// column a command printed on its epoch lines (r.curve_extra); NaN when the row has none. What
// a pruner judges an epoch by, and the report's rung chart.
double epoch_metric(const TrialRecord& r, size_t row, std::string_view name);

// The metric's value at trial r's best epoch (the best of its rows of epoch r.best_epoch: a
// command may print two rows of one epoch), NaN when none holds one.
double best_epoch_value(const TrialRecord& r, const Metric& m);
// Whether "<metric> <best_metric> at epoch <best_epoch>" is a true statement of r: the built-in
// trainer's result is its best epoch's value, but a command's is the last value it printed
// (README "Output: what is read"), which may be a later epoch's (val_acc peaked at 0.9 in
// epoch 10 and ended 0.8). False then, and show and the report name both; true too when the
// best epoch holds no value of the metric (nothing tells them apart).
bool result_at_best_epoch(const TrialRecord& r, const Metric& m);

// What the strategy is told of a finished trial: its best_metric, unless it diverged or has
// none (a finite best_metric is a result whatever else the status says).
Outcome outcome_of(const TrialRecord& r);
// A trial's final result, what the sweep's best trial is chosen by (the progress line, `show`'s
// order, the report's ranking): outcome_of, except that a pruned trial has none. Its value was
// measured when it was stopped, against trials that went on (Optuna's best_trial likewise takes
// COMPLETE trials only); the strategy still hears it (outcome_of).
Outcome result_of(const TrialRecord& r);

}  // namespace hs
