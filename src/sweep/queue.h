// queue.h: rank 0's side of a sweep, whatever runs the trials: which trial runs next, and
// telling the strategy what came of it (exec/ moves trials to where they run and records back).
//
// Same seed, same results: a trial's values come from the strategy alone, and the objective
// trains trial i with its own seed (objective/objective.h: trial_seed), so its outcome depends on
// the sweep seed and its id, not on which process runs it or when.
//
// May depend on: config (sweep files), search (strategies), prune, trial. Never MPI, objectives
// or files. Thread safety: one thread (rank 0's).
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/sweep_config.h"
#include "prune/pruner.h"
#include "trial/metric.h"
#include "trial/record.h"

namespace hs {

// Resume is built in: the recorded trials are taken back into the strategy
// (Strategy::restore) in id order, so a learning strategy's model is rebuilt from the recorded
// outcomes whatever order an asynchronous sweep asked and told them in. Trials recorded as
// interrupted, and ids below the largest recorded one that have no record (in flight when the
// process was killed), run again first, with the same ids.
//
// Growing: `trials` above what is recorded asks the restored strategy for the next trials, so
// the recorded ones keep their ids and values and the new ones follow as if the sweep had been
// this long from the start (a model strategy's start design does not depend on `trials`).
// `trials` below what is recorded keeps every record and runs nothing past `trials`: no new
// trial, and no run again of a trial whose id is `trials` or more.
//
// --retry-failed (Resume::retry_failed): every recorded failed or timed_out trial runs again
// first, with the same id and values, as the next attempt (the retry of max_retries below, asked
// for once): its new record replaces the old one, and the strategy hears only of the new one.
//
// Retries ([sweep] max_retries): a trial lost to a signal or a timeout (is_lost, trial/record.h)
// runs again with the same id and values under the next attempt number, up to max_retries times,
// and not once it was lost the same way (the same error) twice in a row; the strategy hears only
// of its last attempt. The record of a lost attempt that will run again says so at the end of
// its error (kRetryNote), so a sweep continued after a crash still runs that retry.
//
// Pruning ([sweep] pruner, prune/pruner.h): judge() hears each finished epoch of a running trial
// and answers go on or stop; a trial judge() stopped comes back to finish() interrupted and leaves it
// pruned (its best value so far its result, its rung, bracket and the reason in its record), and
// the strategy hears of it like any other (a pruned trial counts at its best value so far: it
// compares badly with the trials that went on, which is what a strategy should learn). sha's
// paused trials wait for their rung; those promoted run again (next() hands them out first),
// and the strategy hears a sha bracket's trials together once it is decided. On resume the
// pruner takes back the recorded trials, so the trials already decided keep their decisions and
// the rest are judged against the same values.
// What a continued sweep does besides running what is left.
struct Resume {
  bool retry_failed = false;  // run the recorded failed and timed_out trials again
};

// The records a continued sweep starts from, handed over one at a time: a results file of a
// million trials is never read whole (store/results_file.h: for_each_trial).
struct Recorded {
  int64_t last_id = -1;  // the largest recorded id; -1: none
  // Calls its argument with each recorded trial's latest record, in id order, each id once;
  // stops at the first error and returns it.
  std::function<Status(const std::function<Status(const TrialRecord&)>&)> each;
};

class TrialQueue {
 public:
  // Errors: the strategy cannot be built, or a recorded trial is not one this sweep's strategy
  // gives (another config or version), naming its id. `done` may repeat an id: its last record
  // counts.
  static Result<TrialQueue> make(const SweepConfig& sweep, const std::vector<TrialRecord>& done = {},
                                 const Resume& resume = {});
  // The same from records handed over one at a time: the queue keeps what it needs of each
  // (the strategy's and the pruner's histories, the ids ended and to run again), not the
  // records. Errors: as above, and records out of id order; `done.each`'s errors.
  static Result<TrialQueue> make(const SweepConfig& sweep, const Recorded& done,
                                 const Resume& resume);

