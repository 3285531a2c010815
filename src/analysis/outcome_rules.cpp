// outcome_rules.cpp: the rules of curve_rules.h that read how a trial ended or was printed rather
// than the shape of its curves: failed (its error), accuracy_scale (accuracies not in [0, 1]),
// too_short or pruned (too few epochs to read) and healthy (the label when no other fires).
#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "analysis/curve_rules.h"
#include "analysis/curve_series.h"
#include "core/reported_nan.h"
#include "core/text.h"
#include "trial/failure.h"
#include "trial/rungs.h"

namespace hs::rules {

using namespace curves;

// The trial's error, on one line and at most 200 characters (trial/failure.h).
Finding failed(const TrialRecord& in) {
  const std::string err = error_headline(in.error);
  const size_t n = in.curves.size();
  return make("failed",
              "the trial failed after " + counted(static_cast<int64_t>(n), "epoch") +
                  (err.empty() ? std::string(", with no error recorded") : ": " + err),
              "read its error and log (hypersweep show FILE --trial ID) and fix the command, the "
              "config or the data; its curves are not read",
              n > 0 ? ep(in, 0) : 0, n > 0 ? ep(in, n - 1) : 0);
}

Finding accuracy_scale(const TrialRecord& in) {
  std::string seen;
  int from = 0, to = 0;
  for (const auto& [name, field] : {std::pair{"val_acc", &EpochRow::val_acc},
                                    std::pair{"train_acc", &EpochRow::train_acc}}) {
    size_t far = in.curves.size();  // the row farthest outside [0, 1]
    double dist = 0;
    for (size_t i = 0; i < in.curves.size(); ++i) {
      const double v = in.curves[i].*field, d = std::max(-v, v - 1.0);
      if (std::isfinite(v) && d > dist) far = i, dist = d;
    }
    if (far == in.curves.size()) continue;
    seen += (seen.empty() ? "" : " and ") + std::string(name) + " " + num(in.curves[far].*field) +
            " at epoch " + std::to_string(ep(in, far));
    from = from == 0 ? ep(in, far) : std::min(from, ep(in, far));
    to = std::max(to, ep(in, far));
  }
  return make("accuracy_scale",
              seen + ": accuracies that are not fractions in [0, 1] (percent?), so the rules that "
                     "read them (overfitting by val_acc or the train/val gap, underfitting against "
                     "the sweep's best, a plateau's fitted training set) were not applied",
              "print accuracies as fractions in [0, 1] (93% as 0.93) for the diagnosis to read "
              "them",
              from, to);
}

// Whether row `row` (its fixed columns `e`) holds a NaN the command printed (core/reported_nan.h).
bool printed_nan(const EpochRow& e, const std::vector<std::vector<double>>& extra, size_t row) {
  for (double v : {e.lr, e.train_loss, e.train_acc, e.val_loss, e.val_acc})
    if (is_reported_nan(v)) return true;
  if (row >= extra.size()) return false;
  return std::any_of(extra[row].begin(), extra[row].end(),
                     [](double v) { return is_reported_nan(v); });
}

std::optional<Finding> check_too_short(const TrialRecord& in, const DiagnosisOptions& opt) {
  const size_t n = in.curves.size();
  if (n >= static_cast<size_t>(opt.min_epochs)) return std::nullopt;
  if (in.status == TrialStatus::kPruned && n > 0)  // short by design: the sweep stopped it
    return make("pruned",
                "stopped by the sweep's pruner after epoch " + std::to_string(ep(in, n - 1)) +
                    (in.decision.empty() ? std::string() : " (" + in.decision + ")") +
                    ": too few epochs to read trends, and none needed",
                printed_nan(in.curves[n - 1], in.curve_extra, n - 1)
                    ? "its command printed NaN where it stopped: lower the lr if the loss blew "
                      "up, else see how the script computes what it printed"
                    : in.decision.starts_with(kPausedAtRung)
                    ? "none: sha paused it to wait for its rung's other trials; it goes on if "
                      "it is among their top once all have reached the rung, else it stays "
                      "pruned there"
                    : "none: it compared badly with the other trials where it stopped",
                ep(in, 0), ep(in, n - 1));
  const std::string advice =
      "train at least " + std::to_string(opt.min_epochs) +
      " epochs for the curves to be read (a command: print a line per epoch)";
  if (n == 0)
    return make(
        "too_short",
        "no epochs recorded (status " + std::string(status_name(in.status)) + "): nothing to read",
        advice, 0, 0);
  return make("too_short",
              "only " + counted(static_cast<int64_t>(n), "epoch") + " recorded, fewer than " +
                  std::to_string(opt.min_epochs) + ": no NaN/inf, but too few to read trends",
              advice, ep(in, 0), ep(in, n - 1));
}

Finding healthy(const TrialRecord& in) {
  const size_t n = in.curves.size();
  // What the curves have of train_loss and val_acc (a command may print neither).
  std::string seen;
  const double first = in.curves[0].train_loss, last = in.curves[n - 1].train_loss;
  if (std::isfinite(first) && std::isfinite(last))
    seen = ": train_loss " + num(first) + " -> " + num(last);
  size_t b = n;
  for (size_t i = 0; i < n; ++i) {
    const double v = in.curves[i].val_acc;
    if (std::isfinite(v) && (b == n || v > in.curves[b].val_acc)) b = i;
  }
  if (b < n)
    seen += (seen.empty() ? ": best val_acc " : ", best val_acc ") + num(in.curves[b].val_acc) +
            " (epoch " + std::to_string(ep(in, b)) + ")";
  return make("healthy", "nothing flagged over " + epochs(in, 0, n - 1) + seen, "", ep(in, 0),
              ep(in, n - 1));
}

}  // namespace hs::rules
