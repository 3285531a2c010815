#include "sweep/runner.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>

#include "core/rng.h"
#include "data/load.h"
#include "sweep/command.h"

namespace hs {

namespace {

bool same_data(const DataOptions& a, const DataOptions& b) {
  return a.source == b.source && a.path == b.path && a.test_path == b.test_path &&
         a.val_fraction == b.val_fraction && a.test_fraction == b.test_fraction &&
         a.train_limit == b.train_limit && a.test_limit == b.test_limit &&
         a.split_seed == b.split_seed && a.synthetic_samples == b.synthetic_samples &&
         a.synthetic_classes == b.synthetic_classes && a.synthetic_size == b.synthetic_size &&
         a.synthetic_noise == b.synthetic_noise;
}

bool searches(const SweepConfig& sweep, const char* key) {
  for (const Param& p : sweep.space.params)
    if (p.name == key) return true;
  return false;
}

}  // namespace

Result<TrainOptions> trial_train_options(const SweepConfig& sweep, const Trial& t) {
  Result<TrainOptions> opt = trial_options(sweep, t);
  if (!opt) return opt;
  if (!searches(sweep, "seed"))
    opt->seed = derive_seed(sweep.strategy.seed, static_cast<uint64_t>(t.id), SeedPurpose::kTrial) >> 1;
  return opt;
}

Outcome outcome_of(const SweepConfig& sweep, const TrainResult& res) {
  const TrialRecord& r = res.record;
  if (r.status == TrialStatus::kDiverged) return Outcome::none();
  if (r.best_epoch < 1 || r.best_epoch > static_cast<int>(r.curves.size())) return Outcome::none();
  const double v = metric_value(r.curves[static_cast<size_t>(r.best_epoch - 1)], sweep.metric);
  return std::isfinite(v) ? Outcome::of(v) : Outcome::none();
}

Status TrialRunner::prepare() {
  if (!uses_trainer(sweep_)) return {};  // the command loads its own data
  auto base = sweep_.train.finish();
  if (!base) return base.error();
  auto data = load_data(base->data);
  if (!data) return data.error();
  base_ = std::move(*base);
  shared_ = std::make_shared<const DataBundle>(std::move(*data));
  return {};
}

Status TrialRunner::prepare(std::shared_ptr<const DataBundle> data) {
  auto base = sweep_.train.finish();
  if (!base) return base.error();
  base_ = std::move(*base);
  shared_ = std::move(data);
  return {};
}

TrialRun TrialRunner::run(const Trial& t, const StopCheck& stop) const {
  if (!uses_trainer(sweep_)) return run_command_trial(sweep_, t, stop);
  TrialRun run;
  run.trial = t;
  run.outcome = Outcome::none();
  run.status = TrialStatus::kFailed;
  auto opt = trial_train_options(sweep_, t);
  if (!opt) {
    run.error = opt.error().str();
    return run;
  }
  std::unique_ptr<DataBundle> own;  // this trial's own data, when the space changes it
  if (!same_data(opt->data, base_->data)) {
    auto d = load_data(opt->data);
    if (!d) {
      run.error = d.error().str();
      return run;
    }
    own = std::make_unique<DataBundle>(std::move(*d));
  }
  EpochCallback on_epoch;
  if (stop) on_epoch = [&](const TrialRecord&) { return !stop(); };
  auto res = train(*opt, own ? *own : *shared_, on_epoch);
  if (!res) {
    run.error = res.error().str();
    return run;
  }
  run.outcome = outcome_of(sweep_, *res);
  run.status = res->record.status;
  if (run.status == TrialStatus::kInterrupted) run.outcome = Outcome::none();
  run.result = std::move(*res);
  return run;
}

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

Result<std::vector<TrialRun>> run_sweep(const SweepConfig& sweep, TrialQueue& queue,
                                        const TrialDone& on_done, const StopCheck& stop) {
  TrialRunner runner(sweep);
  if (Status st = runner.prepare(); !st) return st.error();
  std::vector<TrialRun> runs;
  while (!(stop && stop())) {
    auto t = queue.next();
    if (!t) break;
    runs.push_back(runner.run(*t, stop));
    queue.finish(trial_record(runs.back(), 0, {}));
    if (on_done) on_done(runs.back(), queue.finished());
    if (runs.back().status == TrialStatus::kInterrupted) break;
  }
  return runs;
}

Result<std::vector<TrialRun>> run_sweep(const SweepConfig& sweep, const TrialDone& on_done,
                                        const std::vector<TrialRecord>& done,
                                        const StopCheck& stop) {
  auto queue = TrialQueue::make(sweep, done);
  if (!queue) return queue.error();
  return run_sweep(sweep, *queue, on_done, stop);
}

SweepHeader sweep_header(const SweepConfig& sweep, const std::string& start_time) {
  SweepHeader h;
  h.config_text = sweep.train.text();
  h.config_hash = config_hash(h.config_text);
  h.strategy = strategy_name(sweep.strategy.kind);
  h.seed = sweep.strategy.seed;
  h.version = HYPERSWEEP_VERSION;
  h.start_time = start_time;
  h.metric = Metric{sweep.metric, sweep.strategy.direction};
  h.space = sweep.space;
  return h;
}


TrialRecord trial_record(const TrialRun& run, int rank, const std::string& host) {
  TrialRecord r = run.result ? run.result->record : TrialRecord{};
  r.id = run.trial.id;
  r.status = run.status;
  r.params = run.trial.values;
  r.rank = rank;
  r.host = host;
  r.error = run.error;
  r.best_metric = run.outcome.ok ? run.outcome.value : NAN;
  return r;
}

int64_t best_trial(const SweepConfig& sweep, const std::vector<TrialRun>& runs) {
  int64_t best = -1;
  double best_value = NAN;
  for (size_t i = 0; i < runs.size(); ++i) {
    if (runs[i].outcome.ok && improves(sweep.strategy.direction, runs[i].outcome.value, best_value)) {
      best = static_cast<int64_t>(i);
      best_value = runs[i].outcome.value;
    }
  }
  return best;
}

}  // namespace hs
