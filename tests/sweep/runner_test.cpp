#include <catch2/catch.hpp>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <set>

#include "search/space_text.h"
#include "store/read_results.h"
#include "sweep/runner.h"

using namespace hs;

namespace {
// A seconds-long sweep on synthetic data.
SweepConfig sweep_of(const std::string& sweep_table, const std::string& space_table) {
  const std::string text = R"([train]
dataset = "synthetic"
synthetic_samples = 600
hidden = [16]
epochs = 3
batch_size = 32
threads = 1
)" + sweep_table + space_table;
  auto s = load_sweep_text(text, "sweep.toml");
  REQUIRE(s.ok());
  return std::move(*s);
}
bool same_curves(const TrainResult& a, const TrainResult& b) {
  const auto &x = a.record.curves, &y = b.record.curves;
  if (x.size() != y.size()) return false;
  for (size_t i = 0; i < x.size(); ++i)
    if (x[i].train_loss != y[i].train_loss || x[i].val_acc != y[i].val_acc) return false;
  return true;
}
}  // namespace

TEST_CASE("a random sweep runs every trial, and a trial's result depends on its id alone",
          "[sweep]") {
  const SweepConfig s = sweep_of("[sweep]\nstrategy = \"random\"\ntrials = 4\nseed = 11\n",
                                 "[space]\nlr = { log_uniform = [1e-3, 1e-1] }\n");
  int64_t calls = 0;
  auto runs = run_sweep(s, [&](const TrialRun&, int64_t done) { calls = done; });
  REQUIRE(runs.ok());
  REQUIRE(runs->size() == 4u);
  CHECK(calls == 4);
  for (const TrialRun& r : *runs) {
    CHECK(r.outcome.ok);
    REQUIRE(r.result.has_value());
    CHECK(r.result->record.curves.size() == 3u);
  }
  // Trial 2 trained on its own (as a worker would) gives the same curves as inside the sweep.
  const Trial& t2 = (*runs)[2].trial;
  auto opt = trial_train_options(s, t2);
  REQUIRE(opt.ok());
  auto data = load_data(opt->data);
  REQUIRE(data.ok());
  auto alone = train(*opt, *data);
  REQUIRE(alone.ok());
  CHECK(same_curves(*alone, *(*runs)[2].result));
  // Trials train with different seeds (their own streams), so equal lr would still differ.
  auto o0 = trial_train_options(s, (*runs)[0].trial), o1 = trial_train_options(s, (*runs)[1].trial);
  CHECK(o0->seed != o1->seed);
  // The whole sweep again: the same results.
  auto again = run_sweep(s);
  REQUIRE(again.ok());
  for (size_t i = 0; i < runs->size(); ++i) CHECK(same_curves(*(*runs)[i].result, *(*again)[i].result));
}

TEST_CASE("a grid sweep visits the grid, picks the best, and survives failed trials", "[sweep]") {
  // warmup = 3 with 3 epochs is refused by the trainer's checks: those trials fail, the rest run.
  const SweepConfig s = sweep_of("[sweep]\nstrategy = \"grid\"\ntrials = 4\n",
                                 "[space]\nlr = { log_uniform = [1e-3, 1e-1], grid = 2 }\n"
                                 "warmup = { int = [0, 3], grid = 2 }\n");
  auto runs = run_sweep(s);
  REQUIRE(runs.ok());
  REQUIRE(runs->size() == 4u);
  std::set<std::string> seen;
  int failed = 0;
  for (const TrialRun& r : *runs) {
    seen.insert(describe(s.space, r.trial.values));
    if (r.status == TrialStatus::kFailed) {
      ++failed;
      CHECK(!r.outcome.ok);
      CHECK(r.error.find("warmup") != std::string::npos);
    }
  }
  CHECK(seen.size() == 4u);
  CHECK(failed == 2);
  const int64_t best = best_trial(s, *runs);
  REQUIRE(best >= 0);
  for (const TrialRun& r : *runs)
    if (r.outcome.ok) CHECK(r.outcome.value <= (*runs)[best].outcome.value);
}

