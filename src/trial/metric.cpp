#include "trial/metric.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>

namespace hs {

Direction default_direction(std::string_view metric) {
  const size_t cut = metric.find_last_of("_./-");  // val_loss, val/loss, val-loss, val.loss
  const std::string_view word = cut == std::string_view::npos ? metric : metric.substr(cut + 1);
  for (std::string_view lower : {"loss", "error", "err", "mse", "rmse", "mae", "nll", "perplexity"})
    if (word == lower) return Direction::kMinimize;
  return Direction::kMaximize;
}

Direction stored_default_direction(std::string_view metric) {
  return metric.ends_with("_loss") ? Direction::kMinimize : Direction::kMaximize;
}

const char* direction_name(Direction d) { return d == Direction::kMaximize ? "max" : "min"; }

std::optional<Direction> parse_direction(std::string_view text) {
  if (text == "max") return Direction::kMaximize;
  if (text == "min") return Direction::kMinimize;
  return std::nullopt;
}

bool improves(Direction d, double value, double best) {
  if (!std::isfinite(value)) return false;
  if (std::isnan(best)) return true;
  return d == Direction::kMaximize ? value > best : value < best;
}

int best_row(Direction d, const std::vector<double>& values) {
  int best = -1;
  for (size_t i = 0; i < values.size(); ++i)
    if (improves(d, values[i], best < 0 ? NAN : values[static_cast<size_t>(best)]))
      best = static_cast<int>(i);
  return best;
}

bool is_printed_name(std::string_view k) {
  if (k.empty() || !(std::isalpha(static_cast<unsigned char>(k[0])) || k[0] == '_')) return false;
  return std::all_of(k.begin(), k.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::strchr("_./-", c) != nullptr;
  });
}

bool is_epoch_metric(std::string_view name) {
  return name == "val_acc" || name == "val_loss" || name == "train_acc" || name == "train_loss";
}

double metric_value(const EpochRow& row, std::string_view name) {
  if (name == "val_acc") return row.val_acc;
  if (name == "val_loss") return row.val_loss;
  if (name == "train_acc") return row.train_acc;
  if (name == "train_loss") return row.train_loss;
  return NAN;
}

double epoch_metric(const TrialRecord& r, size_t row, std::string_view name) {
  if (row >= r.curves.size()) return NAN;
  if (is_epoch_metric(name)) return metric_value(r.curves[row], name);
  for (size_t k = 0; k < r.curve_extra_names.size(); ++k)
    if (r.curve_extra_names[k] == name)
      return row < r.curve_extra.size() && k < r.curve_extra[row].size() ? r.curve_extra[row][k]
                                                                          : NAN;
  return NAN;
}

double best_epoch_value(const TrialRecord& r, const Metric& m) {
  double best = NAN;
  for (size_t row = 0; row < r.curves.size(); ++row)
    if (r.curves[row].epoch == r.best_epoch) {
      const double v = epoch_metric(r, row, m.name);
      if (improves(m.direction, v, best)) best = v;
    }
  return best;
}

bool result_at_best_epoch(const TrialRecord& r, const Metric& m) {
  const double v = best_epoch_value(r, m);
  return !std::isfinite(v) || v == r.best_metric;
}

Outcome result_of(const TrialRecord& r) {
  return r.status == TrialStatus::kPruned ? Outcome::none() : outcome_of(r);
}

Outcome outcome_of(const TrialRecord& r) {
  if (r.status == TrialStatus::kDiverged || !std::isfinite(r.best_metric)) return Outcome::none();
  return Outcome::of(r.best_metric);
}

}  // namespace hs
