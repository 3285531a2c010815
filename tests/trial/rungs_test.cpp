// Tests for src/trial/rungs.*: the rung counts of a hand-made hyperband sweep, checked against
// counts worked out by hand, and the pruned trials by epoch.
#include "trial/rungs.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

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

TEST_CASE("pruned trials by the epoch they were stopped at", "[trial][rungs]") {
  const std::vector<TrialRecord> trials = {
      trial(0, TrialStatus::kPruned, 3, 0.5, -1, -1), trial(1, TrialStatus::kCompleted, 9, 0.5, -1, -1),
      trial(2, TrialStatus::kPruned, 1, 0.5, -1, -1), trial(3, TrialStatus::kPruned, 3, 0.5, -1, -1)};
  CHECK(pruned_by_epoch(trials) == std::vector<std::pair<int, int64_t>>{{1, 1}, {3, 2}});
  CHECK(pruned_by_epoch({}).empty());
  CHECK(std::isnan(metric_at_epoch(trials[2], 2, Metric{})));
  CHECK(metric_at_epoch(trials[0], 2, Metric{}) == Approx(0.52));
}
