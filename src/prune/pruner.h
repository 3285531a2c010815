// pruner.h: stopping poor trials early across a sweep ([sweep] pruner, the [pruner] table).
// Rank 0 hears every finished epoch of every running trial (objective/objective.h:
// TrialHooks::on_epoch, carried to rank 0 by exec/) and its Pruner answers go on or stop:
//
//   median, percentile  Optuna's MedianPruner and PercentilePruner rule: after `startup_trials`
//                       trials have completed, from epoch warmup_epochs + 1 on, every
//                       `interval` epochs, stop a trial whose best value so far is worse than
//                       the `percentile` (median: 50) of the completed trials' values at the same
//                       epoch (at least `min_trials` of them).
//   asha                asynchronous successive halving (Li et al., MLSys 2020), in its stopping
//                       form: at each rung a trial's value joins the values recorded there, and
//                       it goes on if it is among the top max(1, n / reduction) of those n
//                       (itself included); it never waits for a rung to fill.
//   hyperband           brackets of asha with the Hyperband schedule (Li et al., JMLR 2018): a
//                       trial's bracket is drawn from its id and the sweep seed alone, weighted by
//                       the brackets' sizes, and it is compared with its own bracket only.
//   sha                 synchronous successive halving: trials are taken in brackets of
//                       `bracket_trials` (by id); at each rung every trial of the bracket stops
//                       (is paused) until all have reached it, then the top max(1, n / reduction)
//                       by value (ties: the lower id) run again from their start to the next
//                       rung (same seed, so their first epochs repeat bit for bit). The next
//                       bracket starts once this one is decided, and the strategy hears a
//                       bracket's trials together, in id order: the decisions and results are
//                       the same with any number of workers.
//
// Rungs (asha, hyperband, sha): with R = max_epochs, eta = reduction and s_max the largest s with
// min_epochs * eta^s <= R, bracket s (hyperband: 0..s_max; asha and sha: s_max alone) has rungs
// k = 0..s at epoch floor(R / eta^(s-k)): for R = 81, eta = 3 the brackets of Li et al.'s Table 1.
// The last rung, at R, decides nothing: a trial there runs to its end.
//
// An epoch without a value of the sweep's metric (NaN: a command that prints it only at the end)
// is not judged; one that printed NaN (kReportedNaN, core/reported_nan.h) is, as Optuna's
// pruners judge it: asha and hyperband prune it at a rung, sha never promotes it, and median and
// percentile prune a trial whose every value so far is NaN. A rung is judged once per run of a
// trial, at its first epoch at or past the rung's epoch with a value; a line past several rungs
// meets them all (trial/rungs.h: RungWalk). Decisions of median, percentile, asha and hyperband
// depend on which trials have reported by then, so they vary with the number of workers and
// their speed; sha's do not.
//
// May depend on: trial (records, the metric), search (Direction), core. Thread safety: one thread
// (rank 0's queue, sweep/queue.h).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "trial/metric.h"
#include "trial/record.h"

