// The progress display (sweep/progress.h): the best so far by the sweep's metric and direction,
// and durations as people read them.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iterator>
#include <set>
#include <string>

#include "core/text.h"
#include "support/capture.h"
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

TrialRecord pruned(int64_t id, int epochs, int rung) {
  TrialRecord r = rec(id, TrialStatus::kPruned, 0.5);
  r.epochs = epochs;
  r.rung = rung;
  return r;
}
}  // namespace

TEST_CASE(
    "a pruned trial's line says where it stopped and every line counts the pruned by rung epoch",
    "[sweep][progress]") {
  ProgressDisplay d(Metric{"val_acc", Direction::kMaximize}, lr_space(), 0, false);
  CHECK(d.pruned_line().empty());
  d.consider(pruned(0, 1, 0));  // resumed: counted, no line
  const Progress p{2, 0, 10, 1};
  std::string out = test::stdout_of([&] { d.trial(pruned(1, 3, 1), p); });
  CHECK(out.find("trial    1 pruned ") != std::string::npos);
  CHECK(out.find("pruned at epoch 3, rung 1: lr=0.02") != std::string::npos);
  CHECK(out.find(", pruned 2 (epoch 1: 1, epoch 3: 1)\n") != std::string::npos);
  out = test::stdout_of([&] { d.trial(rec(2, TrialStatus::kCompleted, 0.7), Progress{3, 0, 10, 1}); });
  CHECK(out.find("pruned at") == std::string::npos);
  CHECK(out.find(", pruned 2 (epoch 1: 1, epoch 3: 1)\n") != std::string::npos);
  d.consider(pruned(3, 1, 0));
  d.consider(rec(0, TrialStatus::kCompleted, 0.6));  // trial 0 again, run on: no longer pruned
  CHECK(d.pruned_line() == "pruned 2 (epoch 1: 1, epoch 3: 1)");
  d.consider(pruned(4, 1, 0));
  CHECK(d.pruned_line() == "pruned 3 (epoch 1: 2, epoch 3: 1)");
  // hyperband: a bracket whose rung 0 is at epoch 3 counts with the other bracket's rung 1 there,
  // not with the rung 0s at epoch 1.
  d.consider(pruned(5, 3, 0));
  CHECK(d.pruned_line() == "pruned 4 (epoch 1: 2, epoch 3: 2)");

  SECTION("a pruner without rungs (median) counts them alone") {
    ProgressDisplay m(Metric{"val_acc", Direction::kMaximize}, lr_space(), 0, false);
    out = test::stdout_of([&] { m.trial(pruned(5, 2, -1), Progress{1, 0, 10, 1}); });
    CHECK(out.find("pruned at epoch 2: lr=0.06") != std::string::npos);
    CHECK(out.find(", pruned 1\n") != std::string::npos);
  }
  SECTION("the live line counts them too") {
    ProgressDisplay live(Metric{"val_acc", Direction::kMaximize}, lr_space(), 0, true);
    live.consider(pruned(1, 3, 1));
    out = test::stdout_of([&] { live.tick(p); live.clear(); });
    CHECK(out.find("2/10 done, 0 running, pruned 1 (epoch 3: 1) | best") != std::string::npos);
  }
}

