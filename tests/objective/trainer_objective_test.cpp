// The built-in trainer as an objective (objective/trainer_objective.h): a trial trains with its
// own seed from the sweep seed and its id, and records the sweep's metric at its checkpoint.
#include <catch2/catch.hpp>

#include <cmath>
#include <set>

#include "data/load.h"
#include "objective/trainer_objective.h"
#include "search/space_text.h"
#include "support/sweep_here.h"
#include "train/trainer.h"

using namespace hs;
using hs::test::sweep_here;
using hs::test::sweep_text;

namespace {

// A seconds-long sweep on synthetic data.
SweepConfig sweep_of(const std::string& sweep_table, const std::string& space_table) {
  return sweep_text(R"([train]
dataset = "synthetic"
synthetic_samples = 600
hidden = [16]
epochs = 3
batch_size = 32
threads = 1
)" + sweep_table + space_table);
}

bool same_curves(const TrialRecord& a, const TrialRecord& b) {
  const auto &x = a.curves, &y = b.curves;
  if (x.size() != y.size()) return false;
  for (size_t i = 0; i < x.size(); ++i)
    if (x[i].train_loss != y[i].train_loss || x[i].val_acc != y[i].val_acc) return false;
  return true;
}

}  // namespace

TEST_CASE("a trial's result depends on the sweep seed and its id alone", "[objective]") {
  const SweepConfig s = sweep_of("[sweep]\nstrategy = \"random\"\ntrials = 4\nseed = 11\n",
                                 "[space]\nlr = { log_uniform = [1e-3, 1e-1] }\n");
  auto recs = sweep_here(s);
  REQUIRE(recs.ok());
  REQUIRE(recs->size() == 4u);
  for (const TrialRecord& r : *recs) {
    CHECK(r.status == TrialStatus::kCompleted);
    CHECK(std::isfinite(r.best_metric));
    CHECK(r.curves.size() == 3u);
    CHECK(r.host == "here");
  }
  // Trial 2 trained on its own (as a worker would) gives the same curves as inside the sweep.
  const TrialRecord& t2 = (*recs)[2];
  auto opt = trial_train_options(s, trial_of(t2));
  REQUIRE(opt.ok());
  CHECK(opt->seed == trial_seed(s, trial_of(t2)));
  auto data = load_data(opt->data);
  REQUIRE(data.ok());
  auto alone = train(*opt, *data);
  REQUIRE(alone.ok());
  CHECK(same_curves(alone->record, t2));
  // And so does a fresh objective asked for trial 2 alone, after nothing else.
  TrainerObjective fresh(s, 0, nullptr);
  REQUIRE(fresh.prepare().ok());
  const TrialRecord again2 = fresh.run(trial_of(t2), {});
  CHECK(same_curves(again2, t2));
  CHECK(again2.best_metric == t2.best_metric);
  // Trials train with different seeds (their own streams), so equal lr would still differ.
  CHECK(trial_seed(s, trial_of((*recs)[0])) != trial_seed(s, trial_of((*recs)[1])));
  // The whole sweep again: the same results.
  auto again = sweep_here(s);
  REQUIRE(again.ok());
  for (size_t i = 0; i < recs->size(); ++i) CHECK(same_curves((*recs)[i], (*again)[i]));
}

TEST_CASE("a trial that tests never runs on data loaded without the test samples", "[objective]") {
  const SweepConfig s = sweep_of("[sweep]\nstrategy = \"random\"\ntrials = 1\nseed = 3\n",
                                 "[space]\nlr = { log_uniform = [1e-3, 1e-1] }\n");
  const Trial t{0, {ParamValue{0.05}}};
  auto opt = trial_train_options(s, t);
  REQUIRE(opt.ok());
  TrainOptions chooses = *opt;
  chooses.evaluate_test = false;
  auto full = load_data(opt->data);
  auto labels = load_data(opt->data, test_keep(chooses));
  REQUIRE(full.ok());
  REQUIRE(labels.ok());
  REQUIRE(labels->test_kept == Keep::kLabels);
  CHECK(data_serves(*full, opt->data, *opt));
  CHECK(data_serves(*full, opt->data, chooses));
  CHECK(data_serves(*labels, opt->data, chooses));
  CHECK_FALSE(data_serves(*labels, opt->data, *opt));
  DataOptions other = opt->data;
  other.split_seed += 1;
  CHECK_FALSE(data_serves(*full, other, *opt));

  // Given the labels-only bundle, a trial that tests loads its own: the same test result.
  const TrialRecord tested = train_trial(t, *opt, opt->data, *full, "val_acc", {});
  const TrialRecord reloaded = train_trial(t, *opt, opt->data, *labels, "val_acc", {});
  REQUIRE(std::isfinite(tested.test_acc));
  CHECK(reloaded.test_acc == tested.test_acc);
  CHECK(same_curves(reloaded, tested));
  // One that only chooses trains on it as it is: the same curves, no test pass.
  const TrialRecord chose = train_trial(t, chooses, opt->data, *labels, "val_acc", {});
  CHECK(std::isnan(chose.test_acc));
  CHECK(same_curves(chose, tested));
}

