// rungs.cpp: the counts of rungs.h.
#include "trial/rungs.h"

#include <map>
#include <set>

namespace hs {
namespace {

// `rungs` and, after them, for each bracket the trials hold that `rungs` lacks, in order, the
// rungs of rungs' last bracket with no planned count (0). Only sha makes such brackets: a sha
// sweep grown past the trials of its first run (the file's `rungs` is that run's schedule) has
// more brackets, all with the same rungs. hyperband's brackets are all in its schedule.
std::vector<Rung> with_grown_brackets(std::vector<Rung> rungs,
                                      const std::vector<TrialRecord>& trials) {
  if (rungs.empty() || rungs.back().bracket < 0) return rungs;
  std::set<int> known, grown;
  for (const Rung& g : rungs) known.insert(g.bracket);
  for (const TrialRecord& t : trials)
    if (t.bracket >= 0 && !known.count(t.bracket)) grown.insert(t.bracket);
  const int last = rungs.back().bracket;
  const size_t n = rungs.size();
  for (int b : grown)
    for (size_t i = 0; i < n; ++i)
      if (rungs[i].bracket == last) rungs.push_back(Rung{b, rungs[i].rung, rungs[i].epoch, 0});
  return rungs;
}

}  // namespace

double metric_at_epoch(const TrialRecord& r, int epoch, const Metric& metric) {
  for (size_t row = 0; row < r.curves.size(); ++row)
    if (r.curves[row].epoch == epoch) return epoch_metric(r, row, metric.name);
  return NAN;
}

std::vector<RungCount> rung_counts(const std::vector<Rung>& schedule,
                                   const std::vector<TrialRecord>& trials, const Metric& metric) {
  const std::vector<Rung> rungs = with_grown_brackets(schedule, trials);
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
