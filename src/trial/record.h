// record.h: everything recorded about one trial, from the moment an objective runs it
// (objective/) through the MPI messages (exec/) to the results file (store/) and what reads it
// back (analysis/, report/, `hypersweep show` and `export`). One type the whole way.
//
// May depend on: core, search (Trial, ParamValue), trial/status.h. Thread safety: plain values.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "search/strategy.h"
#include "trial/status.h"

namespace hs {

// One epoch of a trial's curves (a row of the results file's `curves`). A value the trial did
// not report (a command's missing column, validation after a divergence) is NaN; one it reported
// as NaN (a command's `val_acc=nan`) is kReportedNaN, which the pruners judge (core/reported_nan.h).
struct EpochRow {
  int epoch = 0;              // 1-based
  double lr = 0;              // at the epoch's last iteration
  double train_loss = 0, train_acc = 0;
  double val_loss = 0, val_acc = 0;
  double seconds = 0;         // wall seconds since the trial started, at the epoch's end
};

struct TrialRecord {
  int64_t id = 0;
  TrialStatus status = TrialStatus::kFailed;
  std::vector<ParamValue> params;  // one per space parameter, in space order
  // The best epoch's number (from 1; 0: none): the built-in trainer's, whose result is its
  // value; a command's, that of its curve row with the best value of the sweep's metric.
  int best_epoch = 0;
  // The sweep's metric (its value at best_epoch, or the last value a command printed, which may
  // be another epoch's: trial/metric.h result_at_best_epoch); NaN when the trial has none.
  // With the status, what the strategy is told (outcome_of, trial/metric.h).
  double best_metric = NAN;
  double test_acc = NAN;           // of the best checkpoint
  // The mean loss of the first minibatch, before the first update (NaN: not trained by the
  // built-in trainer). With C balanced classes it should be near ln(C) at initialisation.
  double initial_loss = NAN;
  int num_classes = 0;  // of the trained network's output (0: not trained by the built-in trainer)
  // The validation samples val_acc is measured on (0: unknown, e.g. a command's trial or a file
  // from before it): what tells a real difference from noise (trial/tie.h).
  int64_t val_samples = 0;
  int epochs = 0;       // epochs (the recipe's step 3: updates) run
  double seconds = 0;   // wall seconds
  int rank = 0;         // where it ran: the MPI rank (0: in this process) and host
  std::string host;
  std::vector<EpochRow> curves;
  std::vector<std::string> layer_names;           // the weighted layers, in update_ratio order
  std::vector<std::vector<double>> update_ratio;  // [epochs][layers]: ||lr dW|| / ||W||
  std::string error;                              // failed trials: the error text
  // 1 for a trial's first run; each run again of a lost one ([sweep] max_retries) adds 1. (An
  // interrupted trial run again when the sweep continues keeps its number: it was not lost.)
  int attempt = 1;
  // What a command printed beyond the fixed fields (objective/command_objective.h): the other
  // numeric keys of its epoch lines (curve_extra_names, in first-printed order;
  // curve_extra[row][k] the value on curves[row]'s line, NaN where that line lacked it) and of
  // its result line (results: name and value, in printed order). Empty for the built-in trainer.
  // Each holds at most kMaxExtraNames names of at most kMaxExtraNameBytes bytes (below).
  std::vector<std::string> curve_extra_names;
  std::vector<std::vector<double>> curve_extra;  // [curves.size()][curve_extra_names.size()]
  std::vector<std::pair<std::string, double>> results;
  // Where the trial's own output was kept, on the host that ran it: <log_path>.out (stdout) and
  // <log_path>.err (stderr); "" when none was kept (the built-in trainer).
  std::string log_path;
  // Pruning ([sweep] pruner, prune/pruner.h). `rung`: the highest rung of its bracket the trial
  // reached (0-based; -1: none reached, or no bracketed pruner); `bracket`: hyperband's bracket
  // s, sha's bracket index (-1: none); `decision`: what the last decision on it was based on
  // ("pruned at rung 1 (epoch 3): val_acc 0.71 not in the top 2 of 7 there (0.74 and better)";
  // "": no decision). A pruned trial's `epochs` is the epoch it was pruned at (pruned_epoch).
  int rung = -1;
  int bracket = -1;
  std::string decision;
};

// What a record's printed extras (curve_extra_names, results) may hold: each name is a column of
// the results file's curves or a string of an attribute, and HDF5 keeps a dataset's type and each
// attribute within 64 KiB. A command that prints more keeps these and is warned about the rest
// (objective/command_output.h); the store refuses a record beyond them (store/journal_records.h).
inline constexpr size_t kMaxExtraNames = 256;      // of curve_extra_names, and of results
inline constexpr size_t kMaxExtraNameBytes = 100;  // per name

// One rung of a bracketed pruner's schedule (asha, hyperband, sha): trials of bracket `bracket`
// are judged at epoch `epoch`, their rung `rung` (0-based); `trials`: how many a synchronous
// bracket's rung holds (sha, and the hyperband table's n_i), 0 when open-ended (asha). The
// schedule is the results file's root attribute `rungs` (store/header.h).
struct Rung {
  int bracket = 0;
  int rung = 0;
  int epoch = 0;
  int64_t trials = 0;
  bool operator==(const Rung&) const = default;
};

// The epoch a pruned trial was stopped at (its last finished epoch); 0 for any other status.
inline int pruned_epoch(const TrialRecord& r) {
  return r.status == TrialStatus::kPruned ? r.epochs : 0;
}

// Whether a trial was lost rather than wrong: a failed one whose process was killed by a signal
// (a crash, the kernel's OOM killer, a node going down), or a command timed_out past its
// [objective] timeout (the built-in trainer's own max_seconds ends a trial normally: not lost).
// What [sweep] max_retries runs again. The phrases are the ones objective/ writes
// (forked_objective.cpp: "the trial's process was killed by SIGSEGV ..."; command_output.cpp:
// "the command was killed by ...", "the command timed out after ..."); tests/objective holds
// them to this.
inline bool is_lost(const TrialRecord& r) {
  if (r.status == TrialStatus::kTimedOut)
    return r.error.rfind("the command timed out after ", 0) == 0;
  if (r.status != TrialStatus::kFailed) return false;
  return r.error.find(" was killed by SIG") != std::string::npos;
}

// A record of trial `t` that has no result yet: its id and parameters, status `s`.
inline TrialRecord record_of(const Trial& t, TrialStatus s) {
  TrialRecord r;
  r.id = t.id;
  r.params = t.values;
  r.status = s;
  r.attempt = t.attempt;
  return r;
}

// Names met in records handed over one at a time in any order, each record with its place in
// the order a pass would read them (store/read_results.h: each_result): names() lists them in
// the order a pass over the records in place order meets them first, as result_names does.
class NamesByPlace {
 public:
  // The k-th name of the record at `place`.
  void add(const std::string& name, size_t place, size_t k) {
    const std::pair<size_t, size_t> at{place, k};
    auto [it, fresh] = first_.try_emplace(name, at);
    if (!fresh && at < it->second) it->second = at;
  }
  bool has(const std::string& name) const { return first_.count(name) > 0; }
  std::vector<std::string> names() const {
    std::vector<std::pair<std::pair<size_t, size_t>, std::string>> seen;
    for (const auto& [name, at] : first_) seen.emplace_back(at, name);
    std::sort(seen.begin(), seen.end());
    std::vector<std::string> out;
    for (auto& s : seen) out.push_back(std::move(s.second));
    return out;
  }

 private:
  std::map<std::string, std::pair<size_t, size_t>> first_;  // name -> (place, index) first held
};

// Each result name of r, at `place`: names() then gives result_names of the records.
inline void add_result_names(NamesByPlace* names, const TrialRecord& r, size_t place) {
  for (size_t k = 0; k < r.results.size(); ++k) names->add(r.results[k].first, place, k);
}

// The names of every result the records hold (TrialRecord::results), in first-recorded order:
// the result columns of /summary, export's summary.csv, `show` and the report.
inline std::vector<std::string> result_names(const std::vector<TrialRecord>& trials) {
  NamesByPlace names;
  for (size_t i = 0; i < trials.size(); ++i) add_result_names(&names, trials[i], i);
  return names.names();
}

// The value of r's result `name`; NaN when r has none.
inline double result_value(const TrialRecord& r, const std::string& name) {
  for (const auto& [n, v] : r.results)
    if (n == name) return v;
  return NAN;
}

// The trial a record is of (what a strategy asked).
inline Trial trial_of(const TrialRecord& r) { return Trial{r.id, r.params, r.attempt}; }

}  // namespace hs