TEST_CASE("the sweep's metric is read from the best epoch", "[sweep]") {
  SweepConfig s = sweep_of("[sweep]\nmetric = \"val_loss\"\n", "[space]\nlr = 0.05\n");
  TrainResult r;
  r.record.status = TrialStatus::kCompleted;
  r.record.curves.resize(3);
  r.record.curves[1].val_loss = 0.25;
  r.record.curves[1].val_acc = 0.9;
  r.record.best_epoch = 2;
  CHECK(outcome_of(s, r).value == 0.25);
  s.metric = "val_acc";
  CHECK(outcome_of(s, r).value == 0.9);
  r.record.status = TrialStatus::kDiverged;
  CHECK(!outcome_of(s, r).ok);
  r.record.status = TrialStatus::kCompleted;
  r.record.best_epoch = 0;
  CHECK(!outcome_of(s, r).ok);
}

TEST_CASE("finished trials go into the results file as the store keeps them", "[sweep][store]") {
  const SweepConfig s = sweep_of("[sweep]\nstrategy = \"random\"\ntrials = 3\nseed = 4\n",
                                 "[space]\nlr = { log_uniform = [1e-3, 1e-1] }\n"
                                 "optimizer = [\"momentum\", \"adam\"]\n");
  const std::string path =
      (std::filesystem::temp_directory_path() / ("hs_sweep_test_" + std::to_string(::getpid()) + ".h5"))
          .string();
  std::vector<TrialRun> runs;
  {
    auto file = ResultsFile::create(path, sweep_header(s, "2026-01-01T00:00:00Z"), true);
    REQUIRE(file.ok());
    auto r = run_sweep(s, [&](const TrialRun& run, int64_t) {
      REQUIRE(file->append(trial_record(run, 0, "here")).ok());
    });
    REQUIRE(r.ok());
    runs = std::move(*r);
  }
  auto back = ResultsFile::open(path);
  REQUIRE(back.ok());
  CHECK(back->header().strategy == "random");
  CHECK(back->header().seed == 4u);
  CHECK(back->header().config_text.find("synthetic_samples = 600") != std::string::npos);
  REQUIRE(back->trials().size() == 3u);
  for (size_t i = 0; i < 3; ++i) {
    const TrialRecord& r = back->trials()[i];
    const TrialRecord& t = runs[i].result->record;
    CHECK(r.id == runs[i].trial.id);
    CHECK(r.params == runs[i].trial.values);
    CHECK(r.status == runs[i].status);
    CHECK(r.best_metric == runs[i].outcome.value);
    CHECK(r.epochs == static_cast<int>(t.curves.size()));
    REQUIRE(r.curves.size() == t.curves.size());
    CHECK(r.curves.back().val_acc == t.curves.back().val_acc);
    CHECK(r.curves.back().seconds >= r.curves.front().seconds);  // seconds since the trial began
    CHECK(r.layer_names == t.layer_names);
    REQUIRE(r.update_ratio.size() == t.curves.size());
    CHECK(r.update_ratio[0] == t.update_ratio[0]);
    CHECK(std::isfinite(r.initial_loss));
    CHECK(r.initial_loss == t.initial_loss);
    CHECK(r.num_classes == t.num_classes);
    CHECK(r.num_classes > 1);
  }
  // The HDF5 file alone gives the same records.
  auto alone = read_results(path);
  REQUIRE(alone.ok());
  REQUIRE(alone->trials.size() == 3u);
  for (size_t i = 0; i < 3; ++i) {
    CHECK(alone->trials[i].params == back->trials()[i].params);
    CHECK(alone->trials[i].initial_loss == back->trials()[i].initial_loss);
    CHECK(alone->trials[i].num_classes == back->trials()[i].num_classes);
    CHECK(alone->trials[i].curves.back().val_acc == back->trials()[i].curves.back().val_acc);
  }
  std::filesystem::remove(path);
  std::filesystem::remove(path + ".journal");
}
