// Tests for src/trial/rungs.*: the rung counts of a hand-made hyperband sweep, checked against
// counts worked out by hand, and the pruned trials by epoch.
#include "trial/rungs.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "core/reported_nan.h"

using namespace hs;

namespace {

// A trial of `epochs` epochs whose val_acc at epoch e is base + e / 100.
TrialRecord trial(int64_t id, TrialStatus s, int epochs, double base, int bracket, int rung) {
  TrialRecord r;
  r.id = id;
  r.status = s;
  r.epochs = epochs;
  r.bracket = bracket;
  r.rung = rung;
  for (int e = 1; e <= epochs; ++e) r.curves.push_back({e, 0.1, 1.0, 0.5, 1.0, base + e / 100.0, 1.0 * e});
  return r;
}

}  // namespace

TEST_CASE("rung counts: reached pruned there and the best value at the rung's epoch", "[trial][rungs]") {
  // Bracket 0 judges at epochs 1 and 3 (rungs 0 and 1), bracket 1 at epoch 3 (its rung 0).
  const std::vector<Rung> rungs = {{0, 0, 1, 4}, {0, 1, 3, 2}, {1, 0, 3, 2}};
  const std::vector<TrialRecord> trials = {
      trial(0, TrialStatus::kPruned, 1, 0.50, 0, 0),      // pruned at rung 0
      trial(1, TrialStatus::kPruned, 1, 0.60, 0, 0),      // pruned at rung 0: best there, 0.61
      trial(2, TrialStatus::kPruned, 3, 0.40, 0, 1),      // pruned at rung 1
      trial(3, TrialStatus::kCompleted, 5, 0.45, 0, 1),   // through both: best at rung 1, 0.48
      trial(4, TrialStatus::kFailed, 0, 0.90, 0, -1),     // failed before rung 0: not reached
      trial(5, TrialStatus::kCompleted, 3, 0.10, 1, -1),  // bracket 1: ran to its rung's epoch
      trial(6, TrialStatus::kPruned, 2, 0.99, 1, -1),     // stopped before bracket 1's rung 0
  };
  const std::vector<RungCount> c = rung_counts(rungs, trials, Metric{"val_acc", Direction::kMaximize});
  REQUIRE(c.size() == 3);
  CHECK(c[0].rung == rungs[0]);
  CHECK(c[0].reached == 4);
  CHECK(c[0].pruned == 2);
  CHECK(c[0].best == Approx(0.61));
  CHECK(c[0].best_id == 1);
  CHECK(c[1].reached == 2);
  CHECK(c[1].pruned == 1);
  CHECK(c[1].best == Approx(0.48));
  CHECK(c[1].best_id == 3);
  CHECK(c[2].reached == 1);
  CHECK(c[2].pruned == 0);
  CHECK(c[2].best == Approx(0.13));

  SECTION("a loss is best when lowest") {
    const std::vector<RungCount> m = rung_counts(rungs, trials, Metric{"val_acc", Direction::kMinimize});
    CHECK(m[0].best == Approx(0.41));
    CHECK(m[0].best_id == 2);
  }
  SECTION("a trial without a bracket counts in a schedule of one bracket") {
    const std::vector<Rung> asha = {{0, 0, 1, 0}, {0, 1, 3, 0}};
    std::vector<TrialRecord> none = trials;
    for (TrialRecord& t : none) t.bracket = -1;
    const std::vector<RungCount> a = rung_counts(asha, none, Metric{});
    CHECK(a[0].reached == 5);  // not 4 (no epoch run) nor 6 (pruned before rung 0)
    CHECK(a[1].reached == 3);  // 2 and 3, and 5 which ran 3 epochs
    CHECK(rung_counts(rungs, none, Metric{})[0].reached == 0);  // two brackets: whose?
  }
}

