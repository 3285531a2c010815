// queue.h: rank 0's side of a sweep, whatever runs the trials: which trial runs next, and
// telling the strategy what came of it (exec/ moves trials to where they run and records back).
//
// Same seed, same results: a trial's values come from the strategy alone, and the objective
// trains trial i with its own seed (objective/objective.h: trial_seed), so its outcome depends on
// the sweep seed and its id, not on which process runs it or when.
//
// May depend on: config (sweep files), search (strategies), trial. Never MPI, objectives or
// files. Thread safety: one thread (rank 0's).
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "config/sweep_config.h"
#include "trial/record.h"

namespace hs {

// Resume is built in: the recorded trials are taken back into the strategy
// (Strategy::restore) in id order, so a learning strategy's model is rebuilt from the recorded
// outcomes whatever order an asynchronous sweep asked and told them in. Trials recorded as
// interrupted, and ids below the largest recorded one that have no record (in flight when the
// process was killed), run again first, with the same ids.
//
// Retries ([sweep] max_retries): a trial lost to a signal or a timeout (is_lost, trial/record.h)
// runs again with the same id and values under the next attempt number, up to max_retries times,
// and not once it was lost the same way (the same error) twice in a row; the strategy hears only
// of its last attempt. The record of a lost attempt that will run again says so at the end of
// its error (kRetryNote), so a sweep continued after a crash still runs that retry.
class TrialQueue {
 public:
  // Errors: the strategy cannot be built, or a recorded trial is not one this sweep's strategy
  // gives (another config or version), naming its id.
  static Result<TrialQueue> make(const SweepConfig& sweep, const std::vector<TrialRecord>& done = {});

  // The next trial to run (its attempt number set), or nullopt when every trial has been handed
  // out.
  std::optional<Trial> next();
  // Tells the strategy how trial `r.id` (handed out by next()) went, after setting r.attempt
  // (and, for a lost trial that runs again, noting so in r.error): record `r` as it leaves. An
  // interrupted trial is not told: it is queued to run again; nor is a lost one that runs again.
  void finish(TrialRecord& r);

  int64_t total() const { return total_; }        // trials in the whole sweep
  int64_t finished() const { return finished_; }  // told so far, resumed ones included

 private:
  TrialQueue() = default;
  // Whether lost trial `r` (attempt r.attempt) runs again; if so, queues it and notes it in r.
  bool retry(TrialRecord& r, Trial t);
  std::unique_ptr<Strategy> strategy_;
  std::deque<Trial> again_;  // to run again before asking for new trials
  std::map<int64_t, Trial> out_;  // handed out, not yet finished
  std::map<int64_t, int> attempt_;              // the attempt a trial runs as, when not 1
  std::map<int64_t, std::string> last_loss_;    // the error of its last lost attempt
  int max_retries_ = 0;
  int64_t total_ = 0, finished_ = 0;
};

}  // namespace hs
