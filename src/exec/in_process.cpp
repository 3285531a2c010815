#include "exec/in_process.h"

namespace hs {

Result<bool> InProcessExecutor::run(const Job& job, TrialQueue& queue, const RunHooks& hooks) {
  auto objective = make_(job);
  if (!objective) return objective.error();
  if (Status st = (*objective)->prepare(); !st) return st.error();
  const auto progress = [&](int64_t running) {
    return Progress{queue.finished(), running, queue.total(), 0};
  };
  const auto stop = [&] { return hooks.stop && hooks.stop(); };
  TrialHooks trial_hooks;
  trial_hooks.stop = [&] {  // before each trial and after every epoch
    if (hooks.on_tick) hooks.on_tick(progress(1));
    return stop();
  };
  trial_hooks.stop_now = hooks.stop_now;
  int64_t running = -1;  // the trial in hand, whose epochs the queue's pruner judges
  trial_hooks.on_epoch = [&](const TrialRecord& so_far) {
    return queue.judge(running, so_far) ? EpochAnswer::kStop : EpochAnswer::kContinue;
  };
  while (!trial_hooks.stop()) {
    const std::optional<Trial> t = queue.next();
    if (!t) break;
    running = t->id;
    TrialRecord r = (*objective)->run(*t, trial_hooks);
    r.rank = 0;
    r.host = host_;
    interrupted_if_stopping(stop(), &r);
    queue.finish(r);  // acknowledged (executor.h) by what follows it, once r is recorded
    const Progress p = progress(0);
    if (hooks.on_records)
      if (Status st = hooks.on_records({&r, 1}, {&p, 1}); !st) return st.error();
    if (r.status == TrialStatus::kInterrupted) return true;
  }
  return stop();
}

}  // namespace hs