TEST_CASE("rung counts: a sha sweep grown past its schedule's brackets counts the new ones too",
          "[trial][rungs]") {
  // The file's schedule is its first run's: sha with brackets of 4 trials judged at epochs 1
  // and 2, one bracket for trials = 4. Grown to 10 trials, the trials hold brackets 1 and 2.
  const std::vector<Rung> sha = {{0, 0, 1, 4}, {0, 1, 2, 2}, {0, 2, 4, 1}};
  const std::vector<TrialRecord> trials = {
      trial(0, TrialStatus::kPruned, 1, 0.50, 0, 0),    trial(1, TrialStatus::kCompleted, 4, 0.70, 0, 2),
      trial(4, TrialStatus::kPruned, 1, 0.30, 1, 0),    trial(5, TrialStatus::kPruned, 2, 0.60, 1, 1),
      trial(6, TrialStatus::kCompleted, 4, 0.65, 1, 2), trial(8, TrialStatus::kPruned, 1, 0.20, 2, 0),
      trial(9, TrialStatus::kPruned, 1, 0.25, 2, 0)};
  const std::vector<RungCount> c = rung_counts(sha, trials, Metric{"val_acc", Direction::kMaximize});
  REQUIRE(c.size() == 9);
  for (size_t i = 0; i < 3; ++i) CHECK(c[i].rung == sha[i]);
  for (int b = 1; b <= 2; ++b)
    for (int k = 0; k < 3; ++k) {
      const Rung& g = c[static_cast<size_t>(3 * b + k)].rung;
      CHECK(g == Rung{b, k, sha[static_cast<size_t>(k)].epoch, 0});  // no planned count
    }
  CHECK(c[0].reached == 2);
  CHECK(c[3].reached == 3);  // bracket 1, rung 0: trials 4, 5, 6
  CHECK(c[3].pruned == 1);
  CHECK(c[3].best_id == 6);
  CHECK(c[4].reached == 2);  // rung 1: 5 and 6
  CHECK(c[5].reached == 1);
  CHECK(c[5].best == Approx(0.69));
  CHECK(c[6].reached == 2);  // bracket 2: trials 8 and 9 at rung 0
  CHECK(c[6].best_id == 9);
  CHECK(c[7].reached == 0);

  SECTION("hyperband's brackets are all in its schedule: nothing is added") {
    const std::vector<Rung> hb = {{1, 0, 1, 3}, {1, 1, 3, 1}, {0, 0, 3, 2}};
    const std::vector<TrialRecord> in_hb = {trial(0, TrialStatus::kPruned, 1, 0.5, 1, 0),
                                            trial(1, TrialStatus::kCompleted, 3, 0.5, 0, 0)};
    CHECK(rung_counts(hb, in_hb, Metric{}).size() == 3);
  }
  SECTION("asha's one bracket (-1) has nothing to add") {
    const std::vector<Rung> asha = {{-1, 0, 1, 0}, {-1, 1, 3, 0}};
    CHECK(rung_counts(asha, trials, Metric{}).size() == 2);
  }
}

TEST_CASE("pruned trials by the epoch they were stopped at", "[trial][rungs]") {
  const std::vector<TrialRecord> trials = {
      trial(0, TrialStatus::kPruned, 3, 0.5, -1, -1), trial(1, TrialStatus::kCompleted, 9, 0.5, -1, -1),
      trial(2, TrialStatus::kPruned, 1, 0.5, -1, -1), trial(3, TrialStatus::kPruned, 3, 0.5, -1, -1)};
  CHECK(pruned_by_epoch(trials) == std::vector<std::pair<int, int64_t>>{{1, 1}, {3, 2}});
  CHECK(pruned_by_epoch({}).empty());
  CHECK(std::isnan(metric_at_epoch(trials[2], 2, Metric{})));
  CHECK(metric_at_epoch(trials[0], 2, Metric{}) == Approx(0.52));
}

TEST_CASE("rung values are the ones the pruner met on every other epoch and on lines without the metric",
          "[trial][rungs]") {
  // show took each rung's value at exactly the rung's epoch: '-' for a command that printed every
  // other epoch, and another value than the one judged.
  TrialRecord r;
  r.id = 0;
  r.status = TrialStatus::kCompleted;
  for (int e : {2, 4, 4, 6, 10}) {
    EpochRow row;
    row.epoch = e;
    row.val_acc = e == 4 && r.curves.size() == 1 ? NAN : 0.1 * e;  // epoch 4's first line: none
    r.curves.push_back(row);
  }
  r.epochs = 10;
  const std::vector<int> epochs = {1, 3, 9};
  const std::vector<double> v = rung_values(r, epochs, Metric{}, 2);
  CHECK(v[0] == Approx(0.2));  // met at epoch 2
  CHECK(v[1] == Approx(0.4));  // at epoch 4's second line, the first with a value
  CHECK(v[2] == Approx(1.0));  // at epoch 10
  // A pruned record stops at its rung, though its last line met more.
  r.status = TrialStatus::kPruned;
  CHECK(std::isnan(rung_values(r, epochs, Metric{}, 1)[2]));
  r.rung = 1;  // pruned at rung 1
  const std::vector<RungCount> c = rung_counts({{0, 0, 1, 0}, {0, 1, 3, 0}, {0, 2, 9, 0}},
                                               {r}, Metric{});
  CHECK(c[0].best == Approx(0.2));
  CHECK(c[1].best == Approx(0.4));
  CHECK(c[1].pruned == 1);
  CHECK(c[2].reached == 0);
}

TEST_CASE("a NaN the trial printed meets a rung and a missing value does not", "[trial][rungs]") {
  // Epoch 1's line printed val_acc=nan (kReportedNaN): rung 0 (epoch 1) is met there, with NaN,
  // and counts the trial as reached with no best. Epoch 3's line had no val_acc (NAN): rung 1 is
  // met at epoch 4, the next line with a value.
  TrialRecord r = trial(0, TrialStatus::kCompleted, 5, 0.5, -1, -1);
  r.curves[0].val_acc = kReportedNaN;
  r.curves[2].val_acc = NAN;
  const std::vector<int> epochs = {1, 3};
  const std::vector<double> v = rung_values(r, epochs, Metric{}, 1);
  CHECK(is_reported_nan(v[0]));
  CHECK(v[1] == Approx(0.54));
  const std::vector<RungCount> c = rung_counts({{0, 0, 1, 0}, {0, 1, 3, 0}}, {r}, Metric{});
  CHECK(c[0].reached == 1);
  CHECK(std::isnan(c[0].best));
  CHECK(c[0].best_id == -1);
  CHECK(c[1].reached == 1);
  CHECK(c[1].best == Approx(0.54));
  r.curves[0].val_acc = NAN;  // the line without it: rung 0 is met at epoch 2 instead
  CHECK(rung_values(r, epochs, Metric{}, 1)[0] == Approx(0.52));
}

