#include "exec/run_trials.h"

#include "core/subprocess.h"
#include "exec/signals.h"

namespace hs {

Result<Ran> run_trials(Executor& executor, const Job& job, TrialQueue& queue,
                       ResultsFile& file, ProgressDisplay& display) {
  Ran ran;
  RunHooks hooks;
  hooks.on_records = [&](std::span<const TrialRecord> group,
                         std::span<const Progress> progress) -> Status {
    if (ran.stored) ran.stored = file.append(group);  // one fsync for the group
    if (!ran.stored) return ran.stored;
    // A line says the trial is recorded: only once it is.
    for (size_t i = 0; i < group.size(); ++i) {
      display.trial(group[i], progress[i]);
      if (group[i].status == TrialStatus::kInterrupted) ran.cut.insert(group[i].id);
    }
    return ran.stored;
  };
  hooks.stop = [&display, told = false]() mutable {
    const int sig = stop_signal();
    if (sig != 0 && !told) display.stopping(signal_name(sig));  // at once: an epoch may be long
    told = told || sig != 0;
    return sig != 0;
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
