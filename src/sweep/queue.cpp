#include "sweep/queue.h"

#include <algorithm>
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
    } else {
      q.strategy_->tell(r.id, outcome_of(r));
      ++q.finished_;
    }
  }
  return q;
}

std::optional<Trial> TrialQueue::next() {
  std::optional<Trial> t;
  if (!again_.empty()) {
    t = std::move(again_.front());
    again_.pop_front();
  } else {
    t = strategy_->ask();
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
  if (r.status == TrialStatus::kInterrupted) {
    again_.push_front(std::move(it->second));
  } else if (!retry(r, it->second)) {
    strategy_->tell(r.id, outcome_of(r));
    ++finished_;
  }
  out_.erase(it);
}

}  // namespace hs
