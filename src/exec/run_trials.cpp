#include "exec/run_trials.h"

#include "exec/signals.h"

namespace hs {

Result<Ran> run_trials(Executor& executor, const Job& job, TrialQueue& queue,
                       ResultsFile& file, ProgressDisplay& display) {
  Ran ran;
  RunHooks hooks;
  hooks.on_record = [&](const TrialRecord& r, const Progress& p) -> Status {
    if (ran.stored) ran.stored = file.append(r);
    if (ran.stored) display.trial(r, p);  // a line says the trial is recorded: only once it is
    return ran.stored;
  };
  hooks.stop = [] { return stop_signal() != 0; };
  hooks.on_tick = [&](const Progress& p) { display.tick(p); };
  auto result = executor.run(job, queue, hooks);
  display.clear();
  if (!ran.stored) return ran;  // the executor's error is this one
  if (!result) return result.error();
  ran.interrupted = *result;
  return ran;
}

}  // namespace hs
