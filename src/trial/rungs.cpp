// rungs.cpp: the counts of rungs.h.
#include "trial/rungs.h"

#include <map>

namespace hs {

double metric_at_epoch(const TrialRecord& r, int epoch, const Metric& metric) {
  for (size_t row = 0; row < r.curves.size(); ++row)
    if (r.curves[row].epoch == epoch) return epoch_metric(r, row, metric.name);
  return NAN;
}

std::vector<RungCount> rung_counts(const std::vector<Rung>& rungs,
                                   const std::vector<TrialRecord>& trials, const Metric& metric) {
  bool one_bracket = true;
  for (const Rung& g : rungs) one_bracket = one_bracket && g.bracket == rungs.front().bracket;
  std::vector<RungCount> out;
  for (const Rung& g : rungs) {
    RungCount c;
    c.rung = g;
    for (const TrialRecord& t : trials) {
      const int bracket = t.bracket < 0 && one_bracket ? g.bracket : t.bracket;
      if (bracket != g.bracket) continue;
      const bool pruned = t.status == TrialStatus::kPruned;
      if (t.rung < g.rung && (pruned || t.epochs < g.epoch)) continue;
      ++c.reached;
      if (pruned && t.rung == g.rung) ++c.pruned;
      const double v = metric_at_epoch(t, g.epoch, metric);
      if (improves(metric.direction, v, c.best)) {
        c.best = v;
        c.best_id = t.id;
      }
    }
    out.push_back(c);
  }
  return out;
}

std::vector<std::pair<int, int64_t>> pruned_by_epoch(const std::vector<TrialRecord>& trials) {
  std::map<int, int64_t> by_epoch;
  for (const TrialRecord& t : trials)
    if (t.status == TrialStatus::kPruned) ++by_epoch[pruned_epoch(t)];
  return {by_epoch.begin(), by_epoch.end()};
}

}  // namespace hs