TEST_CASE("a paused trial the pruner may yet promote is shown paused, and counted pruned only once "
          "it is done with", "[sweep][progress]") {
  ProgressDisplay d(Metric{"val_acc", Direction::kMaximize}, lr_space(), 0, false);
  std::set<int64_t> waiting = {0, 1};  // sha: paused at rung 0, the rung not decided yet
  d.follow([&](int64_t id) { return waiting.count(id) > 0; });
  d.consider(pruned(0, 1, 0));
  std::string out = test::stdout_of([&] { d.trial(pruned(1, 1, 0), Progress{2, 0, 3, 1}); });
  CHECK(out.find("trial    1 paused ") != std::string::npos);
  CHECK(out.find("paused at epoch 1, rung 0: lr=0.02") != std::string::npos);
  CHECK(out.find(", paused 2\n") != std::string::npos);
  CHECK(out.find("pruned") == std::string::npos);
  // The rung is decided: trial 1 goes on (still undecided), trials 0 and 2 are pruned for good.
  waiting = {1};
  out = test::stdout_of([&] { d.trial(pruned(2, 1, 0), Progress{3, 0, 3, 1}); });
  CHECK(out.find("trial    2 pruned ") != std::string::npos);
  CHECK(out.find(", pruned 2 (epoch 1: 2), paused 1\n") != std::string::npos);
  waiting.clear();
  CHECK(d.pruned_line() == "pruned 3 (epoch 1: 3)");  // done with: each where its record stopped
  d.follow(nullptr);
  CHECK(d.pruned_line() == "pruned 3 (epoch 1: 3)");
}

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
  // Equal values: the lower id, in whatever order they were recorded (with several ranks trial
  // 1 may come first; the best named depended on it).
  ProgressDisplay tie(Metric{"val_acc", Direction::kMaximize}, lr_space(), 0, false);
  CHECK(tie.consider(rec(3, TrialStatus::kCompleted, 0.9)));
  CHECK(tie.consider(rec(1, TrialStatus::kCompleted, 0.9)));
  CHECK_FALSE(tie.consider(rec(2, TrialStatus::kCompleted, 0.9)));
  CHECK(tie.best_line() == "trial 1: val_acc 0.9000 (lr=0.02)");
}

TEST_CASE("a metric too large or too small for 4 places is shown in 4 significant digits",
          "[sweep][progress]") {
  ProgressDisplay max(Metric{"score", Direction::kMaximize}, lr_space(), 0, false);
  CHECK(max.consider(rec(0, TrialStatus::kCompleted, 1e-7)));
  CHECK(max.best_line() == "trial 0: score 1e-07 (lr=0.01)");
  CHECK(max.consider(rec(1, TrialStatus::kCompleted, 1e308)));  // not 309 digits
  CHECK(max.best_line() == "trial 1: score 1e+308 (lr=0.02)");
  CHECK(fixed_text(0.88634) == "0.8863");
  CHECK(fixed_text(-0.0) == "0.0000");
  CHECK(fixed_text(123456789.0) == "123456789.0000");
  CHECK(fixed_text(-1234567890.0) == "-1.235e+09");
  CHECK(fixed_text(5e-5) == "5e-05");
  CHECK(fixed_text(5e-5, 6) == "0.000050");
}

TEST_CASE("durations read as seconds, minutes or hours", "[sweep][progress]") {
  CHECK(duration_text(0) == "0s");
  CHECK(duration_text(59.4) == "59s");
  CHECK(duration_text(185) == "3m05s");
  CHECK(duration_text(2 * 3600 + 7 * 60 + 30) == "2h07m");
  CHECK(duration_text(NAN) == "?");
  CHECK(duration_text(-1) == "?");
}

TEST_CASE("the failures line gives how many trials failed and their most common cause",
          "[sweep][progress]") {
  ProgressDisplay d(Metric{"val_acc", Direction::kMaximize}, lr_space(), 0, false);
  CHECK(d.failures_line().empty());
  auto failing = [](int64_t id, TrialStatus s, const std::string& error) {
    TrialRecord r = rec(id, s, NAN);
    r.error = error;
    return r;
  };
  const std::string numpy =
      "the command exited with status 1\nstderr (the end):\nImportError: numpy";
  d.consider(failing(0, TrialStatus::kFailed, numpy));
  CHECK(
      d.failures_line() ==
      "1 trial failed with: the command exited with status 1; its stderr ends: ImportError: numpy");
  d.consider(failing(1, TrialStatus::kTimedOut, "the command timed out after 5 s"));
  d.consider(failing(2, TrialStatus::kFailed, numpy));
  d.consider(rec(3, TrialStatus::kCompleted, 0.5));  // neither a failure nor counted as one
  d.consider(failing(4, TrialStatus::kPruned, ""));
  CHECK(d.failures_line() ==
        "2 trials failed and 1 timed out, 2 with: the command exited with status 1; its stderr "
        "ends: ImportError: numpy");
  // A trial run again (--retry-failed) counts as it ended last: 0 completes, 2 times out.
  d.consider(rec(0, TrialStatus::kCompleted, 0.7));
  d.consider(failing(2, TrialStatus::kTimedOut, "the command timed out after 5 s"));
  CHECK(d.failures_line() == "2 trials timed out with: the command timed out after 5 s");
  d.consider(rec(1, TrialStatus::kCompleted, 0.6));
  d.consider(rec(2, TrialStatus::kCompleted, 0.6));
  CHECK(d.failures_line().empty());
}

