#include "objective/trainer_objective.h"

#include <cmath>

#include "data/load.h"
#include "train/trainer.h"
#include "trial/metric.h"

namespace hs {

// Every field of DataOptions (load.h's defaulted ==), so a new data key cannot be left out.
bool data_serves(const DataBundle& data, const DataOptions& loaded_from, const TrainOptions& run) {
  return run.data == loaded_from && (data.test_kept == Keep::kAll || !run.evaluate_test);
}

namespace {

bool searches(const SweepConfig& sweep, const char* key) {
  for (const Param& p : sweep.space.params)
    if (p.name == key) return true;
  return false;
}

}  // namespace

Result<TrainOptions> trial_train_options(const SweepConfig& sweep, const Trial& t) {
  Result<TrainOptions> opt = trial_options(sweep, t);
  if (!opt) return opt;
  if (!searches(sweep, "seed")) opt->seed = trial_seed(sweep, t);
  return opt;
}

double best_metric_of(const TrialRecord& r, const std::string& metric) {
  if (r.status == TrialStatus::kDiverged || r.status == TrialStatus::kInterrupted) return NAN;
  if (r.best_epoch < 1 || r.best_epoch > static_cast<int>(r.curves.size())) return NAN;
  const double v = metric_value(r.curves[static_cast<size_t>(r.best_epoch - 1)], metric);
  return std::isfinite(v) ? v : NAN;
}

TrainerObjective::TrainerObjective(SweepConfig sweep, int threads,
                                   std::shared_ptr<const DataBundle> data, int local_worker)
    : sweep_(std::move(sweep)),
      threads_(threads),
      local_worker_(local_worker),
      shared_(std::move(data)) {}

Status TrainerObjective::prepare() {
  auto base = base_options(sweep_, threads_);
  if (!base) return base.error();
  base_ = std::move(*base);
  if (!shared_) {
    auto data = load_data(base_->data, test_keep(*base_));
    if (!data) return sweep_.train.locate_data_error(data.error());
    shared_ = std::make_shared<const DataBundle>(std::move(*data));
  }
  // The base network, before any trial: one the limits refuse (nn/model.h, this machine's
  // memory) stops the sweep here, on every rank that runs trials, naming where it was set;
  // unless its fault is a key the space sets, which no trial trains as the base has it.
  if (auto net = network_for(*base_, *shared_); !net && !space_sets(sweep_, net.error().key))
    return locate(sweep_, net.error());
  return {};
}

TrialRecord TrainerObjective::run(const Trial& t, const TrialHooks& hooks) {
  auto opt = trial_train_options(sweep_, t);
  if (!opt) {
    TrialRecord failed = record_of(t, TrialStatus::kFailed);
    failed.error = opt.error().str();
    return failed;
  }
  opt->local_worker = local_worker_;
  return train_trial(t, *opt, base_->data, *shared_, sweep_.metric, hooks);
}

Result<TrainOptions> TrainerObjective::base_options(SweepConfig& sweep, int threads) {
  if (threads > 0)
    if (Status st = sweep.train.set_value("threads", int64_t{threads}, {"--threads", 0}); !st)
      return st.error();
  return sweep.train.finish();
}

TrialRecord train_trial(const Trial& t, const TrainOptions& opt, const DataOptions& base_data,
                        const DataBundle& data, const std::string& metric,
                        const TrialHooks& hooks) {
  TrialRecord failed = record_of(t, TrialStatus::kFailed);
  std::unique_ptr<DataBundle> own;  // this trial's own data, when the space changes it
  if (!data_serves(data, base_data, opt)) {
    auto d = load_data(opt.data, test_keep(opt));
    if (!d) {
      failed.error = d.error().str();
      return failed;
    }
    own = std::make_unique<DataBundle>(std::move(*d));
  }
  const EpochCallback on_epoch = [&](const TrialRecord& so_far) {
    if (hooks.on_epoch && hooks.on_epoch(so_far) == EpochAnswer::kStop) return false;
    return !(hooks.stop && hooks.stop());
  };
  auto res = train(opt, own ? *own : data, on_epoch);
  if (!res) {
    failed.error = res.error().str();
    return failed;
  }
  TrialRecord r = std::move(res->record);
  r.id = t.id;
  r.params = t.values;
  r.best_metric = best_metric_of(r, metric);
  return r;
}

}  // namespace hs
