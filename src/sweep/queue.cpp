#include "sweep/queue.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>

#include "trial/failure.h"
#include "trial/metric.h"

namespace hs {

namespace {

// The end of a lost attempt's error when it runs again.
constexpr char kRetryNote[] = " [runs again as attempt ";  // ... N, [sweep] max_retries]"
constexpr char kRetryNoteEnd[] = ", [sweep] max_retries]";

// An interrupted retry's note of the loss before it, so that a continued sweep still knows
// whether its next loss is the same way twice: "...\n(the attempt before was lost: REASON)",
// after the interruption's own reason (and before any stderr it carries).
constexpr char kLostBeforeNote[] = "\n(the attempt before was lost: ";

void note_lost_before(TrialRecord& r, const std::string& loss) {
  r.error.insert(error_reason(r.error).size(),
                 std::string(kLostBeforeNote) + error_reason(loss) + ")");
}

std::optional<std::string> lost_before(const std::string& error) {
  const std::string reason = error_reason(error);
  const size_t at = reason.rfind(kLostBeforeNote);
  if (at == std::string::npos || !reason.ends_with(")")) return std::nullopt;
  const size_t from = at + sizeof kLostBeforeNote - 1;
  return reason.substr(from, reason.size() - 1 - from);
}

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
  if (last != last_loss_.end() && error_reason(last->second) == error_reason(r.error))
    return false;  // the same way twice (trial/failure.h: its stderr may differ)
  last_loss_[r.id] = r.error;
  attempt_[r.id] = r.attempt + 1;
  r.error += kRetryNote + std::to_string(r.attempt + 1) + kRetryNoteEnd;
  again_.push_back(std::move(t));
  return true;
}

Result<TrialQueue> TrialQueue::make(const SweepConfig& sweep, const std::vector<TrialRecord>& done,
                                    const Resume& resume) {
  std::map<int64_t, const TrialRecord*> by_id;  // the last record of an id counts
  for (const TrialRecord& r : done) by_id[r.id] = &r;
  Recorded recorded;
  recorded.last_id = by_id.empty() ? -1 : by_id.rbegin()->first;
  recorded.each = [&](const std::function<Status(const TrialRecord&)>& fn) {
    for (const auto& [id, r] : by_id)
      if (Status st = fn(*r); !st) return st;
    return Status::Ok();
  };
  return make(sweep, recorded, resume);
}

Result<TrialQueue> TrialQueue::make(const SweepConfig& sweep, const Recorded& done,
                                    const Resume& resume) {
  TrialQueue q;
  const int64_t last = done.last_id;
  q.recorded_ = last + 1;
  // A file holding more than `trials`: its records are all taken back (the strategy is as long
  // as the file), and nothing past `trials` runs.
  const int64_t trials = sweep.strategy.trials;
  if (q.recorded_ > kMaxTrials)  // not a sweep's: a strategy cannot be that long
    return Error{{}, 0, "", "holds trial ids up to " + std::to_string(last) + ", more than the " +
                                std::to_string(kMaxTrials) + " trials a sweep may have, so it "
                                "cannot be continued (show, export and report read it)"};
  StrategyOptions options = sweep.strategy;
  options.trials = std::max(trials, q.recorded_);
  auto strategy = make_strategy(options, sweep.space, nullptr);
  if (!strategy) return strategy.error();
  q.strategy_ = std::move(*strategy);
  q.total_ = options.trials;
  q.max_retries_ = sweep.trial_policy.max_retries;
  q.fail_fast_ = sweep.trial_policy.fail_fast;
  q.metric_ = Metric{sweep.metric, sweep.strategy.direction};
  q.pruner_ = make_pruner(sweep.pruner, q.metric_, sweep.strategy.seed, q.total_);
  q.next_id_ = last + 1;
  int64_t next = 0;  // the id taken back next
  // Ids below `end` without a record were lost in flight: the strategy gives them again.
  auto lost_before = [&](int64_t end) -> Status {
    for (; next < end; ++next) {
      auto t = q.strategy_->ask();
      if (!t || t->id != next)
        return Error{{}, 0, "", "cannot rebuild trial " + std::to_string(next) + " of the sweep"};
      q.run_again(std::move(*t), trials);
    }
    return {};
  };
  Status taken = done.each([&](const TrialRecord& r) -> Status {
    if (r.id < next || r.id > last) {
      const std::string id = std::to_string(r.id);
      return Error{{}, 0, "", "recorded trial " + id + " is out of id order or past the largest id"};
    }
    if (Status st = lost_before(r.id); !st) return st;
    ++next;
    if (Status st = q.take_back(r, resume, trials); !st) return st;
    // Told as the sweep told them: a pruner that promotes nothing (all but sha) settles each
    // trial at once, rather than held to the end (a million held outcomes were 150 bytes a
    // trial); sha a bracket once it is decided, before the next bracket's lost trials are asked
    // again (lost_before), as they were first asked after it.
    q.settle();
    return Status::Ok();
  });
  if (taken.ok()) taken = lost_before(last + 1);
  if (!taken) return taken.error();
  if (q.pruner_)
    if (std::string why = q.pruner_->taken_back_conflict(last); !why.empty())
      return Error{{}, 0, "", std::move(why)};
  q.settle();
  return q;
}

void TrialQueue::run_again(Trial t, int64_t trials) {
  if (t.id < trials)
    again_.push_back(std::move(t));
  else
    note_left(t.id, false);
}

void TrialQueue::note_left(int64_t id, bool ended) {
  ++left_.count;
  left_.not_ended += ended ? 0 : 1;
  if (left_.first.size() < 8) left_.first.push_back(id);
  left_.trials_for_all = std::max(left_.trials_for_all, id + 1);
}

Status TrialQueue::take_back(const TrialRecord& r, const Resume& resume, int64_t trials) {
  Trial t{r.id, r.params};
  if (Status st = strategy_->restore(t); !st) {
    Error e = st.error();
    e.message += " (was the config or the hypersweep version changed?)";
    return e;
  }
  if (r.attempt > 1) attempt_[r.id] = r.attempt;
  const std::optional<std::string> lost = before_retry_note(r.error);
  const bool retry_asked = resume.retry_failed && ran_into_error(r.status);
  const bool asked_again = retry_asked && t.id < trials;
  if (retry_asked && !asked_again) note_left(t.id, true);  // recorded as it is, told below
  if (r.status == TrialStatus::kInterrupted) {
    if (auto before = lost_before(r.error); before && r.attempt > 1) last_loss_[r.id] = *before;
    run_again(std::move(t), trials);
  } else if ((lost && is_lost(r)) || asked_again) {
    // its retry had not run yet (failed or timed_out), or --retry-failed asks for one
    last_loss_[r.id] = lost ? *lost : r.error;
    attempt_[r.id] = r.attempt + 1;
    run_again(std::move(t), trials);
  } else if (pruner_) {  // told once the pruner has settled it (sha: its whole bracket)
    mark_ended(r.id);
    held_[r.id] = outcome_of(r);
    if (r.status == TrialStatus::kPruned) paused_[r.id] = t;
    pruner_->restore(r);
  } else {
    tell(r.id, outcome_of(r));
  }
  return {};
}

bool TrialQueue::undecided(int64_t id) const { return pruner_ && pruner_->undecided(id); }

bool TrialQueue::judge(int64_t id, const TrialRecord& so_far) {
  if (!pruner_ || so_far.curves.empty() || !out_.count(id)) return false;
  const size_t row = so_far.curves.size() - 1;
  const Verdict v =
      pruner_->report(id, so_far.curves[row].epoch, epoch_metric(so_far, row, metric_.name));
  if (!v.why.empty()) why_[id] = v.why;
  if (v.kind == Verdict::Kind::kContinue) return false;
  stopped_[id] = v.kind == Verdict::Kind::kPause;
  return true;
}

void TrialQueue::mark_pruned(TrialRecord& r) {
  const auto told = stopped_.find(r.id);
  const bool stopped = told != stopped_.end(), pause = stopped && told->second;
  if (stopped) stopped_.erase(told);
  // sha's pause is a pause however the run ended after it: the trainer completes a trial paused
  // at its own last epoch (a middle rung), as nothing was left to stop, and a command may exit or
  // fail before its SIGTERM. Its rung waits for it (a rung of a trial that is neither paused nor
  // short of it never fills) and a promotion runs it again to its end: it is paused all the
  // same, untested, as a run stopped there is.
  if (stopped && (r.status == TrialStatus::kInterrupted || pause)) {
    if (r.status != TrialStatus::kInterrupted) r.best_metric = r.test_acc = NAN;  // as if stopped
    r.status = TrialStatus::kPruned;
    r.error.clear();
    if (!std::isfinite(r.best_metric)) {  // a command's result line never came: its best epoch
      std::vector<double> values(r.curves.size());
      for (size_t row = 0; row < r.curves.size(); ++row)
        values[row] = epoch_metric(r, row, metric_.name);
      const int best = best_row(metric_.direction, values);
      r.best_epoch = best < 0 ? 0 : r.curves[static_cast<size_t>(best)].epoch;
      if (best >= 0) r.best_metric = values[static_cast<size_t>(best)];
    }
  }
  r.rung = pruner_->rung_reached(r.id);
  r.bracket = pruner_->bracket(r.id);
  if (auto w = why_.find(r.id); w != why_.end()) {
    r.decision = w->second;
    // told to stop as it ended: at the trainer's last epoch (a command told to stop is stopped
    // whenever it exited: command_objective.cpp)
    if (stopped && r.status != TrialStatus::kPruned)
      r.decision += "; it had ended already, and was not pruned";
    why_.erase(w);
  }
}

void TrialQueue::mark_ended(int64_t id) {
  const auto at = static_cast<size_t>(id);
  if (at >= ended_.size()) ended_.resize(std::max(at + 1, 2 * ended_.size()), false);
  if (ended_[at]) return;
  ended_[at] = true;
  ++finished_;
}

void TrialQueue::tell(int64_t id, const Outcome& o) {
  strategy_->tell(id, o);
  mark_ended(id);
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
    // What stopped it, for the record's `error` (a command's objective says it itself; the
    // trainer stops at an epoch's end and says nothing).
    if (r.error.empty())
      r.error = r.curves.empty()
                    ? std::string("interrupted: the sweep was stopped before its first epoch ended")
                    : "interrupted: the sweep was stopped after epoch " +
                          std::to_string(r.curves.back().epoch);
    if (auto last = last_loss_.find(r.id); last != last_loss_.end())
      note_lost_before(r, last->second);  // a continued sweep reads it back (take_back)
    again_.push_front(std::move(it->second));
  } else if (retry(r, it->second)) {
    // it runs again: the strategy hears of its last attempt only
  } else if (pruner_) {  // told once the pruner has settled it
    mark_ended(r.id);    // (a paused sha trial has ended for now: the sweep's count says so)
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
