// rungs.cpp: the counts of rungs.h.
#include "trial/rungs.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "core/reported_nan.h"

namespace hs {
namespace {

}  // namespace

RungWalk::Met RungWalk::step(const std::vector<int>& epochs, int epoch, double value) {
  if (epoch < last_) next_ = 0;
  last_ = epoch;
  Met m;
  if (is_missing(value)) return m;
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
    const double v = rung_value(epoch_metric(r, row, metric.name));
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
  PruningTally tally(schedule, metric);
  for (size_t i = 0; i < trials.size(); ++i) tally.add(trials[i], i);
  return tally.counts();
}

std::vector<std::pair<int, int64_t>> pruned_by_epoch(const std::vector<TrialRecord>& trials) {
  PruningTally tally({}, Metric{});
  for (size_t i = 0; i < trials.size(); ++i) tally.add(trials[i], i);
  return tally.by_epoch();
}

std::string schedule_fault(const std::vector<Rung>& schedule) {
  std::map<int, std::pair<int, int>> next;  // bracket -> (its next rung number, its last epoch)
  for (size_t i = 0; i < schedule.size(); ++i) {
    const Rung& g = schedule[i];
    auto& [rung, epoch] = next.try_emplace(g.bracket, 0, 0).first->second;
    if (g.bracket < -1 || g.rung != rung || g.epoch <= epoch || g.trials < 0)
      return "row " + std::to_string(i) + " (bracket " + std::to_string(g.bracket) + ", rung " +
             std::to_string(g.rung) + ", epoch " + std::to_string(g.epoch) + ", trials " +
             std::to_string(g.trials) + ") is no rung a pruner writes: expected rung " +
             std::to_string(rung) + " of its bracket, at an epoch above " + std::to_string(epoch);
    ++rung;
    epoch = g.epoch;
  }
  return "";
}

PruningTally::PruningTally(const std::vector<Rung>& schedule, const Metric& metric)
    : schedule_(schedule), metric_(metric) {
  for (const Rung& g : schedule_) {
    Bracket& b = brackets_[g.bracket];
    b.epochs.push_back(g.epoch);
    b.rungs.push_back(Count{RungCount{g}});
  }
  if (brackets_.size() == 1) unbracketed_ = brackets_.begin()->second;
}

void PruningTally::Count::add(double v, const TrialRecord& t, size_t place, Direction d) {
  if (t.rung < c.rung.rung && is_missing(v)) return;
  ++c.reached;
  if (t.status == TrialStatus::kPruned && t.rung == c.rung.rung) ++c.pruned;
  if (improves(d, v, c.best) || (v == c.best && place < best_place)) {
    c.best = v;
    c.best_id = t.id;
    best_place = place;
  }
}

void PruningTally::Count::add(const Count& o, Direction d) {
  c.reached += o.c.reached;
  c.pruned += o.c.pruned;
  if (improves(d, o.c.best, c.best) || (o.c.best == c.best && o.best_place < best_place)) {
    c.best = o.c.best;
    c.best_id = o.c.best_id;
    best_place = o.best_place;
  }
}

void PruningTally::add_to(Bracket& b, const TrialRecord& t, size_t place) const {
  // Its values at the bracket's rungs, walked once (a pruned one's up to its rung).
  const std::vector<double> v =
      rung_values(t, b.epochs, metric_,
                  t.status == TrialStatus::kPruned ? t.rung : std::numeric_limits<int>::max());
  for (Count& c : b.rungs) c.add(v[static_cast<size_t>(c.c.rung.rung)], t, place, metric_.direction);
}

void PruningTally::add(const TrialRecord& t, size_t place) {
  if (t.status == TrialStatus::kPruned) ++by_epoch_[pruned_epoch(t)];
  if (schedule_.empty()) return;
  if (t.bracket < 0 && unbracketed_) return add_to(*unbracketed_, t, place);
  auto it = brackets_.find(t.bracket);
  // Only sha makes brackets beyond its schedule: a sha sweep grown past the trials of its first
  // run (the file's `rungs` is that run's schedule) has more, all with the rungs of the last.
  if (it == brackets_.end() && t.bracket >= 0 && schedule_.back().bracket >= 0) {
    Bracket grown = brackets_.at(schedule_.back().bracket);
    for (Count& c : grown.rungs) c = Count{RungCount{Rung{t.bracket, c.c.rung.rung, c.c.rung.epoch, 0}}};
    it = brackets_.emplace(t.bracket, std::move(grown)).first;
    grown_.insert(t.bracket);
  }
  if (it != brackets_.end()) add_to(it->second, t, place);
}

std::vector<RungCount> PruningTally::counts() const {
  std::map<int, Bracket> b = brackets_;
  if (unbracketed_ && grown_.empty()) {
    Bracket& only = b.begin()->second;
    for (size_t k = 0; k < only.rungs.size(); ++k)
      only.rungs[k].add(unbracketed_->rungs[k], metric_.direction);
  }
  std::vector<RungCount> out;
  std::map<int, size_t> next;  // each bracket's next rung, in the schedule's order
  for (const Rung& g : schedule_) out.push_back(b.at(g.bracket).rungs[next[g.bracket]++].c);
  for (int grown : grown_)
    for (const Count& c : b.at(grown).rungs) out.push_back(c.c);
  return out;
}

}  // namespace hs
