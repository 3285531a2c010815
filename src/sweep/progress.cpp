#include "sweep/progress.h"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/reported_nan.h"
#include "core/text.h"
#include "search/space_text.h"
#include "trial/failure.h"

namespace hs {

std::string duration_text(double s) {
  if (!std::isfinite(s) || s < 0) return "?";
  const auto t = static_cast<long>(s + 0.5);
  if (t < 60) return fmt::format("{}s", t);
  if (t < 3600) return fmt::format("{}m{:02}s", t / 60, t % 60);
  return fmt::format("{}h{:02}m", t / 3600, t % 3600 / 60);
}

ProgressDisplay::ProgressDisplay(Metric metric, SearchSpace space, int64_t resumed_done, bool live)
    : metric_(std::move(metric)), space_(std::move(space)), live_(live), resumed_(resumed_done) {}

bool ProgressDisplay::consider(const TrialRecord& r) {
  if (r.status == TrialStatus::kPruned) {
    pruned_[r.id] = r.rung >= 0 ? r.epochs : -1;
  } else {
    pruned_.erase(r.id);  // a trial recorded again (an interrupted one run again)
  }
  count_failure(r);
  // A trial that failed before printing an epoch tells nothing of what its epoch lines hold.
  const bool told = !r.curves.empty() || !ran_into_error(r.status);
  if (r.status != TrialStatus::kInterrupted && told && !epoch_metric_seen_) {
    for (size_t i = 0; i < r.curves.size() && !epoch_metric_seen_; ++i)
      epoch_metric_seen_ = !is_missing(epoch_metric(r, i, metric_.name));  // a NaN printed too
    trial_without_epoch_metric_ = trial_without_epoch_metric_ || !epoch_metric_seen_;
  }
  const Outcome oc = result_of(r);  // a pruned trial is never the best
  // Of equal values the lower id, whichever was recorded first (the order depends on the ranks).
  const bool lower_tie = oc.ok && oc.value == best_ && r.id < best_id_;
  if (!oc.ok || (!improves(metric_.direction, oc.value, best_) && !lower_tie)) return false;
  best_ = oc.value;
  best_id_ = r.id;
  best_line_ = fmt::format("trial {}: {} {} ({})", r.id, metric_.name, fixed_text(best_),
                           describe(space_, r.params, 4));
  return true;
}

void ProgressDisplay::trial(const TrialRecord& r, const Progress& queue_progress) {
  const Progress p = against_total(queue_progress);
  if (r.status == TrialStatus::kInterrupted && !interrupted_.insert(r.id).second) return;
  const bool better = consider(r);
  const bool ok = std::isfinite(r.best_metric);
  std::string what = r.error.empty() ? describe(space_, r.params, 4) : error_headline(r.error);
  const bool paused = this->paused(r);
  if (r.status == TrialStatus::kPruned)
    what = fmt::format("{} at epoch {}{}: {}", paused ? "paused" : "pruned", pruned_epoch(r),
                       r.rung >= 0 ? fmt::format(", rung {}", r.rung) : "", what);
  const std::string pruned = pruned_line();
  clear();
  const std::string value =
      ok ? fmt::format("{} {}", metric_.name, fixed_text(r.best_metric)) : std::string("-");
  const std::string best = best_id_ >= 0 && !better
                               ? fmt::format(", best trial {} {}", best_id_, fixed_text(best_))
                               : "";
  fmt::print("[{:>4}/{}] trial {:>4} {:<13} {:<16} {}{}  | {} running, {} elapsed, ETA {}{}{}\n",
             p.done, p.total, r.id, paused ? "paused" : status_name(r.status), value, what,
             better ? "  * best so far" : "", p.running, duration_text(elapsed()), eta(p), best,
             pruned.empty() ? "" : ", " + pruned);
  tick(p);
}

void ProgressDisplay::tick(const Progress& queue_progress) {
  const Progress p = against_total(queue_progress);
  if (!live_) {
    std::fflush(stdout);
    return;
  }
  clear();
  const std::string pruned = pruned_line();
  fmt::print("  {}/{} done, {} running{} | best {} | {} elapsed, ETA {}", p.done, p.total,
             p.running, pruned.empty() ? "" : ", " + pruned,
             best_line_.empty() ? "none yet" : best_line_, duration_text(elapsed()), eta(p));
  std::fflush(stdout);
  drawn_ = true;
}

std::string ProgressDisplay::pruned_line() const {
  if (pruned_.empty()) return "";
  // By the rungs' epochs, not their numbers: hyperband's rung 0 is at another epoch in each
  // bracket, and one epoch is one budget whichever bracket judged there.
  std::map<int, int64_t> by_epoch;
  int64_t pruned = 0, paused = 0;
  for (const auto& [id, epoch] : pruned_) {
    if (undecided(id)) {
      ++paused;
      continue;
    }
    ++pruned;
    if (epoch >= 0) ++by_epoch[epoch];
  }
  std::string rungs;
  for (const auto& [epoch, n] : by_epoch)
    rungs += fmt::format("{}epoch {}: {}", rungs.empty() ? " (" : ", ", epoch, n);
  std::string line =
      pruned > 0 ? fmt::format("pruned {}{}", pruned, rungs.empty() ? "" : rungs + ")") : "";
  if (paused > 0) line += fmt::format("{}paused {}", line.empty() ? "" : ", ", paused);
  return line;
}

void ProgressDisplay::stopping(const std::string& signal) {
  clear();
  fmt::print("stopping on {}: no new trial starts, and the trials in flight are recorded as "
             "interrupted as they end (a built-in trial after its current epoch; the same "
             "signal again ends it at once)\n", signal);
  std::fflush(stdout);
}

void ProgressDisplay::failing_fast(const std::string& what) {
  clear();
  fmt::print("stopping: {}. No new trial starts, and the trials in flight are recorded as "
             "interrupted as they end ([sweep] fail_fast = 0 runs every trial whatever fails)\n",
             what);
  std::fflush(stdout);
}

Progress ProgressDisplay::against_total(Progress p) const {
  p.total = std::max(p.total, total_);
  return p;
}

void ProgressDisplay::clear() {
  if (drawn_) fmt::print("\r\033[K");
  drawn_ = false;
}

double ProgressDisplay::elapsed() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
}

