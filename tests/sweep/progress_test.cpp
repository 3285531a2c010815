// The progress display (sweep/progress.h): the best so far by the sweep's metric and direction,
// and durations as people read them.
#include <catch2/catch.hpp>

#include <cmath>

#include "sweep/progress.h"

using namespace hs;

namespace {
TrialRecord rec(int64_t id, TrialStatus s, double metric) {
  TrialRecord r = record_of(Trial{id, {ParamValue{0.01 * static_cast<double>(id + 1)}}}, s);
  r.best_metric = metric;
  return r;
}
SearchSpace lr_space() {
  Param p;
  p.name = "lr";
  p.kind = ParamKind::kLogUniform;
  p.lo = 1e-3, p.hi = 1;
  return SearchSpace{{p}};
}
}  // namespace

TEST_CASE("the best so far follows the metric's direction and skips trials without a result",
          "[sweep][progress]") {
  ProgressDisplay max(Metric{"val_acc", Direction::kMaximize}, lr_space(), 0, false);
  CHECK(max.best_line().empty());
  CHECK(max.consider(rec(0, TrialStatus::kCompleted, 0.5)));
  CHECK_FALSE(max.consider(rec(1, TrialStatus::kCompleted, 0.4)));
  CHECK_FALSE(max.consider(rec(2, TrialStatus::kFailed, NAN)));
  CHECK_FALSE(max.consider(rec(3, TrialStatus::kDiverged, 0.9)));  // diverged: no result
  CHECK(max.consider(rec(4, TrialStatus::kEarlyStopped, 0.6)));
  CHECK(max.best_line() == "trial 4: val_acc 0.6000 (lr=0.05)");
  ProgressDisplay min(Metric{"val_loss", Direction::kMinimize}, lr_space(), 0, false);
  CHECK(min.consider(rec(0, TrialStatus::kCompleted, 0.5)));
  CHECK(min.consider(rec(1, TrialStatus::kCompleted, 0.4)));
  CHECK(min.best_line() == "trial 1: val_loss 0.4000 (lr=0.02)");
}

TEST_CASE("durations read as seconds, minutes or hours", "[sweep][progress]") {
  CHECK(duration_text(0) == "0s");
  CHECK(duration_text(59.4) == "59s");
  CHECK(duration_text(185) == "3m05s");
  CHECK(duration_text(2 * 3600 + 7 * 60 + 30) == "2h07m");
  CHECK(duration_text(NAN) == "?");
  CHECK(duration_text(-1) == "?");
}
