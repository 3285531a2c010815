// A crash in a trial stays in that trial (objective/forked_objective.h): each trial runs in a
// child process; a segfault, an abort or memory exhausted there is a failed record naming it, with
// the epochs finished before, and this process goes on. The hooks run here, in the parent, and
// the record is the one the wrapped objective gives in place.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <vector>

#include "objective/forked_objective.h"
#include "objective/trainer_objective.h"
#include "support/sweep_here.h"
#include "trial/codec.h"

using namespace hs;

namespace {

enum class Then { kFinish, kSegfault, kAbort, kAllocate, kExit, kKilled };

// An objective that reports `epochs` epochs, then does `then`. It obeys the hooks: an epoch
// answered kStop, or stop() true, ends it as interrupted.
class ScriptedObjective final : public Objective {
 public:
  ScriptedObjective(int epochs, Then then) : epochs_(epochs), then_(then) {}
  Status prepare() override {
    prepared_in = ::getpid();
    return {};
  }
  TrialRecord run(const Trial& t, const TrialHooks& hooks) override {
    TrialRecord r = record_of(t, TrialStatus::kCompleted);
    r.host = std::to_string(::getpid());  // where it ran (the executor overwrites host)
    for (int e = 1; e <= epochs_; ++e) {
      EpochRow row;
      row.epoch = e;
      row.train_loss = 1.0 / e + 0.25 * static_cast<double>(t.id);
      r.curves.push_back(row);
      r.epochs = e;
      if ((hooks.on_epoch && hooks.on_epoch(r) == EpochAnswer::kStop) ||
          (hooks.stop && hooks.stop())) {
        r.status = TrialStatus::kInterrupted;
        return r;
      }
    }
    switch (then_) {
      case Then::kSegfault: std::raise(SIGSEGV); break;
      case Then::kAbort: std::abort();
      case Then::kAllocate: {
        std::vector<char> big(size_t{1} << 34, 1);  // 16 GiB, over any memory_limit below
        r.best_metric = big[12345];
        break;
      }
      case Then::kExit: std::exit(7);
      case Then::kKilled: std::raise(SIGKILL); break;
      case Then::kFinish: break;
    }
    r.best_metric = 0.5 + static_cast<double>(t.id);
    return r;
  }
  pid_t prepared_in = 0;

 private:
  int epochs_;
  Then then_;
};

Trial trial(int64_t id) { return Trial{id, {ParamValue(0.01 * static_cast<double>(id + 1))}}; }

struct Run {
  TrialRecord record;
  int epochs_seen = 0;  // on_epoch calls, counted in this process
};

Run run_forked(int epochs, Then then, uint64_t memory_limit = 0, int stop_at_epoch = 0) {
  auto inner = std::make_unique<ScriptedObjective>(epochs, then);
  ForkedObjective f(std::move(inner), memory_limit);
  REQUIRE(f.prepare().ok());
  Run out;
  TrialHooks hooks;
  hooks.on_epoch = [&](const TrialRecord& so_far) {
    ++out.epochs_seen;
    CHECK(so_far.curves.size() == static_cast<size_t>(out.epochs_seen));
    return out.epochs_seen == stop_at_epoch ? EpochAnswer::kStop : EpochAnswer::kContinue;
  };
  out.record = f.run(trial(3), hooks);
  return out;
}

}  // namespace

TEST_CASE("a trial in its own process gives the record it gives in place", "[objective][isolate]") {
  const Run r = run_forked(4, Then::kFinish);
  ScriptedObjective here(4, Then::kFinish);
  TrialRecord in_place = here.run(trial(3), TrialHooks{});
  CHECK(r.epochs_seen == 4);  // each epoch reached this process's hook as it finished
  CHECK(r.record.host != std::to_string(::getpid()));  // it ran elsewhere ...
  in_place.host = r.record.host;
  CHECK(encode_record(r.record) == encode_record(in_place));  // ... to the same record
}

TEST_CASE("a segfault abort or exit in a trial is a failed record and this process goes on",
          "[objective][isolate]") {
  struct Case { Then then; const char* says; };
  for (const Case c : {Case{Then::kSegfault, "killed by SIGSEGV (a crash)"},
                       Case{Then::kAbort, "killed by SIGABRT (a crash)"},
                       Case{Then::kExit, "exited with code 7"}}) {
    const Run r = run_forked(2, c.then);
    INFO(r.record.error);
    CHECK(r.record.status == TrialStatus::kFailed);
    CHECK(r.record.error.find(c.says) != std::string::npos);
    CHECK(r.record.id == 3);
    CHECK(r.record.params == trial(3).values);
    CHECK(r.record.curves.size() == 2u);  // the epochs it finished are kept
    CHECK(std::isnan(r.record.best_metric));
    // A process killed by a signal was lost, max_retries may run it again; an exit is its own.
    CHECK(is_lost(r.record) == (c.then != Then::kExit));
  }
  CHECK(run_forked(1, Then::kFinish).record.status == TrialStatus::kCompleted);  // still here
}

