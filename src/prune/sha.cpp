// sha: synchronous successive halving. Trials are taken in brackets of per_ consecutive ids; rung 0
// of a bracket holds all of them. A trial runs to its target rung (the first epoch at or past the
// rung's with a value: RungWalk) and pauses there (its record: pruned at that rung); a trial that
// never gives a value there runs on and counts as ended short of it; once every member of the rung
// has reached it or ended short of it, the top max(1, members / eta) by value (ties: the lower id;
// a trial without a value never goes on, nor one that reported NaN there) are promoted: they run
// again from their start to the next rung. The last rung decides nothing. A bracket is complete
// when each of its trials is done (ended for good, or paused and not promoted); only then is it
// settled (the strategy hears its trials, in id order) and the next bracket may start. Nothing
// here depends on the order of reports and ends, so the decisions are the same with any number
// of workers.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "core/reported_nan.h"
#include "prune/internal.h"

namespace hs {

namespace {

class ShaPruner final : public Pruner {
 public:
  ShaPruner(const PrunerOptions& o, const Metric& m, int64_t trials)
      : o_(o), metric_(m), trials_(trials), per_(sha_bracket_trials(o)), s_(max_bracket(o)),
        epochs_(rung_epochs(o, s_)) {}

  Verdict report(int64_t id, int epoch, double reported) override {
    const double value = rung_value(reported);  // inf: as a reported NaN
    TrialState& ts = trials_state_[id];
    const RungWalk::Met met = ts.walk.step(epochs_, epoch, value);
    if (met.last < 0) return {};
    Verdict v;
    v.rung = met.last;
    if (met.last < ts.target) {  // promoted past these before: on to the target
      v.why = ts.promoted_why;
      return v;
    }
    if (met.first > ts.target) return v;  // epochs printed after its pause: not judged
    v.rung = ts.target;  // met with the rungs before it: judged here, not past it
    Bracket& br = bracket_state(id / per_);
    br.rungs[static_cast<size_t>(v.rung)].values[id] = value;
    if (v.rung == s_) return v;
    v.kind = Verdict::Kind::kPause;
    const RungState& rs = br.rungs[static_cast<size_t>(v.rung)];
    // The record keeps this reason: a trial not promoted is not recorded again.
    // Worded to read true both while the rung fills and once it was decided against the trial.
    const std::string at = std::string(kPausedAtRung) + std::to_string(v.rung) + " (epoch " +
                           std::to_string(epoch) + ") of bracket " + std::to_string(id / per_);
    if (std::isnan(value))  // paused as any other, so that its rung fills; it never goes on
      v.why = at + ": " + metric_.name + " was reported " + unranked_text(reported) +
              ", and a NaN or inf is never promoted";
    else
      v.why = at + " with " + value_text(metric_, value) + " to wait for all " +
              std::to_string(rs.members.size()) + " of its trials there: the top " +
              std::to_string(keep_of(rs)) + " of them go on, the others stay pruned there (ties: "
              "the lower id)";
    return v;
  }

  void ended(const TrialRecord& r) override {
    const int b = static_cast<int>(r.id / per_);
    Bracket& br = bracket_state(b);
    TrialState& ts = trials_state_[r.id];
    ts.walk = {};  // a promoted trial runs again from its start
    RungState& target = br.rungs[static_cast<size_t>(ts.target)];
    if (r.status == TrialStatus::kPruned && target.values.count(r.id) && ts.target < s_) {
      ts.paused = true;
      target.arrived.insert(r.id);
    } else {
      if (!target.values.count(r.id)) target.out.insert(r.id);
      br.done.insert(r.id);
    }
    settle(b);
  }

  void restore(const TrialRecord& r) override {
    const int b = static_cast<int>(r.id / per_);
    Bracket& br = bracket_state(b);
    TrialState& ts = trials_state_[r.id];
    // The record is its last run: from epoch 1 through each rung it passed, to the one it paused
    // at (its `rung`) if it was paused, though the line it paused on may have met more.
    const bool pruned = r.status == TrialStatus::kPruned;
    const std::vector<double> at = rung_values(r, epochs_, metric_, pruned ? r.rung : s_);
    int reached = -1;  // the last rung met
    for (int k = 0; k <= s_; ++k) {
      const double v = at[static_cast<size_t>(k)];
      if (is_missing(v)) continue;
      reached = k;
      br.rungs[static_cast<size_t>(k)].members.insert(r.id);
      br.rungs[static_cast<size_t>(k)].values[r.id] = v;
    }
    ts.target = std::max(reached, 0);
    const bool paused = pruned && reached >= 0 && reached == r.rung;
    if (!paused && reached < s_ && reached >= 0)
      ts.target = reached + 1;  // it ended past its last rung: short of the next
    br.rungs[static_cast<size_t>(ts.target)].members.insert(r.id);
    for (int k = 0; k < ts.target; ++k)  // it was paused at each rung it passed, then promoted
      br.rungs[static_cast<size_t>(k)].arrived.insert(r.id);
    ended(r);
  }

  std::string taken_back_conflict(int64_t last_id) const override {
    for (const auto& [b, br] : brackets_) {
      const int64_t first = static_cast<int64_t>(b) * per_, end = first + br.size;
      if (end - 1 <= last_id) continue;  // no new trial joins it
      // A trial that went past a rung was promoted there: its rung 0 was decided without the
      // trials this sweep would add.
      bool decided = false;
      for (int64_t id = first; id <= last_id; ++id)
        if (const auto t = trials_state_.find(id); t != trials_state_.end() && t->second.target > 0)
          decided = true;
      if (!decided) continue;
      return "sha's bracket " + std::to_string(b) + " was decided with trials " +
             std::to_string(first) + "-" + std::to_string(last_id) + ", the ones recorded; with " +
             std::to_string(trials_) + " trials it would also hold trials " +
             std::to_string(last_id + 1) + "-" + std::to_string(end - 1) +
             " and its decisions would change. A sha sweep grows only past a full bracket "
             "(bracket_trials = " + std::to_string(per_) + "): run the larger sweep into a new "
             "results file (--out)";
    }
    return "";
  }

