#include "exec/run_trials.h"

#include "core/subprocess.h"
#include "exec/signals.h"
#include "trial/failure.h"
#include "trial/metric.h"

namespace hs {

namespace {

// Whether the first `n` trials recorded all failed alike ([sweep] fail_fast): take() each record
// as it is recorded; once one did not fail, or failed otherwise, nothing more is looked at. A
// failure is a trial failed or timed out without its metric: one that [train] max_seconds ended
// has its result (a sweep may time every trial out by design).
class FailFast {
 public:
  explicit FailFast(int n) : n_(n), open_(n > 0) {}
  // True when `r` is the n-th failure alike: the sweep stops.
  bool take(const TrialRecord& r) {
    if (!open_ || r.status == TrialStatus::kInterrupted) return false;
    const bool failed = ran_into_error(r.status) && !outcome_of(r).ok;
    const std::string cause = failed ? failure_cause(r.status, r.error) : "";
    open_ = failed && (seen_ == 0 || (cause == cause_ && r.status == status_));
    if (!open_) return false;
    if (seen_++ == 0) cause_ = cause, status_ = r.status;
    open_ = seen_ < n_;
    return !open_;
  }
  // "the first 5 trials of this run all failed with: <cause>" (or "timed out with: ...").
  std::string what() const {
    const char* how = status_ == TrialStatus::kTimedOut ? "timed out" : "failed";
    return "the first " + std::to_string(n_) + " trials of this run all " + how + " with: " +
           (cause_.empty() ? "(no error recorded)" : cause_);
  }

 private:
  const int n_;
  bool open_;
  int seen_ = 0;
  std::string cause_;
  TrialStatus status_ = TrialStatus::kFailed;
};

}  // namespace

Result<Ran> run_trials(Executor& executor, const Job& job, TrialQueue& queue,
                       ResultsFile& file, ProgressDisplay& display) {
  Ran ran;
  FailFast failing(queue.fail_fast());
  RunHooks hooks;
  hooks.on_records = [&](std::span<const TrialRecord> group,
                         std::span<const Progress> progress) -> Status {
    if (ran.stored) ran.stored = file.append(group);  // one fsync for the group
    if (!ran.stored) return ran.stored;
    // A line says the trial is recorded: only once it is.
    for (size_t i = 0; i < group.size(); ++i) {
      display.trial(group[i], progress[i]);
      // The latest record of an id counts: one recorded interrupted at the stop whose worker
      // then finished its last epoch is completed, not cut (the stop line said otherwise).
      if (group[i].status == TrialStatus::kInterrupted)
        ran.cut.insert(group[i].id);
      else
        ran.cut.erase(group[i].id);
      if (failing.take(group[i])) {
        ran.failed_fast = failing.what();
        display.failing_fast(ran.failed_fast);
      }
    }
    return ran.stored;
  };
  hooks.stop = [&display, &ran, told = false]() mutable {
    const int sig = stop_signal();
    if (sig != 0 && !told) display.stopping(signal_name(sig));  // at once: an epoch may be long
    told = told || sig != 0;
    return sig != 0 || !ran.failed_fast.empty();
  };
  hooks.stop_now = [] { return stop_signals_received() >= 2; };
  hooks.on_tick = [&](const Progress& p) { display.tick(p); };
  display.follow([&queue](int64_t id) { return queue.undecided(id); });
  auto result = executor.run(job, queue, hooks);
  display.follow(nullptr);
  display.clear();
  if (!ran.stored) return ran;  // the executor's error is this one
  if (!result) return result.error();
  ran.interrupted = *result;
  return ran;
}

Recorded recorded_in(const ResultsFile& file) {
  Recorded r;
  r.last_id = file.last_id();
  r.each = [&file](const std::function<Status(const TrialRecord&)>& fn) {
    return file.for_each_trial(TrialOrder::kById, fn);
  };
  return r;
}

Status consider_recorded(const ResultsFile& file, ProgressDisplay& display) {
  return file.for_each_trial(TrialOrder::kRecorded, [&](const TrialRecord& r) {
    display.consider(r);
    return Status::Ok();
  });
}

}  // namespace hs