TEST_CASE("a grid sweep visits the grid and survives trials the trainer refuses", "[objective]") {
  // warmup = 3 with 3 epochs is refused by the trainer's checks: those trials fail, the rest run.
  const SweepConfig s = sweep_of("[sweep]\nstrategy = \"grid\"\ntrials = 4\n",
                                 "[space]\nlr = { log_uniform = [1e-3, 1e-1], grid = 2 }\n"
                                 "warmup = { int = [0, 3], grid = 2 }\n");
  auto recs = sweep_here(s);
  REQUIRE(recs.ok());
  REQUIRE(recs->size() == 4u);
  std::set<std::string> seen;
  int failed = 0;
  for (const TrialRecord& r : *recs) {
    seen.insert(describe(s.space, r.params));
    if (r.status == TrialStatus::kFailed) {
      ++failed;
      CHECK_FALSE(outcome_of(r).ok);
      CHECK(std::isnan(r.best_metric));
      CHECK(r.error.find("warmup") != std::string::npos);
    } else {
      CHECK(outcome_of(r).ok);
    }
  }
  CHECK(seen.size() == 4u);
  CHECK(failed == 2);
}

TEST_CASE("the sweep's metric is read from the best epoch", "[objective]") {
  TrialRecord r;
  r.status = TrialStatus::kCompleted;
  r.curves.resize(3);
  r.curves[1].val_loss = 0.25;
  r.curves[1].val_acc = 0.9;
  r.best_epoch = 2;
  CHECK(best_metric_of(r, "val_loss") == 0.25);
  CHECK(best_metric_of(r, "val_acc") == 0.9);
  r.status = TrialStatus::kDiverged;
  CHECK(std::isnan(best_metric_of(r, "val_acc")));
  r.status = TrialStatus::kInterrupted;
  CHECK(std::isnan(best_metric_of(r, "val_acc")));
  r.status = TrialStatus::kCompleted;
  r.best_epoch = 0;
  CHECK(std::isnan(best_metric_of(r, "val_acc")));
}

TEST_CASE("each finished epoch reaches on_epoch, and kStop ends the trial there", "[objective]") {
  SweepConfig s = sweep_of("[sweep]\nstrategy = \"grid\"\ntrials = 1\n", "[space]\nlr = 0.05\n");
  TrainerObjective objective(s, 0, nullptr);
  REQUIRE(objective.prepare().ok());
  const Trial t{0, {ParamValue{0.05}}};
  std::vector<int> seen;
  TrialHooks hooks;
  hooks.on_epoch = [&](const TrialRecord& so_far) {
    seen.push_back(so_far.curves.back().epoch);
    return seen.size() < 2 ? EpochAnswer::kContinue : EpochAnswer::kStop;
  };
  const TrialRecord r = objective.run(t, hooks);
  CHECK(seen == std::vector<int>{1, 2});
  CHECK(r.status == TrialStatus::kInterrupted);
  CHECK(r.curves.size() == 2u);
  CHECK(std::isnan(r.best_metric));  // an interrupted trial tells the strategy nothing
  // Without a stop it runs its 3 epochs, each reported.
  seen.clear();
  hooks.on_epoch = [&](const TrialRecord& so_far) {
    seen.push_back(so_far.curves.back().epoch);
    return EpochAnswer::kContinue;
  };
  const TrialRecord whole = objective.run(t, hooks);
  CHECK(seen == std::vector<int>{1, 2, 3});
  CHECK(whole.status == TrialStatus::kCompleted);
  // A stop at the last epoch has nothing left to cut: the trial completes, tested, with its
  // result, exactly the record of the run that was never told to stop.
  seen.clear();
  hooks.on_epoch = [&](const TrialRecord& so_far) {
    seen.push_back(so_far.curves.back().epoch);
    return seen.size() < 3 ? EpochAnswer::kContinue : EpochAnswer::kStop;
  };
  const TrialRecord last = objective.run(t, hooks);
  CHECK(seen == std::vector<int>{1, 2, 3});
  CHECK(last.status == TrialStatus::kCompleted);
  CHECK(std::isfinite(last.test_acc));
  CHECK(last.test_acc == whole.test_acc);
  CHECK(last.best_metric == whole.best_metric);
}