TEST_CASE("an inf the trial printed meets a rung as a NaN would and is never its best",
          "[trial][rungs]") {
  for (const double inf : {INFINITY, -INFINITY}) {
    for (const Direction d : {Direction::kMaximize, Direction::kMinimize}) {
      TrialRecord r = trial(0, TrialStatus::kFailed, 3, 0.5, -1, -1);
      r.curves[0].val_acc = inf;
      const TrialRecord other = trial(1, TrialStatus::kCompleted, 3, 0.7, -1, -1);
      CHECK(is_reported_nan(rung_values(r, {1, 3}, Metric{"val_acc", d}, 1)[0]));
      const std::vector<RungCount> c =
          rung_counts({{0, 0, 1, 0}, {0, 1, 3, 0}}, {r, other}, Metric{"val_acc", d});
      CHECK(c[0].reached == 2);
      CHECK(c[0].best_id == 1);  // not the inf, whichever way the metric goes
      CHECK(c[0].best == Approx(0.71));
    }
  }
}

TEST_CASE("the pruning tally takes trials in any order and gives what rung_counts gives",
          "[trial][rungs]") {
  // `show` sums a file a trial at a time in the order its records were written, which is not
  // /summary's when a trial was recorded again: the counts must not depend on it.
  const std::vector<Rung> sha = {{0, 0, 1, 4}, {0, 1, 2, 2}, {0, 2, 4, 1}};
  const Metric max{"val_acc", Direction::kMaximize};
  std::vector<TrialRecord> trials = {
      trial(0, TrialStatus::kPruned, 1, 0.50, 0, 0),    trial(1, TrialStatus::kCompleted, 4, 0.70, 0, 2),
      trial(2, TrialStatus::kCompleted, 4, 0.70, 0, 2),  // ties trial 1 at every rung
      trial(4, TrialStatus::kPruned, 1, 0.30, 1, 0),    trial(5, TrialStatus::kPruned, 2, 0.60, 1, 1),
      trial(6, TrialStatus::kCompleted, 4, 0.65, 1, 2), trial(8, TrialStatus::kPruned, 1, 0.20, 2, 0),
      trial(9, TrialStatus::kPruned, 1, 0.25, 2, 0),    trial(10, TrialStatus::kPruned, 1, 0.25, 2, 0)};
  const std::vector<RungCount> want = rung_counts(sha, trials, max);
  CHECK(want[2].best_id == 1);  // of the tied, the first
  CHECK(want[6].best_id == 9);
  const auto same = [](const std::vector<RungCount>& a, const std::vector<RungCount>& b) {
    REQUIRE(a.size() == b.size());
    for (size_t i = 0; i < a.size(); ++i) {
      CHECK(a[i].rung == b[i].rung);
      CHECK(a[i].reached == b[i].reached);
      CHECK(a[i].pruned == b[i].pruned);
      CHECK(a[i].best_id == b[i].best_id);
      CHECK((a[i].best == b[i].best || (std::isnan(a[i].best) && std::isnan(b[i].best))));
    }
  };
  for (int order = 0; order < 3; ++order) {
    PruningTally tally(sha, max);
    for (size_t k = 0; k < trials.size(); ++k) {
      // reversed; odd places first; a rotation by 4
      const size_t n = trials.size();
      const size_t i = order == 0 ? n - 1 - k : order == 1 ? (k < n / 2 ? 2 * k + 1 : 2 * (k - n / 2)) : (k + 4) % n;
      tally.add(trials[i], i);
    }
    same(tally.counts(), want);
    CHECK(tally.by_epoch() == pruned_by_epoch(trials));
  }
  SECTION("trials without a bracket, added after a one-bracket schedule's own") {
    std::vector<TrialRecord> none(trials.begin(), trials.begin() + 3);
    none.push_back(trial(3, TrialStatus::kCompleted, 4, 0.70, -1, -1));  // ties trials 1 and 2
    none.insert(none.begin(), trial(7, TrialStatus::kCompleted, 4, 0.70, -1, -1));  // place 0
    const std::vector<RungCount> all = rung_counts({sha[0], sha[1], sha[2]}, none, max);
    CHECK(all[0].reached == 5);
    CHECK(all[2].best_id == 7);  // place 0, though it came without a bracket
    PruningTally tally(sha, max);
    for (size_t i = none.size(); i-- > 0;) tally.add(none[i], i);
    same(tally.counts(), all);
  }
}