namespace hs {

enum class PrunerKind { kNone, kMedian, kPercentile, kAsha, kHyperband, kSha };
// "none", "median", "percentile", "asha", "hyperband", "sha".
const char* pruner_name(PrunerKind kind);
bool parse_pruner(std::string_view name, PrunerKind* out);
// Whether `kind` judges trials at rungs (asha, hyperband, sha).
bool is_bracketed(PrunerKind kind);

// The [pruner] table (defaults as Optuna's and the ASHA paper's).
struct PrunerOptions {
  PrunerKind kind = PrunerKind::kNone;
  // median, percentile
  double percentile = 50;   // keep trials at least as good as this percentile (median: 50)
  int startup_trials = 5;   // no decision before this many trials have completed
  int warmup_epochs = 0;    // none in a trial's first warmup_epochs epochs
  int interval = 1;         // then one every `interval` epochs
  int min_trials = 1;       // completed trials with a value at the epoch, at least
  // asha, hyperband, sha
  int min_epochs = 1;       // r: the first rung is at least this many epochs
  int reduction = 3;        // eta: one in eta goes on at each rung
  int max_epochs = 0;       // R: the last rung (the built-in trainer: [train] epochs)
  int64_t bracket_trials = 0;  // sha: trials per bracket (0: reduction^s_max)
  bool operator==(const PrunerOptions&) const = default;
};

// The rungs of a bracketed pruner for a sweep of `trials` trials, bracket by bracket: hyperband
// s_max down to 0 with Li et al.'s n_i (the bracket's trials at each rung); asha one bracket (0)
// with no counts; sha one bracket per bracket_trials, with its rungs' sizes. Empty for the
// others. REQUIRES: options valid (check_pruner).
std::vector<Rung> rung_schedule(const PrunerOptions& options, int64_t trials);
// The largest s with min_epochs * reduction^s <= max_epochs.
int max_bracket(const PrunerOptions& options);
// The trials per sha bracket: bracket_trials, or reduction^s_max.
int64_t sha_bracket_trials(const PrunerOptions& options);
// Hyperband's bracket of trial `id`: drawn from (seed, id) alone, bracket s weighted by its n_0
// = ceil((s_max + 1) / (s + 1) * eta^s).
int hyperband_bracket(const PrunerOptions& options, uint64_t seed, int64_t id);

// Checks the options (the caller names the file and line): an error message, or "".
std::string check_pruner(const PrunerOptions& options);

// A decision on one finished epoch of a running trial.
struct Verdict {
  enum class Kind {
    kContinue,
    kPrune,  // stop it for good: status pruned
    kPause,  // sha: stop it now; it runs again from its start if promoted when the rung fills
  };
  Kind kind = Kind::kContinue;
  int rung = -1;    // the rung this epoch is of the trial's bracket; -1: not a rung's epoch
  std::string why;  // what it was based on ("" for an epoch that is no decision)
};

class Pruner {
 public:
  virtual ~Pruner() = default;
  // Trial `id` finished epoch `epoch` (1-based) with `value` of the sweep's metric (NaN: none;
  // kReportedNaN: it printed NaN).
  virtual Verdict report(int64_t id, int epoch, double value) = 0;
  // Trial `id` ended with record `r` (any status; a paused or pruned one too). REQUIRES: the
  // last report of a pruned or paused trial was its verdict.
  virtual void ended(const TrialRecord& r) = 0;
  // Resume: a trial recorded for good taken back (in id order, before any report): its curves as
  // its reports were, then ended(r). (One that runs again, interrupted or lost, is not restored:
  // it reports afresh.)
  virtual void restore(const TrialRecord& r) = 0;
  // After the records were taken back (restore), with `last_id` the largest id recorded: why
  // this sweep cannot go on from them, or "". sha: a bracket decided with the trials recorded
  // that a grown sweep would fill with new ones (its decisions would change).
  virtual std::string taken_back_conflict(int64_t /*last_id*/) const { return ""; }
  // The trial's bracket (hyperband, sha), or -1.
  virtual int bracket(int64_t id) const = 0;
  // The highest rung trial `id` reached, or -1.
  virtual int rung_reached(int64_t id) const = 0;
  // sha: whether a new trial `id` may start now (its bracket is the open one). Others: true.
  virtual bool may_start(int64_t /*id*/) const { return true; }
  // sha: whether trial `id` is not yet done with for good: paused at a rung not decided yet, or
  // promoted and running again. Others: false (their decisions are final when made).
  virtual bool undecided(int64_t /*id*/) const { return false; }
  // sha: paused trials promoted since the last call, to run again, in id order.
  virtual std::vector<int64_t> take_promoted() { return {}; }
  // Trials whose outcome is now final, in the order the strategy hears them: each ended trial at
  // once, except sha's, which come a bracket at a time in id order once the bracket is decided.
  virtual std::vector<int64_t> take_settled() = 0;
};

// The pruner of `options` for a sweep of `trials` trials on `metric` with seed `seed`; nullptr
// for kind none. REQUIRES: check_pruner(options) is "".
std::unique_ptr<Pruner> make_pruner(const PrunerOptions& options, const Metric& metric,
                                    uint64_t seed, int64_t trials);

}  // namespace hs
