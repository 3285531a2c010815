// progress.h: rank 0's account of a sweep as it runs, on stdout: a line per finished trial (its
// status, metric and parameters, the best so far, how many are running, the elapsed time and an
// ETA, and with a pruner where a pruned trial stopped and how many were pruned at each rung) and, on a terminal, a live line redrawn in place between them. `hypersweep run` and each
// of the recipe's sweeps (steps 3-5) show their trials with it.
//
// May depend on: search (the space), trial. Thread safety: one thread (rank 0's).
#pragma once

#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "search/space.h"
#include "trial/metric.h"
#include "trial/record.h"

namespace hs {

// How the sweep stands, for progress lines.
struct Progress {
  int64_t done = 0;     // trials finished (resumed ones included)
  int64_t running = 0;  // trials in flight
  int64_t total = 0;
  int workers = 0;
};

// "42s", "3m05s", "2h07m"; "?" for a time that is not one.
std::string duration_text(double seconds);

class ProgressDisplay {
 public:
  // `resumed_done`: trials finished before this run (the ETA goes by this run's pace). `live`:
  // redraw a progress line in place (a plain terminal; under mpirun stdout is a pseudo-terminal
  // whatever mpirun's own output is, and redraws would litter logs).
  ProgressDisplay(Metric metric, SearchSpace space, int64_t resumed_done, bool live);

  // Trials whose last record is a pause the pruner may yet undo (`undecided(id)`: sha's trials
  // waiting for their rung to fill, or promoted and queued or running again) are shown as
  // paused, not pruned; nullptr (the default): none. run_trials() follows its queue this way.
  void follow(std::function<bool(int64_t)> undecided) { undecided_ = std::move(undecided); }
  // The count the lines show as the whole when it is more than the queue's: a sweep that is the
  // first part of a larger one (the recipe's refine step, whose last trial waits for the first's
  // curve) counts its trials against the larger's total, so its lines read 1/2, then 2/2.
  void count_against(int64_t total) { total_ = total; }
  // Keeps the best outcome so far (new trials and resumed ones alike), and the pruned trials;
  // true when `r` is the best.
  bool consider(const TrialRecord& r);
  // A trial finished (or was interrupted): its line. A trial in flight at a stop is recorded
  // twice (at once by rank 0, then with its worker's partial curves): one line says it.
  void trial(const TrialRecord& r, const Progress& p);
  // The live line (terminals only; elsewhere a flush).
  void tick(const Progress& p);
  // The sweep was asked to stop by `signal` ("SIGINT"): says so at once, as the trials in flight
  // may take a while to end (a built-in trial finishes its epoch).
  void stopping(const std::string& signal);
  // The sweep stops as its first trials all failed alike ([sweep] fail_fast), `what` says how
  // ("the first 5 trials of this run all failed with: ..."): says so at once.
  void failing_fast(const std::string& what);
  // Wipes the live line, before other output.
  void clear();
  // "trial 3: val_acc 0.9100 (lr=0.01 ...)", or "" before any trial completed.
  const std::string& best_line() const { return best_line_; }
  // "pruned 5 (epoch 1: 3, epoch 3: 2)": the trials pruned so far (resumed ones too), by the
  // epoch of the rung they were pruned at when a pruner has rungs (hyperband's brackets put
  // their rungs at other epochs: counted by epoch, not by rung number), then ", paused 2" for
  // those still paused (follow()); "" before any was pruned or paused.
  std::string pruned_line() const;
  // "20 trials failed, 14 with: <cause>" ("20 trials failed with: ..." when all alike; "2 trials
  // timed out ...", "3 trials failed and 2 timed out, 2 with: ..."): the failed and timed-out
  // trials so far, each status counted as itself, and their most common cause (failure_cause,
  // trial/failure.h: a timed-out trial's is its time limit); "(no error recorded)" only when no
  // trial has a cause; ", each with a cause of its own (...); one: <cause>" when no two share
  // one. "" if none.
  std::string failures_line() const;
  // Whether a trial considered had an epoch row holding the metric, and whether one had none: a
  // pruner judges a trial by its epoch rows only, so a sweep of the second kind alone was never
  // judged. A trial interrupted, or failed or timed out without an epoch row, counts in neither
  // (it says nothing of them). Flags, not counts of ids: the display keeps nothing per trial
  // that ends well (rank 0 holds a million of them).
  bool epoch_metric_seen() const { return epoch_metric_seen_; }
  bool trial_without_epoch_metric() const { return trial_without_epoch_metric_; }

 private:
  // Keeps failed_ and failure_kinds_ as `r` (a trial's latest record) leaves them.
  void count_failure(const TrialRecord& r);
  double elapsed() const;
  bool undecided(int64_t id) const { return undecided_ && undecided_(id); }
  bool paused(const TrialRecord& r) const {
    return r.status == TrialStatus::kPruned && undecided(r.id);
  }
  std::string eta(const Progress& p) const;

  const Metric metric_;
  const SearchSpace space_;
  const bool live_;
  const int64_t resumed_;
  int64_t total_ = 0;  // count_against's (0: the queue's)
  // `p` with count_against's total when that is larger: what the lines count against.
  Progress against_total(Progress p) const;
  const std::chrono::steady_clock::time_point t0_ = std::chrono::steady_clock::now();
  double best_ = NAN;
  int64_t best_id_ = -1;
  std::set<int64_t> interrupted_;
  // id -> the epoch of the rung it was pruned at (-1: no rung, as median's), of each pruned trial
  std::map<int64_t, int> pruned_;
  std::function<bool(int64_t)> undecided_;
  std::string best_line_;
  // The failed and timed-out trials, each by its last record (a trial run again, by
  // --retry-failed or after an interruption, counts as it ended last): id -> whether it timed
  // out, and its cause's kind, an index into failure_kinds_ (each a cause and how many trials
  // have it), or kOtherKind past kFailureKinds kinds, so that the causes kept stay few.
  static constexpr size_t kFailureKinds = 64;
  static constexpr uint8_t kOtherKind = 255;
  struct Failure {
    bool timed_out = false;
    uint8_t kind = kOtherKind;
  };
  std::unordered_map<int64_t, Failure> failed_;
  std::vector<std::pair<std::string, int64_t>> failure_kinds_;
  bool drawn_ = false;
  bool epoch_metric_seen_ = false, trial_without_epoch_metric_ = false;
};

}  // namespace hs
