// rungs.cpp: the counts of rungs.h.
#include "trial/rungs.h"

#include <algorithm>
#include <cmath>
#include <limits>
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

// The rung epochs of each bracket of `rungs`.
std::map<int, std::vector<int>> epochs_by_bracket(const std::vector<Rung>& rungs) {
  std::map<int, std::vector<int>> out;
  for (const Rung& g : rungs) out[g.bracket].push_back(g.epoch);
  return out;
}

}  // namespace

RungWalk::Met RungWalk::step(const std::vector<int>& epochs, int epoch, double value) {
  if (epoch < last_) next_ = 0;
  last_ = epoch;
  Met m;
  if (std::isnan(value)) return m;
  for (size_t k = static_cast<size_t>(next_); k < epochs.size() && epochs[k] <= epoch; ++k) {
    if (m.first < 0) m.first = static_cast<int>(k);
    m.last = static_cast<int>(k);
  }
  if (m.last >= 0) next_ = m.last + 1;
  return m;
}

std::vector<double> rung_values(const TrialRecord& r, const std::vector<int>& epochs,
                                const Metric& metric, int cap) {
  std::vector<double> out(epochs.size(), NAN);
  RungWalk walk;
  for (size_t row = 0; row < r.curves.size(); ++row) {
    const double v = epoch_metric(r, row, metric.name);
    const RungWalk::Met m = walk.step(epochs, r.curves[row].epoch, v);
    for (int k = m.first; k >= 0 && k <= std::min(m.last, cap); ++k)
      out[static_cast<size_t>(k)] = v;
  }
  return out;
}

double metric_at_epoch(const TrialRecord& r, int epoch, const Metric& metric) {
  for (size_t row = 0; row < r.curves.size(); ++row)
    if (r.curves[row].epoch == epoch) return epoch_metric(r, row, metric.name);
  return NAN;
}

std::vector<RungCount> rung_counts(const std::vector<Rung>& schedule,
                                   const std::vector<TrialRecord>& trials, const Metric& metric) {
  const std::vector<Rung> rungs = with_grown_brackets(schedule, trials);
  const std::map<int, std::vector<int>> epochs = epochs_by_bracket(rungs);
  bool one_bracket = true;
  for (const Rung& g : rungs) one_bracket = one_bracket && g.bracket == rungs.front().bracket;
  // Each trial's values at its bracket's rungs, walked once (a pruned one's up to its rung).
  std::vector<std::vector<double>> walked(trials.size());
  std::vector<RungCount> out;
  for (const Rung& g : rungs) {
    RungCount c;
    c.rung = g;
    for (size_t i = 0; i < trials.size(); ++i) {
      const TrialRecord& t = trials[i];
      const int bracket = t.bracket < 0 && one_bracket ? g.bracket : t.bracket;
      if (bracket != g.bracket) continue;
      const bool pruned = t.status == TrialStatus::kPruned;
      if (walked[i].empty())
        walked[i] = rung_values(t, epochs.at(g.bracket), metric,
                                pruned ? t.rung : std::numeric_limits<int>::max());
      const double v = walked[i][static_cast<size_t>(g.rung)];
      if (t.rung < g.rung && std::isnan(v)) continue;
      ++c.reached;
      if (pruned && t.rung == g.rung) ++c.pruned;
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