  int bracket(int64_t id) const override { return static_cast<int>(id / per_); }
  int rung_reached(int64_t id) const override {
    const auto b = brackets_.find(static_cast<int>(id / per_));
    if (b == brackets_.end()) return -1;
    int reached = -1;
    for (size_t k = 0; k < b->second.rungs.size(); ++k)
      if (b->second.rungs[k].values.count(id)) reached = static_cast<int>(k);
    return reached;
  }
  bool may_start(int64_t id) const override { return id / per_ <= open_; }
  bool undecided(int64_t id) const override {
    const auto b = brackets_.find(static_cast<int>(id / per_));
    return b != brackets_.end() && !b->second.done.count(id);
  }
  std::vector<int64_t> take_promoted() override { return std::exchange(promoted_, {}); }
  std::vector<int64_t> take_settled() override { return std::exchange(settled_, {}); }

 private:
  struct RungState {
    std::set<int64_t> members;         // trials that run to it
    std::map<int64_t, double> values;  // those that reached it, with their value (NaN: none)
    std::set<int64_t> arrived;         // members that ended there (paused)
    std::set<int64_t> out;             // members that ended short of it
    bool decided = false;
  };
  struct Bracket {
    std::vector<RungState> rungs;
    int64_t size = 0;
    std::set<int64_t> done;
  };
  struct TrialState {
    int target = 0;      // the rung it runs to
    bool paused = false;
    std::string promoted_why;
    RungWalk walk;       // its rungs met in the run in flight
  };

  size_t keep_of(const RungState& rs) const {
    return std::max<size_t>(1, rs.members.size() / static_cast<size_t>(o_.reduction));
  }

  Bracket& bracket_state(int b) {
    auto [it, fresh] = brackets_.try_emplace(b);
    if (fresh) {
      Bracket& br = it->second;
      br.rungs.resize(static_cast<size_t>(s_ + 1));
      const int64_t first = static_cast<int64_t>(b) * per_;
      br.size = std::max<int64_t>(0, std::min(per_, trials_ - first));
      for (int64_t id = first; id < first + br.size; ++id) br.rungs[0].members.insert(id);
    }
    return it->second;
  }

  // Decides every rung of bracket b that has filled, in order; completes the bracket.
  void settle(int b) {
    Bracket& br = brackets_.at(b);
    for (int k = 0; k < s_; ++k) {
      RungState& rs = br.rungs[static_cast<size_t>(k)];
      if (rs.decided) continue;
      for (int64_t id : rs.members)
        if (!rs.arrived.count(id) && !rs.out.count(id)) return;  // not full yet
      decide(br, b, k);
    }
    if (static_cast<int64_t>(br.done.size()) < br.size || b != open_) return;
    for (int64_t id = static_cast<int64_t>(b) * per_; id < b * per_ + br.size; ++id)
      settled_.push_back(id);
    ++open_;
  }

  void decide(Bracket& br, int b, int k) {
    RungState& rs = br.rungs[static_cast<size_t>(k)];
    rs.decided = true;
    std::vector<std::pair<int64_t, double>> ranked;
    for (int64_t id : rs.arrived)
      if (!std::isnan(rs.values.at(id))) ranked.emplace_back(id, rs.values.at(id));
    const bool max = metric_.direction == Direction::kMaximize;
    std::stable_sort(ranked.begin(), ranked.end(), [&](const auto& x, const auto& y) {
      return max ? x.second > y.second : x.second < y.second;  // ids ascending among ties
    });
    const size_t keep = std::min(keep_of(rs), ranked.size());
    for (size_t i = 0; i < keep; ++i) {
      const int64_t id = ranked[i].first;
      TrialState& ts = trials_state_[id];
      br.rungs[static_cast<size_t>(k + 1)].members.insert(id);
      ts.promoted_why = "promoted at rung " + std::to_string(k) + " (epoch " +
                        std::to_string(epochs_[static_cast<size_t>(k)]) + ") of bracket " +
                        std::to_string(b) + ": " + value_text(metric_, ranked[i].second) +
                        " was " + std::to_string(i + 1) + " of the " +
                        std::to_string(rs.values.size()) + " that reached it";
      if (ts.target > k) continue;  // taken back from a record that had gone on already
      ts.target = k + 1;
      ts.paused = false;
      promoted_.push_back(id);
    }
    for (int64_t id : rs.arrived)
      if (trials_state_[id].target == k) br.done.insert(id);  // not promoted: pruned for good
    std::sort(promoted_.begin(), promoted_.end());
  }

  const PrunerOptions o_;
  const Metric metric_;
  const int64_t trials_, per_;
  const int s_;
  const std::vector<int> epochs_;
  std::map<int, Bracket> brackets_;
  std::map<int64_t, TrialState> trials_state_;
  int open_ = 0;  // the first bracket not yet complete
  std::vector<int64_t> promoted_, settled_;
};

}  // namespace

std::unique_ptr<Pruner> make_sha_pruner(const PrunerOptions& o, const Metric& metric,
                                        int64_t trials) {
  return std::make_unique<ShaPruner>(o, metric, trials);
}

}  // namespace hs
