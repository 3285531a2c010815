// asha and hyperband: asynchronous successive halving in its stopping form (as Optuna's
// SuccessiveHalvingPruner and Ray Tune's ASHA run it), hyperband as brackets of it. At a rung
// k < s of its bracket a trial's value joins the values recorded there (one per trial: a trial
// that runs again replaces its own), and the trial goes on if it is among the top
// max(1, n / eta) of those n, itself included; a tie with the last kept value goes on. The
// max(1, ...) is Optuna's: the stopping form cannot hold a trial back until more arrive, so the
// first ones at a rung go on while they are the best there. A trial that reports NaN at a rung
// (core/reported_nan.h) is pruned there, as Optuna's is, and its NaN joins no rung's values; so
// is one that reports inf (trial/rungs.h: rung_value), which would otherwise be the cut-off.
#include <algorithm>
#include <cmath>
#include <map>

#include "core/reported_nan.h"
#include "prune/internal.h"
#include "prune/ranked.h"

namespace hs {

namespace {

class AshaPruner final : public Pruner {
 public:
  AshaPruner(const PrunerOptions& o, const Metric& m, uint64_t seed)
      : o_(o), metric_(m), seed_(seed), s_max_(max_bracket(o)) {}

  Verdict report(int64_t id, int epoch, double reported) override {
    const double value = rung_value(reported);  // inf: as a reported NaN
    const int s = bracket_of(id);
    const RungWalk::Met met = walks_[id].step(rung_epochs(o_, s), epoch, value);
    Verdict v;
    // Each rung the report met, in order, until one prunes: a line past two rungs is judged at
    // both (restore() and rung_values take records back the same way). The verdict is the last
    // deciding rung's; the last rung decides nothing.
    for (int k = met.first; k >= 0 && k <= met.last; ++k) {
      if (k == s) {
        reach(id, k);
        v.rung = k;
        break;
      }
      v = judge(id, s, k, epoch, value, reported);
      if (v.kind == Verdict::Kind::kPrune) break;
    }
    return v;
  }

  void ended(const TrialRecord& r) override {
    walks_.erase(r.id);
    settled_.push_back(r.id);
  }

  void restore(const TrialRecord& r) override {
    const int s = bracket_of(r.id);
    // A pruned record stops at the rung that pruned it, though its last line met more.
    const int cap = r.status == TrialStatus::kPruned ? r.rung : s;
    const std::vector<double> at = rung_values(r, rung_epochs(o_, s), metric_, cap);
    for (int k = 0; k <= s; ++k) {
      const double v = at[static_cast<size_t>(k)];
      if (is_missing(v)) continue;
      reach(r.id, k);
      if (k < s && !std::isnan(v)) rung_at(s, k).record(r.id, v);  // judge() records no NaN
    }
    ended(r);
  }

  int bracket(int64_t id) const override {
    return o_.kind == PrunerKind::kHyperband ? bracket_of(id) : -1;
  }
  int rung_reached(int64_t id) const override {
    const auto it = reached_.find(id);
    return it == reached_.end() ? -1 : it->second;
  }
  std::vector<int64_t> take_settled() override { return std::exchange(settled_, {}); }

 private:
  int bracket_of(int64_t id) const {
    return o_.kind == PrunerKind::kHyperband ? hyperband_bracket(o_, seed_, id) : s_max_;
  }
  // Trial `id` has reached rung k (rung_reached).
  void reach(int64_t id, int k) {
    int& reached = reached_.try_emplace(id, -1).first->second;
    reached = std::max(reached, k);
  }
  // Trial `id`'s value joins rung k < s of bracket s, and the verdict: go on while it is in the
  // top max(1, n / eta) there.
  Verdict judge(int64_t id, int s, int k, int epoch, double value, double reported) {
    Verdict v;
    v.rung = k;
    reach(id, k);
    if (std::isnan(value)) {  // reported NaN: stopped, as Optuna's pruner does, and not recorded
      v.kind = Verdict::Kind::kPrune;
      v.why = "pruned at rung " + std::to_string(k) + " (epoch " + std::to_string(epoch) + ")" +
              where(s) + ": " + metric_.name + " was reported " + unranked_text(reported);
      return v;
    }
    Rung& rung = rung_at(s, k);
    rung.record(id, value);
    const size_t n = rung.ranked.size();
    const size_t keep = std::max<size_t>(1, n / static_cast<size_t>(o_.reduction));
    const double cutoff = rung.ranked.at_rank(keep - 1);
    const bool go = value == cutoff || improves(metric_.direction, value, cutoff);
    v.kind = go ? Verdict::Kind::kContinue : Verdict::Kind::kPrune;
    v.why = std::string(go ? "kept" : "pruned") + " at rung " + std::to_string(k) + " (epoch " +
            std::to_string(epoch) + ")" + where(s) + ": " + value_text(metric_, value) +
            (go ? " is" : " is not") + " in the top " + std::to_string(keep) + " of the " +
            std::to_string(n) + " trials recorded there (cut-off " + value_text(metric_, cutoff) +
            ")";
    return v;
  }
  std::string where(int s) const {
    return o_.kind == PrunerKind::kHyperband ? " of bracket " + std::to_string(s) : "";
  }

  const PrunerOptions o_;
  const Metric metric_;
  const uint64_t seed_;
  const int s_max_;
  // The values recorded at a rung, one per trial (never NaN), also in rank order so that the
  // cut-off is found in O(log n) (ranked.h).
  struct Rung {
    explicit Rung(bool max) : ranked(max) {}
    void record(int64_t id, double value) {
      auto [it, fresh] = by_id.try_emplace(id, value);
      if (!fresh) {  // a trial that runs again replaces its own value
        ranked.erase(it->second, id);
        it->second = value;
      }
      ranked.insert(value, id);
    }
    std::map<int64_t, double> by_id;
    RankedValues ranked;
  };
  Rung& rung_at(int s, int k) {
    return rungs_.try_emplace({s, k}, metric_.direction == Direction::kMaximize).first->second;
  }

  std::map<std::pair<int, int>, Rung> rungs_;  // (bracket, rung) -> values
  std::map<int64_t, int> reached_;
  std::map<int64_t, RungWalk> walks_;  // the trials running, until they end
  std::vector<int64_t> settled_;
};

}  // namespace

std::unique_ptr<Pruner> make_asha_pruner(const PrunerOptions& o, const Metric& metric,
                                         uint64_t seed) {
  return std::make_unique<AshaPruner>(o, metric, seed);
}

}  // namespace hs