TEST_CASE("memory_limit fails a trial that asks for more with out of memory",
          "[objective][isolate]") {
  const Run limited = run_forked(1, Then::kAllocate, uint64_t{1} << 30);
  INFO(limited.record.error);
  CHECK(limited.record.status == TrialStatus::kFailed);
  CHECK(limited.record.error.find("out of memory") != std::string::npos);
  CHECK(limited.record.error.find("1024 MiB") != std::string::npos);
}

TEST_CASE("the parent's answers stop an isolated trial", "[objective][isolate]") {
  const Run answered = run_forked(6, Then::kFinish, 0, 2);  // on_epoch says stop at epoch 2
  CHECK(answered.record.status == TrialStatus::kInterrupted);
  CHECK(answered.record.curves.size() == 2u);

  // The sweep's stop, asked in this process while the trial runs, reaches the child.
  ForkedObjective f(std::make_unique<ScriptedObjective>(1000000, Then::kFinish), 0);
  REQUIRE(f.prepare().ok());
  std::atomic<int> epochs{0};
  TrialHooks hooks;
  hooks.on_epoch = [&](const TrialRecord&) {
    ++epochs;
    return EpochAnswer::kContinue;
  };
  hooks.stop = [&] { return epochs.load() >= 3; };
  const TrialRecord r = f.run(trial(0), hooks);
  CHECK(r.status == TrialStatus::kInterrupted);
  CHECK(r.curves.size() >= 3u);
  CHECK(r.curves.size() < 1000000u);
}

TEST_CASE("an isolated built-in trial trains as it does in place after OpenMP ran here",
          "[objective][isolate]") {
  const SweepConfig s = test::sweep_text(R"([train]
dataset = "synthetic"
synthetic_samples = 400
hidden = [16]
epochs = 2
batch_size = 32
threads = 2
[sweep]
strategy = "random"
trials = 1
[space]
lr = { log_uniform = [1e-3, 1e-1] }
)");
  const Trial t{0, {ParamValue(0.05)}};
  TrainerObjective here(s, 2, nullptr);  // trains in this process first: OpenMP's threads exist
  REQUIRE(here.prepare().ok());
  const TrialRecord in_place = here.run(t, TrialHooks{});
  REQUIRE(in_place.status == TrialStatus::kCompleted);
  ForkedObjective forked(std::make_unique<TrainerObjective>(s, 2, nullptr), 0);
  REQUIRE(forked.prepare().ok());
  TrialRecord r = forked.run(t, TrialHooks{});  // would hang if libgomp's pool crossed fork()
  REQUIRE(r.status == TrialStatus::kCompleted);
  r.seconds = in_place.seconds;
  for (size_t i = 0; i < r.curves.size() && i < in_place.curves.size(); ++i)
    r.curves[i].seconds = in_place.curves[i].seconds;
  CHECK(encode_record(r) == encode_record(in_place));
}

TEST_CASE("a trial killed while the sweep stops is interrupted not failed", "[objective][isolate]") {
  // SLURM signals every process of a job step, the trial's own too, and SIGKILLs what is left
  // after its grace time: that trial did not fail, it runs again when the sweep continues.
  ForkedObjective f(std::make_unique<ScriptedObjective>(2, Then::kKilled), 0);
  REQUIRE(f.prepare().ok());
  int epochs = 0, asked_after = 0;
  TrialHooks hooks;
  hooks.on_epoch = [&](const TrialRecord&) {
    ++epochs;
    return EpochAnswer::kContinue;
  };
  hooks.stop = [&] { return epochs == 2 && asked_after++ > 0; };  // stopping once it is killed
  const TrialRecord r = f.run(trial(1), hooks);
  INFO(r.error);
  CHECK(r.status == TrialStatus::kInterrupted);
  CHECK(r.curves.size() == 2u);
  CHECK(r.error.find("SIGKILL") != std::string::npos);
  // The same death while the sweep goes on is a failure.
  ForkedObjective g(std::make_unique<ScriptedObjective>(2, Then::kKilled), 0);
  REQUIRE(g.prepare().ok());
  CHECK(g.run(trial(1), TrialHooks{}).status == TrialStatus::kFailed);
}

TEST_CASE("a record reads back as its attempt and an older one as attempt 1", "[objective][codec]") {
  TrialRecord r = record_of(trial(2), TrialStatus::kCompleted);
  r.attempt = 3;
  TrialRecord back;
  const std::string bytes = encode_record(r);
  REQUIRE(decode_record(bytes, &back));
  CHECK(back.attempt == 3);
  // What hypersweep wrote before attempts existed: the same bytes without the last field.
  REQUIRE(decode_record(bytes.substr(0, bytes.size() - sizeof(int32_t)), &back));
  CHECK(back.attempt == 1);
  r.attempt = 0;  // no such attempt
  CHECK_FALSE(decode_record(encode_record(r), &back));
}
