#include "sweep/queue.h"

#include "trial/metric.h"

namespace hs {

Result<TrialQueue> TrialQueue::make(const SweepConfig& sweep, const std::vector<TrialRecord>& done) {
  TrialQueue q;
  auto strategy = make_strategy(sweep.strategy, sweep.space, nullptr);
  if (!strategy) return strategy.error();
  q.strategy_ = std::move(*strategy);
  q.total_ = sweep.strategy.trials;
  std::map<int64_t, const TrialRecord*> by_id;
  for (const TrialRecord& r : done) by_id[r.id] = &r;
  const int64_t last = by_id.empty() ? -1 : by_id.rbegin()->first;
  for (int64_t id = 0; id <= last; ++id) {
    auto it = by_id.find(id);
    if (it == by_id.end()) {  // lost in flight: the strategy gives it again
      auto t = q.strategy_->ask();
      if (!t || t->id != id)
        return Error{{}, 0, "", "cannot rebuild trial " + std::to_string(id) + " of the sweep"};
      q.again_.push_back(std::move(*t));
      continue;
    }
    const TrialRecord& r = *it->second;
    Trial t{r.id, r.params};
    if (Status st = q.strategy_->restore(t); !st) {
      Error e = st.error();
      e.message += " (was the config or the hypersweep version changed?)";
      return e;
    }
    if (r.status == TrialStatus::kInterrupted) {
      q.again_.push_back(std::move(t));
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
  if (t) out_[t->id] = *t;
  return t;
}

void TrialQueue::finish(const TrialRecord& r) {
  auto it = out_.find(r.id);
  if (it == out_.end()) return;  // not handed out (a duplicate message): nothing to tell
  if (r.status == TrialStatus::kInterrupted) {
    again_.push_front(std::move(it->second));
  } else {
    strategy_->tell(r.id, outcome_of(r));
    ++finished_;
  }
  out_.erase(it);
}

}  // namespace hs