  // The next trial to run (its attempt number set), or nullopt when there is none to start now:
  // every trial has been handed out, or (sha) the next waits for the trials in flight. With
  // nothing in flight, nullopt means the sweep is done.
  std::optional<Trial> next();
  // Trial `id` (handed out, running) finished the epoch in so_far's last curves row: whether to
  // stop it now (the pruner's verdict). Always false without a pruner.
  bool judge(int64_t id, const TrialRecord& so_far);
  // Tells the strategy how trial `r.id` (handed out by next()) went, after setting r.attempt
  // (and, for a lost trial that runs again, noting so in r.error; for one judge() stopped,
  // making it pruned): record `r` as it leaves. An interrupted trial is not told: it is queued
  // to run again; nor is a lost one that runs again.
  void finish(TrialRecord& r);

  int64_t total() const { return total_; }        // trials in the whole sweep (recorded ones
                                                  // past `trials` included)
  // Trials ended so far (resumed ones included): told, or held for the pruner (sha's paused
  // ones count; one that is promoted and runs again counts once).
  int64_t finished() const { return finished_; }
  int64_t recorded() const { return recorded_; }  // ids the results file had: its largest + 1
  // Whether the pruner may yet undo trial `id`'s pause (Pruner::undecided; sha: waiting for its
  // rung to be decided, or promoted and running again): ProgressDisplay::follow.
  bool undecided(int64_t id) const;
  int64_t again() const { return static_cast<int64_t>(again_.size()); }  // to run again first
  // sha's trials paused at a rung not decided yet (counted in finished()).
  int64_t paused() const { return static_cast<int64_t>(paused_.size()); }
  // Trials the strategy is still to give: total() - recorded() at the start.
  int64_t more() const { return total_ - recorded_; }
  // Recorded trials that would run again (interrupted, lost in flight, or failed under
  // --retry-failed) but are left as they are because their id is `trials` or more (a file grown
  // with --trials, continued without it):
  // how many, the first few ids, and the `trials` that would run them all.
  struct Left {
    int64_t count = 0;
    int64_t not_ended = 0;       // of them, not counted in finished() (interrupted or lost)
    std::vector<int64_t> first;  // at most 8, ascending
    int64_t trials_for_all = 0;
  };
  const Left& left() const { return left_; }
  // [sweep] fail_fast: a run whose first this many trials all fail alike stops (run_trials.h;
  // 0: never).
  int fail_fast() const { return fail_fast_; }

 private:
  TrialQueue() = default;
  // make(): recorded trial `r` taken back into the strategy, the pruner and the queue.
  Status take_back(const TrialRecord& r, const Resume& resume, int64_t trials);
  // Queues trial `t` to run again first, unless its id is `trials` or more (then left()).
  void run_again(Trial t, int64_t trials);
  // Counts trial `id` in left(); `ended`: it is counted in finished() too.
  void note_left(int64_t id, bool ended);
  // Whether lost trial `r` (attempt r.attempt) runs again; if so, queues it and notes it in r.
  bool retry(TrialRecord& r, Trial t);
  // A trial judge() stopped: pruned, with its rung, bracket and the decision's reason.
  void mark_pruned(TrialRecord& r);
  // What the pruner has settled since: the strategy told, promoted trials queued.
  void settle();
  void tell(int64_t id, const Outcome& o);
  std::unique_ptr<Strategy> strategy_;
  std::unique_ptr<Pruner> pruner_;   // nullptr: none
  Metric metric_;
  std::map<int64_t, bool> stopped_;             // running trials judge() said stop to: paused?
  std::map<int64_t, std::string> why_;          // the last decision's reason per running trial
  std::map<int64_t, Outcome> held_;             // ended, not yet settled (sha)
  std::map<int64_t, Trial> paused_;             // pruned ones that may yet be promoted (sha)
  int64_t next_id_ = 0;                         // the id the strategy gives next
  std::deque<Trial> again_;  // to run again before asking for new trials
  std::map<int64_t, Trial> out_;  // handed out, not yet finished
  std::map<int64_t, int> attempt_;              // the attempt a trial runs as, when not 1
  std::map<int64_t, std::string> last_loss_;    // the error of its last lost attempt
  int max_retries_ = 0;
  int fail_fast_ = 0;
  // Counts trial `id` as ended, once.
  void mark_ended(int64_t id);
  std::vector<bool> ended_;  // by id (a bit a trial: a million take 125 KB)
  int64_t finished_ = 0;
  int64_t total_ = 0, recorded_ = 0;
  Left left_;
};

}  // namespace hs
