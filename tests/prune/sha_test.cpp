// sha's decisions do not depend on how many workers ran the trials or in what
// order their epochs arrived, and a sha taken back from records after a stop
// goes on to the same end.
#include <algorithm>
#include <catch2/catch.hpp>
#include <deque>
#include <map>
#include <optional>
#include <vector>

#include "core/reported_nan.h"
#include "core/rng.h"
#include "prune/pruner.h"

namespace hs {
namespace {

using Kind = Verdict::Kind;

// Trial id's value after `epoch` epochs: its base plus a little per epoch;
// trial 5 stops early (its own early stopping) after epoch 2 of a run that goes
// past its first rung.
double value(int64_t id, int epoch) {
  static const double base[] = {0.50, 0.90, 0.10, 0.70, 0.30, 0.80, 0.20,
                                0.70, 0.40, 0.35, 0.95, 0.15, 0.45};
  return base[id] + 0.01 * epoch;
}
constexpr int kEarlyStop = 5;

struct Run {
  std::map<int64_t, TrialRecord> records;  // the last record of each trial
  std::vector<int64_t> settled;            // the order the strategy would hear them in
  int64_t events = 0;                      // records made
};

struct Sim {
  PrunerOptions o;
  int64_t trials = 0;
  int workers = 1;
  uint64_t seed = 0;
  int64_t stop_after = -1;  // stop (as a kill) after this many records; -1: run to the end
};

TrialRecord record(int64_t id, int epochs, TrialStatus status) {
  TrialRecord r;
  r.id = id;
  r.status = status;
  r.epochs = epochs;
  for (int e = 1; e <= epochs; ++e) {
    EpochRow row;
    row.epoch = e;
    row.val_acc = value(id, e);
    r.curves.push_back(row);
  }
  return r;
}

// Drives `p` like rank 0's queue: `workers` trials at a time, epochs of the
// running trials taken in a seeded random order, promoted trials run again from
// epoch 1, new trials only when may_start says so. A trial told to stop ends
// only when it is next picked (as a worker's record comes some time after the
// verdict), so other trials' epochs and ends come between. `run`, `again` and
// `next_new` are where a resumed sweep starts.
Run simulate(const Sim& sim, Pruner& p, Run run, std::deque<int64_t> again, int64_t next_new) {
  Rng rng(sim.seed);
  struct Running {
    int64_t id;
    int done = 0;
    std::optional<TrialStatus> end;  // its verdict or own end, not yet recorded
  };
  std::vector<Running> running;
  for (;;) {
    while (static_cast<int>(running.size()) < sim.workers) {
      if (!again.empty()) {
        running.push_back({again.front(), 0, std::nullopt});
        again.pop_front();
      } else if (next_new < sim.trials && p.may_start(next_new)) {
        running.push_back({next_new++, 0, std::nullopt});
      } else {
        break;
      }
    }
    if (running.empty() || run.events == sim.stop_after) return run;
    const size_t pick = rng.below(running.size());
    Running& t = running[pick];
    if (!t.end) {
      const int epoch = ++t.done;
      const Verdict v = p.report(t.id, epoch, value(t.id, epoch));
      if (v.kind != Kind::kContinue)
        t.end = TrialStatus::kPruned;
      else if (t.id == kEarlyStop && epoch == 2 && p.rung_reached(t.id) >= 0)
        t.end = TrialStatus::kEarlyStopped;
      else if (epoch == sim.o.max_epochs)
        t.end = TrialStatus::kCompleted;
      continue;
    }
    TrialRecord r = record(t.id, t.done, *t.end);
    r.rung = p.rung_reached(t.id);  // as the queue records it (sweep/queue.h: mark_pruned)
    p.ended(r);
    run.records[t.id] = r;
    ++run.events;
    for (int64_t promoted : p.take_promoted()) again.push_back(promoted);
    for (int64_t s : p.take_settled()) run.settled.push_back(s);
    running.erase(running.begin() + static_cast<std::ptrdiff_t>(pick));
  }
}

Run simulate(const Sim& sim) {
  auto p = make_pruner(sim.o, Metric{}, 0, sim.trials);
  return simulate(sim, *p, {}, {}, 0);
}

PrunerOptions sha9() {
  PrunerOptions o;
  o.kind = PrunerKind::kSha;
  o.min_epochs = 1;
  o.reduction = 3;
  o.max_epochs = 9;  // rungs at epochs 1, 3 and 9; brackets of 9 trials
  return o;
}

TEST_CASE("sha promotes the top third of each full rung, ties to the lower id") {
  const Run run = simulate(Sim{sha9(), 13, 2, 1});
  // Bracket 0 (trials 0-8), rung 0 at epoch 1: the top 3 of 9 are 1 (0.91), 5
  // (0.81) and 3 (0.71, tied with 7: the lower id). Rung 1 at epoch 3: 5
  // stopped early before it, so of 1 and 3 the top 1 (9 / 3 / 3) is 1, which
  // runs to epoch 9.
  std::map<int64_t, std::pair<TrialStatus, int>> got;
  for (const auto& [id, r] : run.records) got[id] = {r.status, r.epochs};
  using S = TrialStatus;
  const std::map<int64_t, std::pair<TrialStatus, int>> want = {
      {0, {S::kPruned, 1}},
      {1, {S::kCompleted, 9}},
      {2, {S::kPruned, 1}},
      {3, {S::kPruned, 3}},
      {4, {S::kPruned, 1}},
      {5, {S::kEarlyStopped, 2}},
      {6, {S::kPruned, 1}},
      {7, {S::kPruned, 1}},
      {8, {S::kPruned, 1}},
      // bracket 1: trials 9-12 (4 of them): rung 0 keeps max(1, 4 / 3) = 1:
      // trial 10 (0.96); rung 1 holds only it, and keeps it.
      {9, {S::kPruned, 1}},
      {10, {S::kCompleted, 9}},
      {11, {S::kPruned, 1}},
      {12, {S::kPruned, 1}}};
  CHECK(got == want);
  // The strategy hears bracket 0 in id order once it is decided, then
  // bracket 1.
  std::vector<int64_t> order(13);
  for (int64_t i = 0; i < 13; ++i) order[static_cast<size_t>(i)] = i;
  CHECK(run.settled == order);
}

TEST_CASE("a sha trial is undecided while paused at an undecided rung or promoted, not after") {
  auto p = make_pruner(sha9(), Metric{}, 0, 9);
  for (int64_t id = 0; id < 9; ++id) {
    CHECK(p->report(id, 1, value(id, 1)).kind == Kind::kPause);
    p->ended(record(id, 1, TrialStatus::kPruned));
    if (id < 8) CHECK(p->undecided(id));  // rung 0 waits for trial 8
  }
  // Rung 0 decided: 1, 3 and 5 run again to epoch 3; the other six are pruned for good.
  CHECK(p->take_promoted() == std::vector<int64_t>{1, 3, 5});
  for (int64_t id = 0; id < 9; ++id) CHECK(p->undecided(id) == (id == 1 || id == 3 || id == 5));
  // A pruner whose decisions are final at once has nothing undecided.
  PrunerOptions asha = sha9();
  asha.kind = PrunerKind::kAsha;
  auto a = make_pruner(asha, Metric{}, 0, 9);
  a->report(0, 1, 0.5);
  a->ended(record(0, 1, TrialStatus::kPruned));
  CHECK(!a->undecided(0));
}

TEST_CASE("sha judges a rung at the first epoch past it with a value and never pauses on none") {
  // A command that printed its metric only in its result line had every trial paused at rung 0
  // with no value, none promoted, and the sweep ended with no result (exit 4).
  auto p = make_pruner(sha9(), Metric{}, 0, 9);
  for (int64_t id = 0; id < 9; ++id)
    for (int epoch = 1; epoch <= 9; ++epoch) CHECK(p->report(id, epoch, NAN).kind == Kind::kContinue);
  for (int64_t id = 0; id < 9; ++id) p->ended(record(id, 9, TrialStatus::kCompleted));
  CHECK(p->take_promoted().empty());
  CHECK(p->take_settled().size() == 9u);  // the bracket is complete: every trial ran to its end
  // A trial that prints every other epoch (2, 4, ...) meets rung 0 (epoch 1) at epoch 2, and a
  // line without the value at a rung's epoch leaves the rung to the next line with one.
  auto q = make_pruner(sha9(), Metric{}, 0, 9);
  const Verdict skipped = q->report(0, 2, 0.5);
  CHECK(skipped.kind == Kind::kPause);
  CHECK(skipped.rung == 0);
  CHECK(skipped.why.find("(epoch 2)") != std::string::npos);
  // The reason stays in the record of a trial the rung then prunes, so it reads true both ways
  // (it said "the others are pruned", the rule for the future, under a trial already pruned).
  CHECK(skipped.why.find("to wait for all 9 of its trials there: the top 3 of them go on, the "
                         "others stay pruned there") != std::string::npos);
  CHECK(q->report(1, 1, NAN).kind == Kind::kContinue);
  const Verdict later = q->report(1, 1, 0.6);  // a second line of epoch 1, with the value
  CHECK(later.kind == Kind::kPause);
  CHECK(later.rung == 0);
}

TEST_CASE("sha pauses a trial that reports NaN at its rung and never promotes it") {
  // Bracket of 9 at rung 0: trials 1, 3 and 5 would go on (sha promotes the top 3), but 1 and 5
  // print val_acc=nan there (kReportedNaN): the top 3 of the rest, 3 (0.71), 7 (0.71) and
  // 0 (0.51), go on instead. A trial whose line lacks the value (NAN) is not paused.
  auto p = make_pruner(sha9(), Metric{}, 0, 9);
  for (int64_t id = 0; id < 9; ++id) {
    const bool nan = id == 1 || id == 5;
    CHECK(p->report(id, 1, NAN).kind == Kind::kContinue);
    const Verdict v = p->report(id, 1, nan ? kReportedNaN : value(id, 1));
    CHECK(v.kind == Kind::kPause);
    CHECK(v.rung == 0);
    if (nan) CHECK(v.why == "paused at rung 0 (epoch 1) of bracket 0: val_acc was reported NaN, "
                            "and a NaN or inf is never promoted");
    TrialRecord r = record(id, 1, TrialStatus::kPruned);
    if (nan) r.curves[0].val_acc = kReportedNaN;
    r.rung = p->rung_reached(id);
    CHECK(r.rung == 0);
    p->ended(r);
  }
  CHECK(p->take_promoted() == std::vector<int64_t>{0, 3, 7});
  CHECK(!p->undecided(1));
  CHECK(!p->undecided(5));
}

TEST_CASE("a line past several rungs meets them all: sha judges its target there") {
  // A command that prints only epoch 10 (rungs at 1, 3, 9): every run's one line meets all three
  // rungs. A promoted trial's line was spent on the rung it had passed, rung 1 was never judged,
  // and all three promoted trials ran to the end; one of the three should.
  auto p = make_pruner(sha9(), Metric{}, 0, 9);
  auto line_at_10 = [](int64_t id, TrialStatus status, int rung) {
    TrialRecord r;
    r.id = id, r.status = status, r.epochs = 10, r.rung = rung;
    EpochRow row;
    row.epoch = 10;
    row.val_acc = value(id, 10);
    r.curves.push_back(row);
    return r;
  };
  std::deque<int64_t> todo;
  for (int64_t id = 0; id < 9; ++id) todo.push_back(id);
  int completed = 0;
  while (!todo.empty()) {
    const int64_t id = todo.front();
    todo.pop_front();
    const Verdict v = p->report(id, 10, value(id, 10));
    const bool paused = v.kind == Kind::kPause;
    p->ended(line_at_10(id, paused ? TrialStatus::kPruned : TrialStatus::kCompleted,
                        p->rung_reached(id)));
    completed += !paused;
    for (int64_t promoted : p->take_promoted()) todo.push_back(promoted);
  }
  CHECK(completed == 1);
  CHECK(p->take_settled().size() == 9u);
}

TEST_CASE("sha gives the same records with 1 to 4 workers in any order of epochs") {
  const Run one = simulate(Sim{sha9(), 13, 1, 0});
  for (int workers = 1; workers <= 4; ++workers)
    for (uint64_t seed = 1; seed <= 20; ++seed) {
      INFO(workers << " workers, seed " << seed);
      const Run other = simulate(Sim{sha9(), 13, workers, seed});
      REQUIRE(other.records.size() == one.records.size());
      for (const auto& [id, r] : one.records) {
        CHECK(other.records.at(id).status == r.status);
        CHECK(other.records.at(id).epochs == r.epochs);
      }
      CHECK(other.settled == one.settled);
    }
}

TEST_CASE("sha taken back from its records after a kill goes on to the same end") {
  for (int workers = 1; workers <= 3; ++workers)
    for (uint64_t seed = 1; seed <= 5; ++seed) {
      const Run whole = simulate(Sim{sha9(), 13, workers, seed});
      for (int64_t cut = 1; cut < whole.events; ++cut) {
        INFO(workers << " workers, seed " << seed << ", killed after " << cut << " records");
        const Sim sim{sha9(), 13, workers, seed, cut};
        auto first = make_pruner(sim.o, Metric{}, 0, sim.trials);
        const Run before = simulate(sim, *first, {}, {}, 0);
        // Resume as the queue does: every record taken back in id order; ids
        // below the largest one without a record (in flight) run again first;
        // paused trials promoted run again.
        auto p = make_pruner(sim.o, Metric{}, 0, sim.trials);
        Run resumed;
        std::deque<int64_t> again;
        const int64_t last = before.records.rbegin()->first;
        for (int64_t id = 0; id <= last; ++id) {
          auto it = before.records.find(id);
          if (it == before.records.end()) {
            again.push_back(id);
            continue;
          }
          p->restore(it->second);
          resumed.records[id] = it->second;
        }
        for (int64_t promoted : p->take_promoted()) again.push_back(promoted);
        for (int64_t s : p->take_settled()) resumed.settled.push_back(s);
        Sim rest = sim;
        rest.stop_after = -1;
        const Run after = simulate(rest, *p, resumed, again, last + 1);
        for (const auto& [id, r] : whole.records) {
          REQUIRE(after.records.count(id));
          CHECK(after.records.at(id).status == r.status);
          CHECK(after.records.at(id).epochs == r.epochs);
        }
        CHECK(after.settled == whole.settled);
      }
    }
}

}  // namespace
}  // namespace hs
