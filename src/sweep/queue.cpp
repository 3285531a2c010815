#include "sweep/queue.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>

#include "trial/metric.h"

namespace hs {

namespace {

// The end of a lost attempt's error when it runs again.
constexpr char kRetryNote[] = " [runs again as attempt ";  // ... N, [sweep] max_retries]"
constexpr char kRetryNoteEnd[] = ", [sweep] max_retries]";

// The error before the note, when `error` has one.
std::optional<std::string> before_retry_note(const std::string& error) {
  const size_t at = error.rfind(kRetryNote);
  if (at == std::string::npos || !error.ends_with(kRetryNoteEnd)) return std::nullopt;
  return error.substr(0, at);
}

}  // namespace

bool TrialQueue::retry(TrialRecord& r, Trial t) {
  if (!is_lost(r) || r.attempt > max_retries_) return false;
  auto last = last_loss_.find(r.id);
  if (last != last_loss_.end() && last->second == r.error) return false;  // the same way twice
  last_loss_[r.id] = r.error;
  attempt_[r.id] = r.attempt + 1;
  r.error += kRetryNote + std::to_string(r.attempt + 1) + kRetryNoteEnd;
  again_.push_back(std::move(t));
  return true;
}

Result<TrialQueue> TrialQueue::make(const SweepConfig& sweep, const std::vector<TrialRecord>& done,
                                    const Resume& resume) {
  TrialQueue q;
  std::map<int64_t, const TrialRecord*> by_id;
  for (const TrialRecord& r : done) by_id[r.id] = &r;
  const int64_t last = by_id.empty() ? -1 : by_id.rbegin()->first;
  q.recorded_ = last + 1;
  // A file holding more than `trials`: its records are all taken back (the strategy is as long
  // as the file), and nothing past `trials` runs.
  const int64_t trials = sweep.strategy.trials;
  StrategyOptions options = sweep.strategy;
  options.trials = std::max(trials, q.recorded_);
  auto strategy = make_strategy(options, sweep.space, nullptr);
  if (!strategy) return strategy.error();
  q.strategy_ = std::move(*strategy);
  q.total_ = options.trials;
  q.max_retries_ = sweep.trial_policy.max_retries;
  q.metric_ = Metric{sweep.metric, sweep.strategy.direction};
  q.pruner_ = make_pruner(sweep.pruner, q.metric_, sweep.strategy.seed, q.total_);
  q.next_id_ = last + 1;
  auto run_again = [&](Trial t) {
    if (t.id < trials) q.again_.push_back(std::move(t));
  };
  for (int64_t id = 0; id <= last; ++id) {
    auto it = by_id.find(id);
    if (it == by_id.end()) {  // lost in flight: the strategy gives it again
      auto t = q.strategy_->ask();
      if (!t || t->id != id)
        return Error{{}, 0, "", "cannot rebuild trial " + std::to_string(id) + " of the sweep"};
      run_again(std::move(*t));
      continue;
    }
    const TrialRecord& r = *it->second;
    Trial t{r.id, r.params};
    if (Status st = q.strategy_->restore(t); !st) {
      Error e = st.error();
      e.message += " (was the config or the hypersweep version changed?)";
      return e;
    }
    if (r.attempt > 1) q.attempt_[r.id] = r.attempt;
    const std::optional<std::string> lost = before_retry_note(r.error);
    const bool asked_again = resume.retry_failed && t.id < trials &&
                             (r.status == TrialStatus::kFailed || r.status == TrialStatus::kTimedOut);
    if (r.status == TrialStatus::kInterrupted) {
      run_again(std::move(t));
    } else if ((lost && is_lost(r)) || asked_again) {
      // its retry had not run yet (failed or timed_out), or --retry-failed asks for one
      q.last_loss_[r.id] = lost ? *lost : r.error;
      q.attempt_[r.id] = r.attempt + 1;
      run_again(std::move(t));
    } else if (q.pruner_) {  // told once the pruner has settled it (sha: its whole bracket)
      q.ended_.insert(r.id);
      q.held_[r.id] = outcome_of(r);
      if (r.status == TrialStatus::kPruned) q.paused_[r.id] = t;
      q.pruner_->restore(r);
    } else {
      q.tell(r.id, outcome_of(r));
    }
  }
  q.settle();
  return q;
}

bool TrialQueue::judge(int64_t id, const TrialRecord& so_far) {
  if (!pruner_ || so_far.curves.empty() || !out_.count(id)) return false;
  const size_t row = so_far.curves.size() - 1;
  const Verdict v =
      pruner_->report(id, so_far.curves[row].epoch, epoch_metric(so_far, row, metric_.name));
  if (!v.why.empty()) why_[id] = v.why;
  if (v.kind == Verdict::Kind::kContinue) return false;
  stopped_.insert(id);
  return true;
}

void TrialQueue::mark_pruned(TrialRecord& r) {
  if (stopped_.erase(r.id) && r.status == TrialStatus::kInterrupted) {
    r.status = TrialStatus::kPruned;
    r.error.clear();
    if (!std::isfinite(r.best_metric)) {  // a command's result line never came: its best epoch
      r.best_epoch = 0;
      for (size_t row = 0; row < r.curves.size(); ++row)
        if (improves(metric_.direction, epoch_metric(r, row, metric_.name), r.best_metric)) {
          r.best_metric = epoch_metric(r, row, metric_.name);
          r.best_epoch = static_cast<int>(row) + 1;
        }
    }
  }
  r.rung = pruner_->rung_reached(r.id);
  r.bracket = pruner_->bracket(r.id);
  if (auto w = why_.find(r.id); w != why_.end()) {
    r.decision = w->second;
    why_.erase(w);
  }
}

void TrialQueue::tell(int64_t id, const Outcome& o) {
  strategy_->tell(id, o);
  ended_.insert(id);
}

void TrialQueue::settle() {
  if (!pruner_) return;
  for (int64_t id : pruner_->take_promoted()) {
    auto p = paused_.find(id);
    if (p == paused_.end()) continue;
    again_.push_back(std::move(p->second));
    paused_.erase(p);
  }
  for (int64_t id : pruner_->take_settled()) {
    auto h = held_.find(id);
    if (h == held_.end()) continue;
    tell(id, h->second);
    held_.erase(h);
    paused_.erase(id);
  }
}

std::optional<Trial> TrialQueue::next() {
  std::optional<Trial> t;
  if (!again_.empty()) {
    t = std::move(again_.front());
    again_.pop_front();
  } else {
    if (pruner_ && !pruner_->may_start(next_id_)) return std::nullopt;
    t = strategy_->ask();
    if (t) next_id_ = t->id + 1;
  }
  if (!t) return t;
  const auto a = attempt_.find(t->id);
  t->attempt = a == attempt_.end() ? 1 : a->second;
  out_[t->id] = *t;
  return t;
}

void TrialQueue::finish(TrialRecord& r) {
  auto it = out_.find(r.id);
  if (it == out_.end()) return;  // not handed out (a duplicate message): nothing to tell
  const auto a = attempt_.find(r.id);
  r.attempt = a == attempt_.end() ? 1 : a->second;
  if (pruner_) mark_pruned(r);
  if (r.status == TrialStatus::kInterrupted) {
    again_.push_front(std::move(it->second));
  } else if (retry(r, it->second)) {
    // it runs again: the strategy hears of its last attempt only
  } else if (pruner_) {  // told once the pruner has settled it
    ended_.insert(r.id);  // (a paused sha trial has ended for now: the sweep's count says so)
    held_[r.id] = outcome_of(r);
    if (r.status == TrialStatus::kPruned) paused_[r.id] = it->second;
    pruner_->ended(r);
    settle();
  } else {
    tell(r.id, outcome_of(r));
  }
  out_.erase(it);
}

}  // namespace hs