TEST_CASE("the display tells trials with and without the metric on an epoch row",
          "[sweep][progress]") {
  // What run's warning that a pruner judged no trial goes by: a command that printed its metric
  // only on its result line was never pruned, and nothing said so.
  ProgressDisplay d(Metric{"val_f1", Direction::kMaximize}, lr_space(), 0, false);
  TrialRecord plain = rec(0, TrialStatus::kCompleted, 0.5);
  plain.curves.resize(3);  // rows without val_f1
  ProgressDisplay quiet(Metric{"val_f1", Direction::kMaximize}, lr_space(), 0, false);
  quiet.consider(rec(1, TrialStatus::kInterrupted, NAN));  // not counted: it runs again
  quiet.consider(rec(5, TrialStatus::kFailed, NAN));  // failed before any epoch: says nothing
  CHECK_FALSE(quiet.trial_without_epoch_metric());
  CHECK_FALSE(quiet.epoch_metric_seen());
  d.consider(plain);
  CHECK(d.trial_without_epoch_metric());
  CHECK_FALSE(d.epoch_metric_seen());
  TrialRecord printed = plain;
  printed.id = 2;
  printed.curve_extra_names = {"val_f1"};
  printed.curve_extra = {{NAN}, {0.7}, {NAN}};
  d.consider(printed);
  CHECK(d.epoch_metric_seen());
  CHECK(d.trial_without_epoch_metric());
}

TEST_CASE("the failures line counts timed-out trials as such and names a cause when one exists",
          "[sweep][progress]") {
  ProgressDisplay d(Metric{"val_acc", Direction::kMaximize}, lr_space(), 0, false);
  auto failing = [](int64_t id, TrialStatus s, const std::string& error) {
    TrialRecord r = rec(id, s, NAN);
    r.error = error;
    return r;
  };
  // The built-in trainer's [train] max_seconds ends a trial timed out with no error: its cause
  // is its time limit, not "(no error recorded)".
  d.consider(failing(0, TrialStatus::kTimedOut, ""));
  CHECK(d.failures_line() ==
        "1 trial timed out with: its time limit ([train] max_seconds) ended it before its last "
        "epoch");
  d.consider(failing(1, TrialStatus::kFailed, "out of memory: [sweep] memory_limit"));
  CHECK(d.failures_line() ==
        "1 trial failed and 1 timed out, each with a cause of its own (hypersweep show lists "
        "them); one: its time limit ([train] max_seconds) ended it before its last epoch");
  // Failures without an error, however many, never outrank a cause that was recorded.
  ProgressDisplay e(Metric{"val_acc", Direction::kMaximize}, lr_space(), 0, false);
  e.consider(failing(0, TrialStatus::kFailed, ""));
  e.consider(failing(1, TrialStatus::kFailed, ""));
  CHECK(e.failures_line() == "2 trials failed with: (no error recorded)");
  e.consider(failing(2, TrialStatus::kFailed, "the command exited with status 1"));
  CHECK(e.failures_line() == "3 trials failed, 1 with: the command exited with status 1");
}