// From this run's pace: trials finished per second since it started, times what is left.
std::string ProgressDisplay::eta(const Progress& p) const {
  const int64_t here = p.done - resumed_;
  if (here <= 0) return "?";
  return duration_text(elapsed() / static_cast<double>(here) * static_cast<double>(p.total - p.done));
}

void ProgressDisplay::count_failure(const TrialRecord& r) {
  if (auto was = failed_.find(r.id); was != failed_.end()) {  // recorded again: the last counts
    if (was->second.kind != kOtherKind) --failure_kinds_[was->second.kind].second;
    failed_.erase(was);
  }
  if (!ran_into_error(r.status)) return;
  const std::string why = failure_cause(r.status, r.error);
  size_t k = 0;
  while (k < failure_kinds_.size() && failure_kinds_[k].first != why) ++k;
  if (k == failure_kinds_.size() && k < kFailureKinds) failure_kinds_.emplace_back(why, 0);
  if (k < failure_kinds_.size()) ++failure_kinds_[k].second;
  failed_[r.id] = {r.status == TrialStatus::kTimedOut,
                   k < failure_kinds_.size() ? static_cast<uint8_t>(k) : kOtherKind};
}

std::string ProgressDisplay::failures_line() const {
  if (failed_.empty()) return "";
  int64_t timed_out = 0;
  for (const auto& [id, f] : failed_) timed_out += f.timed_out;
  const int64_t failed = static_cast<int64_t>(failed_.size()) - timed_out;
  // "3 trials failed", "2 trials timed out", "3 trials failed and 2 timed out"
  const std::string what =
      failed == 0      ? counted(timed_out, "trial") + " timed out"
      : timed_out == 0 ? counted(failed, "trial") + " failed"
                       : fmt::format("{} failed and {} timed out", counted(failed, "trial"),
                                     timed_out);
  // The most common cause a trial recorded; a failure without one wins only when none has one.
  const std::pair<std::string, int64_t>* most = nullptr;
  size_t kinds = 0;
  for (const auto& kind : failure_kinds_) {
    if (kind.second == 0) continue;
    ++kinds;
    const bool has = !kind.first.empty(), most_has = most && !most->first.empty();
    if (!most || has > most_has || (has == most_has && kind.second > most->second)) most = &kind;
  }
  if (!most) return what;  // all of kinds not kept
  const std::string why = most->first.empty() ? "(no error recorded)" : most->first;
  if (most->second == static_cast<int64_t>(failed_.size()))
    return fmt::format("{} with: {}", what, why);
  if (kinds == failed_.size())  // "1 with" would read as if the others shared some other cause
    return fmt::format("{}, each with a cause of its own (hypersweep show lists them); one: {}",
                       what, why);
  return fmt::format("{}, {} with: {}", what, most->second, why);
}

}  // namespace hs
