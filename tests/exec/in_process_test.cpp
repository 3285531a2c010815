// The in-process executor (exec/in_process.h): a sweep's trials one after another in this process,
// each record told to the queue and handed to on_records (a group of one); stops and errors end
// it cleanly.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cmath>
#include <filesystem>

#include "exec/in_process.h"
#include "store/read_results.h"
#include "store/results_file.h"
#include "support/sweep_here.h"
#include "sweep/sweep_header.h"
#include "support/records.h"

using namespace hs;
using hs::test::per_record;
using hs::test::sweep_here;
using hs::test::sweep_text;

namespace {

SweepConfig quick_sweep(int trials) {
  return sweep_text(R"([train]
dataset = "synthetic"
synthetic_samples = 600
hidden = [16]
epochs = 3
batch_size = 32
threads = 1
[sweep]
strategy = "random"
seed = 4
trials = )" + std::to_string(trials) + R"(
[space]
lr = { log_uniform = [1e-3, 1e-1] }
optimizer = ["momentum", "adam"]
)");
}

ObjectiveFactory factory_of(const SweepConfig& s) {
  return [&s](const Job&) -> Result<std::unique_ptr<Objective>> { return make_objective(s); };
}

std::string scratch_path(const char* name) {
  return (std::filesystem::temp_directory_path() /
          (std::string(name) + std::to_string(::getpid()) + ".h5"))
      .string();
}

}  // namespace

TEST_CASE("finished trials go into the results file as the store keeps them", "[exec][store]") {
  const SweepConfig s = quick_sweep(3);
  const std::string path = scratch_path("hs_in_process_");
  std::vector<TrialRecord> ran;
  {
    auto file = ResultsFile::create(path, sweep_header(s, "2026-01-01T00:00:00Z"), true);
    REQUIRE(file.ok());
    auto queue = TrialQueue::make(s);
    REQUIRE(queue.ok());
    InProcessExecutor ex(factory_of(s), "here");
    RunHooks hooks;
    hooks.on_records = per_record([&](const TrialRecord& r, const Progress& p) {
      ran.push_back(r);
      CHECK(p.done == static_cast<int64_t>(ran.size()));  // told to the queue before it is recorded
      CHECK(p.total == 3);
      return file->append(r);
    });
    auto result = ex.run(Job{"sweep", ""}, *queue, hooks);
    REQUIRE(result.ok());
    CHECK_FALSE(*result);
  }
  auto back = ResultsFile::open(path);
  REQUIRE(back.ok());
  CHECK(back->header().strategy == "random");
  CHECK(back->header().seed == 4u);
  CHECK(back->header().metric == Metric{"val_acc", Direction::kMaximize});
  CHECK(back->header().config_text.find("synthetic_samples = 600") != std::string::npos);
  const std::vector<TrialRecord> held = hs::test::trials_of(*back);
  REQUIRE(held.size() == 3u);
  for (size_t i = 0; i < 3; ++i) {
    const TrialRecord& r = held[i];
    const TrialRecord& t = ran[i];
    CHECK(r.id == t.id);
    CHECK(r.params == t.params);
    CHECK(r.status == t.status);
    CHECK(r.best_metric == t.best_metric);
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
    CHECK(r.host == "here");
    CHECK(r.rank == 0);
  }
  // The HDF5 file alone gives the same records.
  auto alone = read_results(path);
  REQUIRE(alone.ok());
  REQUIRE(alone->trials.size() == 3u);
  for (size_t i = 0; i < 3; ++i) {
    CHECK(alone->trials[i].params == held[i].params);
    CHECK(alone->trials[i].initial_loss == held[i].initial_loss);
    CHECK(alone->trials[i].num_classes == held[i].num_classes);
    CHECK(alone->trials[i].curves.back().val_acc == held[i].curves.back().val_acc);
  }
  std::filesystem::remove(path);
  std::filesystem::remove(path + ".journal");
}

