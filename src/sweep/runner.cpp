#include "sweep/runner.h"

#include <cmath>
#include <cstdio>
#include <memory>

#include "core/rng.h"
#include "data/load.h"

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

Outcome outcome_of(const SweepConfig& sweep, const TrainResult& r) {
  if (r.status == TrainStatus::kDiverged) return Outcome{TrialStatus::kDiverged, NAN};
  if (r.best_epoch < 1 || r.best_epoch > static_cast<int>(r.curve.size()))
    return Outcome{TrialStatus::kFailed, NAN};
  const EpochRecord& e = r.curve[static_cast<size_t>(r.best_epoch - 1)];
  const double v = sweep.metric == "val_loss"     ? e.val_loss
                   : sweep.metric == "train_acc"  ? e.train_acc
                   : sweep.metric == "train_loss" ? e.train_loss
                                                  : e.val_acc;
  return std::isfinite(v) ? Outcome{TrialStatus::kOk, v} : Outcome{TrialStatus::kFailed, NAN};
}

Outcome recorded_outcome(const TrialRecord& r) {
  if (r.status == "diverged") return Outcome{TrialStatus::kDiverged, NAN};
  if (std::isfinite(r.best_metric)) return Outcome{TrialStatus::kOk, r.best_metric};
  return Outcome{TrialStatus::kFailed, NAN};
}

Result<std::vector<TrialRun>> run_sweep(const SweepConfig& sweep, const TrialDone& on_done,
                                        const std::vector<TrialRecord>& done) {
  auto strategy = make_strategy(sweep.strategy, sweep.space, nullptr);
  if (!strategy) return strategy.error();
  for (const TrialRecord& r : done) {
    const auto t = (*strategy)->ask();
    if (!t || t->id != r.id || t->values != r.params)
      return Error{{}, 0, "",
                   "recorded trial " + std::to_string(r.id) +
                       " is not the one this sweep's strategy asks for now (was the config or the "
                       "hypersweep version changed?)"};
    (*strategy)->tell(t->id, recorded_outcome(r));
  }
  auto base = sweep.train.finish();
  if (!base) return base.error();
  auto data = load_data(base->data);  // a data problem stops the sweep before any trial
  if (!data) return data.error();
  std::unique_ptr<DataBundle> shared = std::make_unique<DataBundle>(std::move(*data));

  std::vector<TrialRun> runs;
  while (auto t = (*strategy)->ask()) {
    TrialRun run;
    run.trial = *t;
    auto opt = trial_train_options(sweep, *t);
    if (!opt) {
      run.status = "failed";
      run.error = opt.error().str();
      run.outcome = Outcome{TrialStatus::kFailed, NAN};
    } else {
      std::unique_ptr<DataBundle> own;  // this trial's own data, when the space changes it
      if (!same_data(opt->data, base->data)) {
        auto d = load_data(opt->data);
        if (d) own = std::make_unique<DataBundle>(std::move(*d));
        else run.error = d.error().str();
      }
      if (run.error.empty()) {
        auto res = train(*opt, own ? *own : *shared);
        if (res) {
          run.outcome = outcome_of(sweep, *res);
          run.status = train_status_name(res->status);
          run.result = std::move(*res);
        } else {
          run.error = res.error().str();
        }
      }
      if (!run.error.empty()) {
        run.status = "failed";
        run.outcome = Outcome{TrialStatus::kFailed, NAN};
      }
    }
    (*strategy)->tell(t->id, run.outcome);
    runs.push_back(std::move(run));
    if (on_done) on_done(runs.back(), static_cast<int64_t>(runs.size()));
  }
  return runs;
}

SweepHeader sweep_header(const SweepConfig& sweep, const std::string& start_time) {
  SweepHeader h;
  h.config_text = sweep.train.text();
  // FNV-1a 64 of the text without its "# file: NAME" lines, so the same file reached by another
  // path (a resume from another folder) has the same hash.
  uint64_t hash = 0xcbf29ce484222325ULL;
  size_t pos = 0;
  while (pos < h.config_text.size()) {
    size_t end = h.config_text.find('\n', pos);
    if (end == std::string::npos) end = h.config_text.size();
    if (h.config_text.compare(pos, 8, "# file: ") != 0)
      for (size_t i = pos; i <= end && i < h.config_text.size(); ++i)
        hash = (hash ^ static_cast<unsigned char>(h.config_text[i])) * 0x100000001b3ULL;
    pos = end + 1;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(hash));
  h.config_hash = buf;
  h.strategy = strategy_name(sweep.strategy.kind);
  h.seed = sweep.strategy.seed;
  h.version = HYPERSWEEP_VERSION;
  h.start_time = start_time;
  h.metric = sweep.metric;
  h.space = sweep.space;
  return h;
}

TrialRecord trial_record(const TrialRun& run, int rank, const std::string& host) {
  TrialRecord r;
  r.id = run.trial.id;
  r.status = run.status;
  r.params = run.trial.values;
  r.rank = rank;
  r.host = host;
  r.error = run.error;
  r.best_metric = run.outcome.status == TrialStatus::kOk ? run.outcome.value : NAN;
  r.test_acc = NAN;
  if (!run.result) return r;
  const TrainResult& t = *run.result;
  r.best_epoch = t.best_epoch;
  r.test_acc = t.best_epoch > 0 ? t.test_acc : NAN;
  r.epochs = static_cast<int>(t.curve.size());
  r.seconds = t.seconds;
  r.layer_names = t.layer_names;
  double since_start = 0;
  for (const EpochRecord& e : t.curve) {
    since_start += e.seconds;
    r.curves.push_back({e.epoch, e.lr, e.train_loss, e.train_acc, e.val_loss, e.val_acc, since_start});
    r.update_ratio.push_back(e.update_ratio);
    r.update_ratio.back().resize(t.layer_names.size(), NAN);
  }
  return r;
}

int64_t best_trial(const SweepConfig& sweep, const std::vector<TrialRun>& runs) {
  int64_t best = -1;
  double best_value = NAN;
  for (size_t i = 0; i < runs.size(); ++i) {
    if (improves(sweep.strategy.direction, runs[i].outcome, best_value)) {
      best = static_cast<int64_t>(i);
      best_value = runs[i].outcome.value;
    }
  }
  return best;
}

}  // namespace hs
