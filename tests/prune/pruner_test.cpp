// The pruners' decisions on scripted values against tables computed by hand from their rules
// (prune/pruner.h), and the Hyperband schedule against Li et al.'s table.
#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <vector>

#include "core/reported_nan.h"
#include "prune/pruner.h"
#include "support/completed.h"

namespace hs {
namespace {

using Kind = Verdict::Kind;

PrunerOptions bracketed(PrunerKind kind, int r, int eta, int R) {
  PrunerOptions o;
  o.kind = kind;
  o.min_epochs = r;
  o.reduction = eta;
  o.max_epochs = R;
  return o;
}

// The median pruner with `startup` start-up trials, `warmup` warm-up epochs, checked every
// `interval` epochs.
PrunerOptions median(int startup, int warmup = 0, int interval = 1) {
  PrunerOptions o;
  o.kind = PrunerKind::kMedian;
  o.startup_trials = startup;
  o.warmup_epochs = warmup;
  o.interval = interval;
  return o;
}

using test::completed;

TEST_CASE("hyperband's schedule for R = 81 and eta = 3 is Li et al.'s table") {
  // Li et al., JMLR 18 (2018), Table 1: bracket s, rung i: n_i trials of r_i epochs.
  const std::map<int, std::vector<std::pair<int64_t, int>>> table = {
      {4, {{81, 1}, {27, 3}, {9, 9}, {3, 27}, {1, 81}}},
      {3, {{34, 3}, {11, 9}, {3, 27}, {1, 81}}},
      {2, {{15, 9}, {5, 27}, {1, 81}}},
      {1, {{8, 27}, {2, 81}}},
      {0, {{5, 81}}}};
  const std::vector<Rung> rungs = rung_schedule(bracketed(PrunerKind::kHyperband, 1, 3, 81), 100);
  REQUIRE(max_bracket(bracketed(PrunerKind::kHyperband, 1, 3, 81)) == 4);
  std::map<int, std::vector<std::pair<int64_t, int>>> got;
  for (const Rung& r : rungs) {
    REQUIRE(r.rung == static_cast<int>(got[r.bracket].size()));
    got[r.bracket].emplace_back(r.trials, r.epoch);
  }
  CHECK(got == table);
  REQUIRE(rungs.front().bracket == 4);  // the most aggressive bracket first
}

TEST_CASE("asha's rungs and sha's brackets follow r, eta and R") {
  const std::vector<Rung> asha = rung_schedule(bracketed(PrunerKind::kAsha, 1, 3, 27), 50);
  REQUIRE(asha.size() == 4);
  for (size_t k = 0; k < 4; ++k) {
    CHECK(asha[k].bracket == -1);
    CHECK(asha[k].epoch == std::vector<int>{1, 3, 9, 27}[k]);
    CHECK(asha[k].trials == 0);
  }
  // R = 20: s_max = 2 (1 * 3^2 <= 20 < 27), rungs at floor(20 / 9), floor(20 / 3), 20.
  const std::vector<Rung> odd = rung_schedule(bracketed(PrunerKind::kAsha, 1, 3, 20), 5);
  REQUIRE(odd.size() == 3);
  CHECK(odd[0].epoch == 2);
  CHECK(odd[1].epoch == 6);
  CHECK(odd[2].epoch == 20);
  // sha: brackets of 3^3 = 27 trials by id, the last one shorter; each rung keeps 1 in 3, at
  // least 1.
  const std::vector<Rung> sha = rung_schedule(bracketed(PrunerKind::kSha, 1, 3, 27), 32);
  std::vector<std::pair<int, int64_t>> sizes;
  for (const Rung& r : sha) sizes.emplace_back(r.bracket, r.trials);
  CHECK(sizes == std::vector<std::pair<int, int64_t>>{
                     {0, 27}, {0, 9}, {0, 3}, {0, 1}, {1, 5}, {1, 1}, {1, 1}, {1, 1}});
}

TEST_CASE("asha promotes past a rung only the top 1/eta of what it holds, as a table by hand") {
  // R = 9, r = 1, eta = 3: rungs at epochs 1 and 3 decide; 9 is the last. Reports in this
  // order; keep = max(1, n / 3) of the n values at the rung; a tie with the cut-off goes on.
  auto pruner = make_pruner(bracketed(PrunerKind::kAsha, 1, 3, 9), Metric{}, 7, 100);
  struct Step {
    int64_t id;
    int epoch;
    double value;
    Kind want;
    int rung;
  };
  const std::vector<Step> steps = {
      {0, 1, 0.50, Kind::kContinue, 0},  // n 1, keep 1: 0.50 is the best
      {1, 1, 0.40, Kind::kPrune, 0},     // n 2, keep 1: cut-off 0.50
      {2, 1, 0.60, Kind::kContinue, 0},  // n 3, keep 1: 0.60 is the best
      {3, 1, 0.55, Kind::kPrune, 0},     // n 4, keep 1: cut-off 0.60
      {0, 2, 0.65, Kind::kContinue, -1}, // not a rung's epoch
      {0, 3, 0.70, Kind::kContinue, 1},  // rung 1: n 1
      {4, 1, 0.58, Kind::kPrune, 0},     // n 5, keep 1: cut-off 0.60
      {5, 1, 0.59, Kind::kContinue, 0},  // n 6, keep 2: 0.60, 0.59: a tie goes on
      {6, 1, 0.30, Kind::kPrune, 0},     // n 7, keep 2: cut-off 0.59
      {2, 3, 0.65, Kind::kPrune, 1},     // rung 1: n 2, keep 1: cut-off 0.70
      {5, 3, 0.80, Kind::kContinue, 1},  // rung 1: n 3, keep 1: the best
      {0, 9, 0.10, Kind::kContinue, 2},  // the last rung decides nothing
      {7, 1, NAN, Kind::kContinue, -1},  // no value: rung 0 not met yet
      {7, 2, 0.61, Kind::kContinue, 0},  // met at its first epoch past it with a value: n 8,
                                         // keep 2: 0.61 is the best
      {8, 2, 0.20, Kind::kPrune, 0},     // epoch 1 never printed: met at 2; n 9, keep 3
      {7, 3, 0.62, Kind::kPrune, 1},     // rung 1 next: n 4, keep 1: cut-off 0.80
  };
  for (const Step& s : steps) {
    INFO("trial " << s.id << " epoch " << s.epoch);
    const Verdict v = pruner->report(s.id, s.epoch, s.value);
    CHECK(v.kind == s.want);
    CHECK(v.rung == s.rung);
    if (v.kind == Kind::kPrune) CHECK(v.why.find("not in the top") != std::string::npos);
  }
  CHECK(pruner->rung_reached(0) == 2);
  CHECK(pruner->rung_reached(1) == 0);
  CHECK(pruner->bracket(0) == -1);
}

TEST_CASE("asha judges a line past several rungs at each of them, in order") {
  // R = 27: rungs at epochs 1, 3, 9 and 27. A line at epoch 20 after one at epoch 2 meets rungs
  // 1 and 2 together; rung 2 was judged only at epoch 27.
  auto pruner = make_pruner(bracketed(PrunerKind::kAsha, 1, 3, 27), Metric{}, 7, 100);
  CHECK(pruner->report(0, 2, 0.5).rung == 0);
  const Verdict v = pruner->report(0, 20, 0.6);
  CHECK(v.kind == Kind::kContinue);
  CHECK(v.rung == 2);
  CHECK(v.why.find("kept at rung 2 (epoch 20)") == 0);
  CHECK(pruner->rung_reached(0) == 2);
  // A second trial's first line, at epoch 20, meets rungs 0 to 2: worse at rung 0 (n 2, keep
  // 1: cut-off 0.5), it is pruned there and judged no further.
  const Verdict w = pruner->report(1, 20, 0.4);
  CHECK(w.kind == Kind::kPrune);
  CHECK(w.why.find("pruned at rung 0 (epoch 20)") == 0);
  CHECK(pruner->rung_reached(1) == 0);
}

TEST_CASE("asha minimising keeps the lowest values") {
  auto pruner = make_pruner(bracketed(PrunerKind::kAsha, 1, 2, 4), Metric{"val_loss", Direction::kMinimize},
                            0, 10);
  CHECK(pruner->report(0, 1, 0.9).kind == Kind::kContinue);
  CHECK(pruner->report(1, 1, 0.5).kind == Kind::kContinue);  // n 2, keep 1: the lowest
  CHECK(pruner->report(2, 1, 0.7).kind == Kind::kPrune);     // n 3, keep 1: cut-off 0.5
  CHECK(pruner->report(3, 1, 0.4).kind == Kind::kContinue);  // n 4, keep 2: 0.4, 0.5
  CHECK(pruner->report(4, 1, 0.5).kind == Kind::kContinue);  // n 5, keep 2: ties 0.5
}

TEST_CASE("asha taken back from records judges later trials as the running sweep would") {
  const PrunerOptions o = bracketed(PrunerKind::kAsha, 1, 3, 9);
  auto live = make_pruner(o, Metric{}, 0, 10);
  auto resumed = make_pruner(o, Metric{}, 0, 10);
  const std::vector<std::vector<double>> curves = {
      {0.5, 0.6, 0.7}, {0.6, 0.62, 0.8}, {0.2, 0.3, 0.4}, {0.55, 0.6, 0.61}};
  for (size_t i = 0; i < curves.size(); ++i) {
    for (size_t e = 0; e < curves[i].size(); ++e)
      live->report(static_cast<int64_t>(i), static_cast<int>(e) + 1, curves[i][e]);
    live->ended(completed(static_cast<int64_t>(i), curves[i]));
    resumed->restore(completed(static_cast<int64_t>(i), curves[i]));
  }
  CHECK(live->take_settled() == resumed->take_settled());
  for (double v : {0.1, 0.56, 0.58, 0.61, 0.7}) {
    const Verdict a = live->report(9, 1, v), b = resumed->report(9, 1, v);
    CHECK(a.kind == b.kind);
    CHECK(a.why == b.why);
  }
}

TEST_CASE("asha prunes a trial that reports NaN at a rung and ranks no NaN there") {
  // As Optuna's SuccessiveHalvingPruner: a NaN at a rung's step stops the trial. A missing value
  // (NAN: the line had no val_acc) is no report; a reported one (kReportedNaN: `val_acc=nan`) is.
  const PrunerOptions o = bracketed(PrunerKind::kAsha, 1, 3, 9);
  auto pruner = make_pruner(o, Metric{}, 7, 100);
  CHECK(pruner->report(0, 1, 0.5).kind == Kind::kContinue);
  const Verdict missing = pruner->report(1, 1, NAN);
  CHECK(missing.kind == Kind::kContinue);
  CHECK(missing.rung == -1);
  const Verdict nan = pruner->report(1, 2, kReportedNaN);  // meets rung 0 at epoch 2
  CHECK(nan.kind == Kind::kPrune);
  CHECK(nan.rung == 0);
  CHECK(nan.why == "pruned at rung 0 (epoch 2): val_acc was reported NaN");
  CHECK(pruner->rung_reached(1) == 0);
  CHECK(pruner->report(2, 1, -kReportedNaN).kind == Kind::kPrune);  // "-nan" too
  // Rung 0 holds 0.5 alone: a third value makes n 2, keep 1 (NaNs would make it 4, keep 1 and
  // the cut-off the same, so the count in the reason is what tells).
  const Verdict third = pruner->report(3, 1, 0.45);
  CHECK(third.kind == Kind::kPrune);
  CHECK(third.why.find("top 1 of the 2 trials recorded there") != std::string::npos);
  // A NaN at an epoch that is no rung decides nothing.
  CHECK(pruner->report(4, 1, 0.9).kind == Kind::kContinue);
  CHECK(pruner->report(4, 2, kReportedNaN).kind == Kind::kContinue);

  // Taken back from records, the NaN trial counts as having reached rung 0 and adds no value.
  auto resumed = make_pruner(o, Metric{}, 7, 100);
  TrialRecord r1 = completed(1, {NAN, kReportedNaN});
  r1.status = TrialStatus::kPruned;
  r1.rung = 0;
  resumed->restore(completed(0, {0.5}));
  resumed->restore(r1);
  CHECK(resumed->rung_reached(1) == 0);
  const Verdict again = resumed->report(3, 1, 0.45);
  CHECK(again.kind == Kind::kPrune);
  CHECK(again.why.find("top 1 of the 2 trials recorded there") != std::string::npos);
}

TEST_CASE("asha prunes a trial that reports inf at a rung as a NaN and ranks no inf there") {
  // An inf is no result (a command's trial is failed for it): as a cut-off it pruned every trial.
  for (const Direction d : {Direction::kMaximize, Direction::kMinimize}) {
    const double best_way = d == Direction::kMaximize ? INFINITY : -INFINITY;
    auto pruner = make_pruner(bracketed(PrunerKind::kAsha, 1, 3, 9), Metric{"val_acc", d}, 7, 100);
    const Verdict inf = pruner->report(0, 1, best_way);
    CHECK(inf.kind == Kind::kPrune);
    CHECK(inf.why == std::string("pruned at rung 0 (epoch 1): val_acc was reported ") +
                         (best_way > 0 ? "inf" : "-inf"));
    // The first real value at the rung is then alone there, so it goes on.
    CHECK(pruner->report(1, 1, 0.7).kind == Kind::kContinue);
  }
}

TEST_CASE("sha pauses a trial that reports inf and never promotes it") {
  PrunerOptions o = bracketed(PrunerKind::kSha, 1, 3, 3);
  o.bracket_trials = 3;
  auto p = make_pruner(o, Metric{"val_acc", Direction::kMaximize}, 7, 3);
  const double values[] = {INFINITY, 0.5, 0.4};
  for (int64_t id = 0; id < 3; ++id) {
    const Verdict v = p->report(id, 1, values[id]);
    CHECK(v.kind == Kind::kPause);
    if (id == 0) CHECK(v.why.find("val_acc was reported inf") != std::string::npos);
    TrialRecord r = completed(id, {values[id]});
    r.status = TrialStatus::kPruned;
    r.rung = 0;
    p->ended(r);
  }
  // The rung is full: the top 1 of its 2 values goes on, not the inf.
  CHECK(p->take_promoted() == std::vector<int64_t>{1});
}

TEST_CASE("hyperband's brackets come from the trial id and the seed alone, weighted by size") {
  const PrunerOptions o = bracketed(PrunerKind::kHyperband, 1, 3, 81);
  std::map<int, int64_t> count;
  constexpr int64_t kTrials = 143 * 200;
  for (int64_t id = 0; id < kTrials; ++id) {
    const int s = hyperband_bracket(o, 42, id);
    REQUIRE(s == hyperband_bracket(o, 42, id));
    ++count[s];
  }
  // n_0 per bracket (Li et al.'s table): 81, 34, 15, 8, 5 of 143.
  const std::map<int, double> share = {{4, 81.0 / 143}, {3, 34.0 / 143}, {2, 15.0 / 143},
                                       {1, 8.0 / 143},  {0, 5.0 / 143}};
  for (const auto& [s, p] : share) {
    INFO("bracket " << s);
    const double got = static_cast<double>(count[s]) / kTrials;
    CHECK(std::abs(got - p) < 5 * std::sqrt(p * (1 - p) / kTrials));
  }
  int differ = 0;  // another seed, other brackets
  for (int64_t id = 0; id < 200; ++id) differ += hyperband_bracket(o, 43, id) != hyperband_bracket(o, 42, id);
  CHECK(differ > 50);
}

TEST_CASE("hyperband compares a trial with its own bracket only") {
  const PrunerOptions o = bracketed(PrunerKind::kHyperband, 1, 3, 9);
  auto pruner = make_pruner(o, Metric{}, 5, 1000);
  // Two trials of bracket 2 (rungs 1, 3, 9) and one of bracket 1 (rungs 3, 9).
  std::vector<int64_t> b2, b1;
  for (int64_t id = 0; id < 100 && (b2.size() < 2 || b1.empty()); ++id) {
    if (pruner->bracket(id) == 2 && b2.size() < 2) b2.push_back(id);
    if (pruner->bracket(id) == 1 && b1.empty()) b1.push_back(id);
  }
  REQUIRE(b2.size() == 2);
  REQUIRE(b1.size() == 1);
  CHECK(pruner->report(b2[0], 1, 0.9).kind == Kind::kContinue);
  CHECK(pruner->report(b2[1], 1, 0.5).kind == Kind::kPrune);
  CHECK(pruner->report(b1[0], 1, 0.1).rung == -1);  // epoch 1 is no rung of bracket 1
  // At epoch 3 bracket 1's first rung holds only b1[0]: it goes on, whatever bracket 2 did.
  CHECK(pruner->report(b2[0], 3, 0.95).kind == Kind::kContinue);
  CHECK(pruner->report(b1[0], 3, 0.2).kind == Kind::kContinue);
}

TEST_CASE("median follows Optuna's MedianPruner: startup, warm-up, interval, then the median") {
  auto pruner = make_pruner(median(2, 1, 2), Metric{}, 0, 10);
  // Running trial 0 before any completed trial: never pruned.
  CHECK(pruner->report(0, 2, 0.0).kind == Kind::kContinue);
  pruner->ended(completed(1, {0.2, 0.4, 0.6, 0.7, 0.8}));
  // One completed trial, startup_trials 2: still no decision.
  CHECK(pruner->report(2, 2, 0.0).kind == Kind::kContinue);
  pruner->ended(completed(3, {0.3, 0.5, 0.55, 0.65, 0.9}));
  TrialRecord pruned = completed(4, {0.9, 0.1});
  pruned.status = TrialStatus::kPruned;
  pruner->ended(pruned);  // a pruned trial is no reference (Optuna: only COMPLETE ones)
  // Trial 5: epoch 1 (step 0) is in the warm-up; epoch 2 (step 1) decides: best 0.45 against
  // the median of 0.4 and 0.5 (0.45): not worse; epoch 3 (step 2) is off the interval; epoch 4
  // (step 3): best 0.5 against the median of 0.7 and 0.65 (0.675): pruned.
  CHECK(pruner->report(5, 1, 0.1).kind == Kind::kContinue);
  CHECK(pruner->report(5, 2, 0.45).kind == Kind::kContinue);
  CHECK(pruner->report(5, 3, 0.2).kind == Kind::kContinue);
  const Verdict v = pruner->report(5, 4, 0.5);
  CHECK(v.kind == Kind::kPrune);
  CHECK(v.why.find("0.6750") != std::string::npos);
  // Its best so far counts, not its last value: 0.7 at epoch 4 would stay.
  CHECK(pruner->report(6, 1, 0.7).kind == Kind::kContinue);
  CHECK(pruner->report(6, 4, 0.1).kind == Kind::kContinue);
}

TEST_CASE("median prunes a trial that reported only NaN and judges one with a value by its best") {
  // Optuna's PercentilePruner: after startup, warm-up and interval, a trial whose values so far
  // are all NaN (np.nanmax is NaN) is pruned, before the median is looked at; otherwise its
  // best value so far, NaNs left out, meets the median. A missing value is no report at all.
  auto pruner = make_pruner(median(1, 1), Metric{}, 0, 10);
  CHECK(pruner->report(0, 2, kReportedNaN).kind == Kind::kContinue);  // no completed trial yet
  pruner->ended(completed(1, {0.2, 0.4, 0.6}));
  CHECK(pruner->report(2, 1, kReportedNaN).kind == Kind::kContinue);  // epoch 1: the warm-up
  const Verdict v = pruner->report(2, 2, kReportedNaN);
  CHECK(v.kind == Kind::kPrune);
  CHECK(v.why == "pruned at epoch 2: val_acc was reported NaN at every epoch so far");
  // A value at epoch 1, NaN at epoch 2: judged by its best so far, 0.5 against the median 0.4.
  CHECK(pruner->report(3, 1, 0.5).kind == Kind::kContinue);
  const Verdict kept = pruner->report(3, 2, kReportedNaN);
  CHECK(kept.kind == Kind::kContinue);
  CHECK(kept.why.find("best so far val_acc 0.5000") != std::string::npos);
  // Lines without the value are not reports: neither pruned nor judged.
  const Verdict none = pruner->report(4, 2, NAN);
  CHECK(none.kind == Kind::kContinue);
  CHECK(none.why.empty());
  // A completed trial's NaN is left out of the median (np.nanpercentile): with trial 5's NaN at
  // epoch 3 the median there stays trial 1's 0.6, and 0.59 is below it.
  TrialRecord five = completed(5, {0.1, 0.1, kReportedNaN});
  pruner->ended(five);
  CHECK(pruner->report(6, 3, 0.59).kind == Kind::kPrune);
  CHECK(pruner->report(7, 3, 0.61).kind == Kind::kContinue);
}

TEST_CASE("median judges a trial at its first report in each interval window, as Optuna") {
  // Optuna's _is_first_in_interval_step: with interval 2 a trial that prints its metric on
  // every other epoch, never on a window's first, is judged at its next report there. It was
  // never judged at all: windows start at steps 0, 2, 4 (epochs 1, 3, 5) and it reported 2, 4, 6.
  auto pruner = make_pruner(median(1, 0, 2), Metric{}, 0, 10);
  pruner->ended(completed(0, {0.5, 0.5, 0.5, 0.5, 0.5, 0.5}));
  CHECK(pruner->report(1, 1, NAN).kind == Kind::kContinue);  // no report: judged by nothing
  const Verdict v = pruner->report(1, 2, 0.1);               // step 1: the first of window 0
  CHECK(v.kind == Kind::kPrune);
  CHECK(v.why.find("pruned at epoch 2") != std::string::npos);
  // Reports on every epoch: step 1 is the second in its window, not judged; step 2 is.
  CHECK(pruner->report(2, 1, 0.9).why.find("kept at epoch 1") != std::string::npos);
  CHECK(pruner->report(2, 2, 0.1).why.empty());
  CHECK(pruner->report(2, 3, 0.1).why.find("kept at epoch 3") != std::string::npos);
}

TEST_CASE("a completed trial's reported NaN counts toward min_trials, as in Optuna") {
  // Optuna counts the completed trials that reported the step, then takes np.nanpercentile.
  PrunerOptions o = median(1);
  o.min_trials = 2;
  auto pruner = make_pruner(o, Metric{}, 0, 10);
  pruner->ended(completed(0, {kReportedNaN, 0.9}));
  pruner->ended(completed(1, {0.9, 0.9}));
  const Verdict v = pruner->report(2, 1, 0.1);  // 2 reports at epoch 1; the median of 0.9 alone
  CHECK(v.kind == Kind::kPrune);
  CHECK(v.why.find("the median val_acc 0.9000 of 1 completed trials at epoch 1") !=
        std::string::npos);
  // A missing value is no report: it does not count.
  auto missing = make_pruner(o, Metric{}, 0, 10);
  missing->ended(completed(0, {NAN, 0.9}));
  missing->ended(completed(1, {0.9, 0.9}));
  CHECK(missing->report(2, 1, 0.1).kind == Kind::kContinue);
}

TEST_CASE("percentile keeps the given top share with Optuna's linear percentile") {
  PrunerOptions o;
  o.kind = PrunerKind::kPercentile;
  o.percentile = 25;  // keep the top 25%: for max, the 75th percentile is the bar
  o.startup_trials = 0;
  o.min_trials = 4;
  auto pruner = make_pruner(o, Metric{}, 0, 10);
  for (int64_t id = 0; id < 3; ++id) pruner->ended(completed(id, {0.1 * static_cast<double>(id + 1)}));
  CHECK(pruner->report(9, 1, 0.0).kind == Kind::kContinue);  // 3 values, min_trials 4
  pruner->ended(completed(3, {0.4}));
  // 0.1, 0.2, 0.3, 0.4: the 75th percentile at position 2.25: 0.3 + 0.25 * 0.1 = 0.325.
  CHECK(pruner->report(10, 1, 0.32).kind == Kind::kPrune);
  CHECK(pruner->report(11, 1, 0.33).kind == Kind::kContinue);
  auto minimise = make_pruner(o, Metric{"val_loss", Direction::kMinimize}, 0, 10);
  for (int64_t id = 0; id < 4; ++id)
    minimise->ended(completed(id, {}));  // no values at all: no decision ever
  CHECK(minimise->report(9, 1, 5.0).kind == Kind::kContinue);
}

TEST_CASE("check_pruner names what is wrong") {
  PrunerOptions o = bracketed(PrunerKind::kAsha, 5, 3, 4);
  CHECK(check_pruner(o).find("max_epochs (4) must be at least min_epochs (5)") != std::string::npos);
  o = bracketed(PrunerKind::kHyperband, 1, 1, 9);
  CHECK(check_pruner(o).find("reduction") != std::string::npos);
  CHECK(check_pruner(bracketed(PrunerKind::kSha, 1, 3, 27)).empty());
  PrunerKind k;
  CHECK(parse_pruner("hyperband", &k));
  CHECK(k == PrunerKind::kHyperband);
  CHECK_FALSE(parse_pruner("Hyperband", &k));
  CHECK(std::string(pruner_name(PrunerKind::kSha)) == "sha");
}

}  // namespace
}  // namespace hs