TEST_CASE("a stop interrupts the trial in hand and starts no other", "[exec]") {
  const SweepConfig s = quick_sweep(4);
  auto queue = TrialQueue::make(s);
  REQUIRE(queue.ok());
  InProcessExecutor ex(factory_of(s), "here");
  std::vector<TrialRecord> ran;
  bool stop = false;
  RunHooks hooks;
  hooks.on_records = per_record([&](const TrialRecord& r, const Progress&) {
    ran.push_back(r);
    stop = true;  // a signal arrives while trial 0 is recorded
    return Status{};
  });
  hooks.stop = [&] { return stop; };
  auto result = ex.run(Job{"sweep", ""}, *queue, hooks);
  REQUIRE(result.ok());
  CHECK(*result);  // stopped before every trial ran
  REQUIRE(ran.size() == 1u);
  CHECK(ran[0].status == TrialStatus::kCompleted);
  CHECK(queue->finished() == 1);
  // A stop during a trial ends it as interrupted, with the epochs it ran.
  int ticks = 0;
  stop = false;
  hooks.on_records = per_record([&](const TrialRecord& r, const Progress&) {
    ran.push_back(r);
    return Status{};
  });
  hooks.on_tick = [&](const Progress&) { stop = ++ticks >= 3; };  // before the trial, 2 epochs
  result = ex.run(Job{"sweep", ""}, *queue, hooks);
  REQUIRE(result.ok());
  CHECK(*result);
  REQUIRE(ran.size() == 2u);
  CHECK(ran[1].status == TrialStatus::kInterrupted);
  CHECK(ran[1].curves.size() == 2u);
}

TEST_CASE("a record that cannot be stored ends the sweep with that error", "[exec]") {
  const SweepConfig s = quick_sweep(3);
  auto queue = TrialQueue::make(s);
  REQUIRE(queue.ok());
  InProcessExecutor ex(factory_of(s), "here");
  int calls = 0;
  RunHooks hooks;
  hooks.on_records = per_record([&](const TrialRecord&, const Progress&) -> Status {
    ++calls;
    return make_error("full.h5", "disk full");
  });
  auto result = ex.run(Job{"sweep", ""}, *queue, hooks);
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().str() == "full.h5: disk full");
  CHECK(calls == 1);  // nothing ran after it
}

TEST_CASE("an objective that cannot be prepared runs nothing and says why", "[exec]") {
  SweepConfig s = sweep_text("[train]\ndataset = \"csv\"\ndata_path = \"/nonexistent/x.csv\"\n"
                             "[sweep]\ntrials = 2\n[space]\nlr = { log_uniform = [1e-3, 1e-1] }\n");
  auto queue = TrialQueue::make(s);
  REQUIRE(queue.ok());
  InProcessExecutor ex(factory_of(s), "here");
  int calls = 0;
  RunHooks hooks;
  hooks.on_records = per_record([&](const TrialRecord&, const Progress&) {
    ++calls;
    return Status{};
  });
  auto result = ex.run(Job{"sweep", ""}, *queue, hooks);
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().str().find("/nonexistent/x.csv") != std::string::npos);
  CHECK(calls == 0);
  CHECK(queue->finished() == 0);
}

TEST_CASE("a trial that fails while the sweep stops is recorded as interrupted", "[exec]") {
  // What a preempted job does to a command trial: the signal that stops the sweep kills the
  // command too, which ends failed. Recorded as failed, it would never run again.
  struct FailsAsItStops final : Objective {
    bool* stop;
    explicit FailsAsItStops(bool* s) : stop(s) {}
    Status prepare() override { return {}; }
    TrialRecord run(const Trial& t, const TrialHooks&) override {
      TrialRecord r = record_of(t, TrialStatus::kFailed);
      r.error = "the command was killed by SIGTERM";
      if (t.id == 1) *stop = true;  // the signal comes during trial 1
      return r;
    }
  };
  const SweepConfig s = quick_sweep(4);
  auto queue = TrialQueue::make(s);
  REQUIRE(queue.ok());
  bool stop = false;
  InProcessExecutor ex([&](const Job&) -> Result<std::unique_ptr<Objective>> {
    return std::unique_ptr<Objective>(new FailsAsItStops(&stop));
  }, "here");
  std::vector<TrialRecord> ran;
  RunHooks hooks;
  hooks.on_records = per_record([&](const TrialRecord& r, const Progress&) {
    ran.push_back(r);
    return Status{};
  });
  hooks.stop = [&] { return stop; };
  auto result = ex.run(Job{"sweep", ""}, *queue, hooks);
  REQUIRE(result.ok());
  CHECK(*result);  // stopped
  REQUIRE(ran.size() == 2u);
  CHECK(ran[0].status == TrialStatus::kFailed);  // failed before the stop: its own failure
  CHECK(ran[1].status == TrialStatus::kInterrupted);
  CHECK(ran[1].error.find("killed by SIGTERM") != std::string::npos);
  // The continued sweep runs trial 1 again: the queue holds it as not finished.
  CHECK(queue->finished() == 1);
}
